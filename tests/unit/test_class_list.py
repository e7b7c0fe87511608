import pytest

from classifier.class_list import MAX_CLASSES, ClassList, ClassListError
from classifier.dataset import MAX_THUMBNAIL_BYTES, ClassData


def test_defaults_are_a_to_d():
    assert ClassList().names() == ["A", "B", "C", "D"]


def test_add_picks_the_next_free_letter_and_rename_checks_names():
    classes = ClassList(["A", "C"])
    assert classes.add() == 2
    assert classes.names() == ["A", "C", "B"]
    classes.rename(2, "  Cat ")
    assert classes.names()[2] == "Cat"
    with pytest.raises(ClassListError, match="already"):
        classes.rename(0, "Cat")
    with pytest.raises(ClassListError, match="needs a name"):
        classes.rename(0, "   ")


def test_remove_keeps_ids_dense_and_keeps_one_class():
    classes = ClassList(["A", "B", "C"])
    classes.add_example(2, b"x")
    classes.remove(1)
    assert classes.names() == ["A", "C"]
    assert classes.counts() == [0, 1]
    classes.remove(0)
    with pytest.raises(ClassListError):
        classes.remove(0)


def test_clear_and_limit():
    classes = ClassList()
    classes.add_example(0, b"x")
    assert classes.has_examples()
    classes.clear(0)
    assert not classes.has_examples()
    while len(classes) < MAX_CLASSES:
        classes.add()
    with pytest.raises(ClassListError):
        classes.add()


JPEG = b"\xff\xd8\xff\xe0 thumbnail"


def examples(classes: ClassList, index: int) -> list[tuple[bytes, bytes]]:
    data = classes.classes[index]
    assert len(data.thumbnails) in (0, len(data.embeddings))
    return [(e, data.thumbnail(i)) for i, e in enumerate(data.embeddings)]


def test_examples_keep_one_thumbnail_each():
    classes = ClassList(["A", "B"])
    classes.add_example(0, b"e1", JPEG)
    classes.add_example(0, b"e2")
    assert classes.classes[0].thumbnails == [JPEG, b""]
    assert examples(classes, 0) == [(b"e1", JPEG), (b"e2", b"")]
    classes.clear(0)
    assert classes.classes[0].embeddings == [] and classes.classes[0].thumbnails == []


def test_a_class_loaded_without_thumbnails_gets_one_per_example_when_added_to():
    classes = ClassList()
    classes.replace([ClassData("A", [b"e1", b"e2"])])
    classes.add_example(0, b"e3", JPEG)
    assert classes.classes[0].thumbnails == [b"", b"", JPEG]


def test_a_thumbnail_no_dataset_file_could_hold_is_refused():
    classes = ClassList()
    with pytest.raises(ClassListError, match="not a JPEG, PNG or WebP"):
        classes.add_example(0, b"e1", b"GIF89a")
    with pytest.raises(ClassListError, match="larger than 32 KB"):
        classes.add_example(0, b"e1", JPEG + bytes(MAX_THUMBNAIL_BYTES))
    assert classes.counts() == [0, 0, 0, 0]


def test_remove_example_takes_its_thumbnail_too():
    classes = ClassList(["A"])
    for n, thumbnail in enumerate([JPEG, b"", JPEG + b"3"]):
        classes.add_example(0, b"e%d" % n, thumbnail)
    classes.remove_example(0, 1)
    assert examples(classes, 0) == [(b"e0", JPEG), (b"e2", JPEG + b"3")]
    classes.remove_example(0, 0)
    assert examples(classes, 0) == [(b"e2", JPEG + b"3")]
    with pytest.raises(IndexError):
        classes.remove_example(0, 1)
    with pytest.raises(IndexError):
        classes.remove_example(0, -1)
    assert classes.counts() == [1]


def test_remove_example_from_a_class_without_thumbnails():
    classes = ClassList()
    classes.replace([ClassData("A", [b"e1", b"e2"])])
    classes.remove_example(0, 0)
    assert examples(classes, 0) == [(b"e2", b"")]


def test_move_example_goes_to_the_end_of_the_other_class_with_its_thumbnail():
    classes = ClassList(["A", "B"])
    classes.add_example(0, b"a0", JPEG)
    classes.add_example(0, b"a1")
    classes.add_example(1, b"b0")
    assert classes.move_example(0, 0, 1) == 1
    assert examples(classes, 0) == [(b"a1", b"")]
    assert examples(classes, 1) == [(b"b0", b""), (b"a0", JPEG)]
    assert classes.move_example(1, 1, 1) == 1
    assert examples(classes, 1) == [(b"b0", b""), (b"a0", JPEG)]


def test_move_example_between_classes_with_and_without_thumbnails():
    classes = ClassList()
    classes.replace([ClassData("A", [b"a0"]), ClassData("B", [b"b0"], [JPEG])])
    assert classes.move_example(1, 0, 0) == 1
    assert examples(classes, 0) == [(b"a0", b""), (b"b0", JPEG)]
    assert examples(classes, 1) == []


def test_a_move_that_cannot_be_made_changes_nothing():
    classes = ClassList(["A", "B"])
    classes.add_example(0, b"a0", JPEG)
    with pytest.raises(IndexError):
        classes.move_example(0, 0, 5)
    with pytest.raises(IndexError):
        classes.move_example(0, 1, 1)
    assert examples(classes, 0) == [(b"a0", JPEG)] and examples(classes, 1) == []
