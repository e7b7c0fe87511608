import pytest

from class_list import MAX_CLASSES, ClassList, ClassListError


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
