import base64
import json
import math
import re
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier import dataset as dataset_module
from classifier import stepwise
from classifier.dataset import MAX_THUMBNAIL_BYTES, ClassData, Dataset, DatasetError, dumps, image_type, loads, thumbnail_problem

from fake_bridge import floats

JPEG = b"\xff\xd8\xff\xe0" + b"jpeg body"
PNG = b"\x89PNG\r\n\x1a\n" + b"png body"
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"webp body"


def sample() -> Dataset:
    return Dataset("centernet", 2, [ClassData("A", [floats(1, 2), floats(3, 4)], [JPEG, b""]), ClassData("B", [])],
                   {"k": 3, "strictness": 1.5})


def sample_doc() -> dict:
    return json.loads(dumps(sample()))


def refused(doc_or_text, words: str) -> None:
    text = doc_or_text if isinstance(doc_or_text, str) else json.dumps(doc_or_text)
    with pytest.raises(DatasetError, match=words):
        loads(text, "centernet", 2)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def v1_text(dataset: Dataset) -> str:
    """A file as version 1 wrote it (no settings, no thumbnails)."""
    return json.dumps({
        "format": "train-your-browser/dataset", "version": 1,
        "embedding": {"model": dataset.model, "size": dataset.size},
        "classes": [{"name": c.name, "count": len(c.embeddings), "embeddings": b64(b"".join(c.embeddings))}
                    for c in dataset.classes]})


def with_one_thumbnail_per_example(dataset: Dataset) -> Dataset:
    """What loads gives back for `dataset`: b"" for each example of a class without thumbnails."""
    return Dataset(dataset.model, dataset.size,
                   [ClassData(c.name, list(c.embeddings), [c.thumbnail(i) for i in range(len(c.embeddings))])
                    for c in dataset.classes], dict(dataset.settings))


# Round trips and version 1

def test_round_trip_keeps_names_counts_values_thumbnails_and_settings():
    text = dumps(sample())
    back = loads(text, "centernet", 2)
    assert [c.name for c in back.classes] == ["A", "B"]
    assert back.classes[0].embeddings == [floats(1, 2), floats(3, 4)]
    assert back.classes[0].thumbnails == [JPEG, b""]
    assert back.classes[1].thumbnails == []
    assert back.settings == {"k": 3, "strictness": 1.5}
    assert back.total_examples() == 2
    assert back == sample()
    doc = json.loads(text)
    assert doc["format"] == "train-your-browser/dataset" and doc["version"] == 2
    assert doc["embedding"] == {"model": "centernet", "size": 2}
    assert doc["settings"] == {"k": 3, "strictness": 1.5}
    assert doc["classes"][0]["thumbnails"] == [b64(JPEG), ""]
    assert doc["classes"][1] == {"name": "B", "count": 0, "embeddings": "", "thumbnails": []}


def test_a_class_without_thumbnails_is_written_with_an_empty_one_per_example():
    dataset = Dataset("centernet", 2, [ClassData("A", [floats(1, 2), floats(3, 4)])])
    assert json.loads(dumps(dataset))["classes"][0]["thumbnails"] == ["", ""]
    assert loads(dumps(dataset), "centernet", 2).classes[0].thumbnails == [b"", b""]


def test_png_and_webp_thumbnails_load_too():
    dataset = Dataset("centernet", 2, [ClassData("A", [floats(1, 2), floats(3, 4)], [PNG, WEBP])])
    assert loads(dumps(dataset), "centernet", 2).classes[0].thumbnails == [PNG, WEBP]


def test_version_1_loads_without_thumbnails_or_settings_and_is_saved_as_version_2():
    old = Dataset("centernet", 2, [ClassData("A", [floats(1, 2), floats(3, 4)]), ClassData("B", [floats(5, 6)])])
    back = loads(v1_text(old), "centernet", 2)
    assert back.classes[0].embeddings == [floats(1, 2), floats(3, 4)]
    assert [c.thumbnails for c in back.classes] == [[b"", b""], [b""]]
    assert back.settings == {}
    doc = json.loads(dumps(back))
    assert doc["version"] == 2 and doc["settings"] == {}
    assert [c["thumbnails"] for c in doc["classes"]] == [["", ""], [""]]
    assert loads(dumps(back), "centernet", 2) == back


def test_version_1_ignores_what_only_version_2_has():
    doc = json.loads(v1_text(sample()))
    doc["settings"] = "not read in version 1"
    doc["classes"][0]["thumbnails"] = "nor this"
    back = loads(json.dumps(doc), "centernet", 2)
    assert back.settings == {} and back.classes[0].thumbnails == [b"", b""]


def test_names_are_stripped_and_unknown_settings_kept():
    doc = sample_doc()
    doc["classes"][0]["name"] = "  A "
    doc["settings"]["smoothing-frames"] = 8
    back = loads(json.dumps(doc), "centernet", 2)
    assert back.classes[0].name == "A"
    assert back.settings == {"k": 3, "strictness": 1.5, "smoothing-frames": 8}


def test_settings_may_be_left_out_of_a_version_2_file():
    doc = sample_doc()
    del doc["settings"]
    assert loads(json.dumps(doc), "centernet", 2).settings == {}


def test_the_thumbnail_of_an_example():
    assert sample().classes[0].thumbnail(0) == JPEG
    assert sample().classes[0].thumbnail(1) == b""
    assert ClassData("A", [floats(1, 2)]).thumbnail(0) == b""


def test_image_types_by_magic_number():
    assert [image_type(d) for d in (JPEG, PNG, WEBP)] == ["image/jpeg", "image/png", "image/webp"]
    assert image_type(b"GIF89a...") is None
    assert image_type(b"RIFF\x00\x00\x00\x00WAVE") is None
    assert thumbnail_problem(b"") is None and thumbnail_problem(JPEG) is None
    assert "larger than 32 KB" in thumbnail_problem(JPEG + bytes(MAX_THUMBNAIL_BYTES))


def test_dumps_refuses_data_no_file_can_hold():
    with pytest.raises(ValueError, match="2 examples but 1 thumbnail"):
        dumps(Dataset("centernet", 2, [ClassData("A", [floats(1, 2), floats(3, 4)], [JPEG])]))
    with pytest.raises(ValueError):
        dumps(Dataset("centernet", 2, [ClassData("A")], {"k": math.nan}))


# Refusals

@pytest.mark.parametrize("text, words", [
    ("{not json", "not valid JSON"),
    ("[" * 100_000, "not valid JSON"),
    ('{"count": ' + "9" * 5000 + "}", "not valid JSON"),
    ("[1, 2]", "not a Train Your Browser dataset"),
    (json.dumps({"format": "train-your-browser/dataset", "version": 9}), "version 9"),
    (json.dumps({"format": "train-your-browser/dataset", "version": True}), "version True"),
    (json.dumps({"format": "train-your-browser/dataset", "version": 2.0}), "version 2.0"),
    (json.dumps({"format": "train-your-browser/dataset", "version": 1, "embedding": {"model": "mobilenet", "size": 1024},
                 "classes": []}), re.escape("add ?model=mobilenet to its address")),
    (json.dumps({"format": "train-your-browser/dataset", "version": 1, "embedding": {"model": "<a href=x>", "size": 2},
                 "classes": []}), re.escape("model '<a href=x>' (2 values); this page uses 'centernet' (2). "
                                            "Teach again with this model.") + "$"),
    (json.dumps({"format": "train-your-browser/dataset", "version": 2, "embedding": [1, 2],
                 "classes": []}), "made with the embedding model None"),
    (json.dumps({"format": "train-your-browser/dataset", "version": 1, "embedding": {"model": "centernet", "size": 2},
                 "classes": []}), "no classes"),
])
def test_bad_files_are_refused_with_a_reason(text, words):
    refused(text, words)


def test_truncated_examples_are_refused():
    doc = sample_doc()
    doc["classes"][0]["count"] = 3
    refused(doc, "examples of class 'A' are truncated or damaged")


@pytest.mark.parametrize("count", [1, -1, "2", 2.0, True, None])
def test_counts_that_disagree_with_the_embeddings_are_refused(count):
    doc = sample_doc()
    doc["classes"][0]["count"] = count
    refused(doc, "class 'A' are truncated or damaged")


@pytest.mark.parametrize("embeddings", ["***", 12, ["AAAA"], "é"])
def test_damaged_base64_is_refused(embeddings):
    doc = sample_doc()
    doc["classes"][0]["embeddings"] = embeddings
    refused(doc, "examples of class 'A' are damaged")


@given(st.binary(max_size=40), st.sampled_from([4, 8, 12]), st.integers(0, 60), st.sampled_from(["", "=", "A", "*"]))
def test_examples_decoded_in_steps_read_as_base64_does_at_once(data, step, at, change):
    """A class's examples are decoded BASE64_STEP characters a step: any string, valid or not, reads
    as one b64decode(validate=True) of it would (padding in the middle of a step's cut too)."""
    text = base64.b64encode(data).decode()
    text = text[:at] + change + text[at:]
    try:
        expected = base64.b64decode(text, validate=True)
    except ValueError:
        expected = None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stepwise, "BASE64_STEP", step)
        assert stepwise.run(dataset_module._base64_steps(text)) == expected


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("version", [1, 2])
def test_nan_or_infinite_embeddings_are_refused(value, version):
    bad = Dataset("centernet", 2, [ClassData("A", [floats(1, 2)]), ClassData("B", [floats(3, 4), floats(5, value)])])
    refused(v1_text(bad) if version == 1 else dumps(bad), "class 'B' hold values that are not numbers")


def test_the_largest_float32_values_are_not_mistaken_for_infinity():
    largest = struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]
    dataset = Dataset("centernet", 2, [ClassData("A", [floats(largest, largest)] * 3)])
    assert loads(dumps(dataset), "centernet", 2).classes[0].embeddings == [floats(largest, largest)] * 3


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("names", [["A", "A"], ["A", " A"], ["Cat", "dog", "Cat "]])
def test_duplicate_class_names_are_refused(version, names):
    dataset = Dataset("centernet", 2, [ClassData(n, [floats(1, 2)]) for n in names])
    refused(v1_text(dataset) if version == 1 else dumps(dataset), f"two classes named {names[0].strip()!r}")


@pytest.mark.parametrize("name", ["", "   ", None, 3])
def test_classes_without_a_name_are_refused(name):
    doc = sample_doc()
    doc["classes"][1]["name"] = name
    refused(doc, "Class 2 in the dataset has no name")


@pytest.mark.parametrize("thumbnails", [None, "", {"0": ""}, [b64(JPEG), 7], [b64(JPEG), "***"], [b64(JPEG), "é"]])
def test_damaged_thumbnails_are_refused(thumbnails):
    doc = sample_doc()
    doc["classes"][0]["thumbnails"] = thumbnails
    refused(doc, r"The thumbnails of class 'A' are damaged\.")


def test_a_version_2_class_without_thumbnails_is_refused():
    doc = sample_doc()
    del doc["classes"][0]["thumbnails"]
    refused(doc, "thumbnails of class 'A' are damaged")


@pytest.mark.parametrize("thumbnails", [[""], ["", "", ""], []])
def test_a_thumbnail_list_that_disagrees_with_the_count_is_refused(thumbnails):
    doc = sample_doc()
    doc["classes"][0]["thumbnails"] = thumbnails
    refused(doc, f"Class 'A' has 2 examples but {len(thumbnails)} thumbnail{'' if len(thumbnails) == 1 else 's'}")


@pytest.mark.parametrize("image", [b"GIF89a not allowed", b"plain text", b"\xff\xd8", b"RIFF\x00\x00\x00\x00AVI LIST"])
def test_thumbnails_that_are_not_jpeg_png_or_webp_are_refused(image):
    doc = sample_doc()
    doc["classes"][0]["thumbnails"][1] = b64(image)
    refused(doc, "Thumbnail 2 of class 'A' is not a JPEG, PNG or WebP image")


def test_thumbnails_over_the_size_limit_are_refused():
    doc = sample_doc()
    doc["classes"][0]["thumbnails"][0] = b64(JPEG.ljust(MAX_THUMBNAIL_BYTES, b"x"))
    assert loads(json.dumps(doc), "centernet", 2).classes[0].thumbnails[0] == JPEG.ljust(MAX_THUMBNAIL_BYTES, b"x")
    doc["classes"][0]["thumbnails"][0] = b64(JPEG.ljust(MAX_THUMBNAIL_BYTES + 1, b"x"))
    refused(doc, "Thumbnail 1 of class 'A' is larger than 32 KB")


@pytest.mark.parametrize("settings_doc", [None, [], "k=3", 3])
def test_settings_that_are_not_an_object_are_refused(settings_doc):
    doc = sample_doc()
    doc["settings"] = settings_doc
    refused(doc, "settings in the dataset are damaged")


@pytest.mark.parametrize("value", [True, None, "3", [3], {"v": 3}, math.nan, math.inf, -math.inf, 10 ** 400, 1e10])
def test_settings_that_are_not_small_numbers_are_refused(value):
    doc = sample_doc()
    doc["settings"]["k"] = value
    refused(doc, "setting 'k' in the dataset is not a usable number")


@pytest.mark.parametrize("key", ["", "x" * 41])
def test_setting_names_must_be_short(key):
    doc = sample_doc()
    doc["settings"][key] = 1
    refused(doc, "a setting with a name of")


def test_too_many_settings_are_refused():
    doc = sample_doc()
    doc["settings"] = {f"s{i}": i for i in range(65)}
    refused(doc, "more than 64 settings")


def test_a_file_cut_short_is_not_json():
    with pytest.raises(DatasetError):
        loads(dumps(sample())[:40], "centernet", 2)


# Property: whatever a file becomes, loads gives a Dataset or a DatasetError, and a Dataset round-trips.

MODEL = "m"
DROP = object()
NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=6).map(str.strip).filter(bool)
FLOAT32 = st.floats(width=32, allow_nan=False, allow_infinity=False)
IMAGE = st.sampled_from([JPEG[:3], PNG[:8], b"RIFF\x00\x00\x00\x00WEBP"]).flatmap(
    lambda magic: st.binary(max_size=24).map(lambda body: magic + body))
SETTINGS = st.dictionaries(st.text(min_size=1, max_size=8),
                           st.integers(-1000, 1000) | st.floats(-1e6, 1e6, allow_nan=False), max_size=3)


@st.composite
def datasets(draw) -> Dataset:
    size = draw(st.integers(2, 4))
    names = draw(st.lists(NAMES, min_size=1, max_size=5, unique=True))
    classes = []
    for name in names:
        count = draw(st.integers(0, 4))
        embeddings = [struct.pack(f"<{size}f", *draw(st.lists(FLOAT32, min_size=size, max_size=size)))
                      for _ in range(count)]
        thumbnails = draw(st.sampled_from(["none", "empty", "some"]))
        if thumbnails == "none":
            classes.append(ClassData(name, embeddings))
        elif thumbnails == "empty":
            classes.append(ClassData(name, embeddings, [b""] * count))
        else:
            classes.append(ClassData(name, embeddings, draw(st.lists(IMAGE | st.just(b""), min_size=count, max_size=count))))
    return Dataset(MODEL, size, classes, draw(SETTINGS))


def files(draw, dataset: Dataset) -> str:
    return draw(st.sampled_from([dumps(dataset), v1_text(dataset)]))


def mutate_text(draw, text: str) -> str:
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        how = draw(st.sampled_from(["truncate", "replace", "delete", "insert", "flip"]))
        char = draw(st.sampled_from('{}[]",:0123456789.-eE AaZz=+/\\ntfu') | st.characters())
        if how == "truncate":
            text = text[:at]
        elif how == "replace":
            text = text[:at] + char + text[at + 1:]
        elif how == "delete":
            text = text[:at] + text[at + 1:]
        elif how == "insert":
            text = text[:at] + char + text[at:]
        elif at < len(text):
            text = text[:at] + chr(ord(text[at]) ^ (1 << draw(st.integers(0, 6)))) + text[at + 1:]
    return text


def children(node):
    """(key, value) of a parsed JSON object or array; nothing for a plain value."""
    return list(node.items()) if isinstance(node, dict) else list(enumerate(node)) if isinstance(node, list) else []


def places(node, path=()):
    """Every (path, container, key) in a parsed JSON document, depth first."""
    for key, value in children(node):
        yield path + (key,), node, key
        yield from places(value, path + (key,))


def shape(path: tuple) -> tuple:
    """A path with array positions as "#", so that every class's "count" has the same shape."""
    return tuple("#" if isinstance(key, int) else key for key in path)


def contains(outer, inner) -> bool:
    """Whether `inner` is `outer` or inside it (by identity): swapping those would make a cycle."""
    return outer is inner or any(contains(value, inner) for _, value in children(outer))


ODD_VALUES = [None, True, False, 0, -1, 1, 2, 3, 10 ** 30, 0.5, math.nan, math.inf, "", "A", "AAAA", "***", "/w==",
              [], [""], [1, 2], {}, {"name": "A"}, {"k": 1}]


def mutate_document(draw, doc):
    for _ in range(draw(st.integers(1, 3))):
        spots = list(places(doc))
        if not spots:
            return draw(st.sampled_from(ODD_VALUES))
        # First which kind of value (a shape), then which one: every field is hit about as often.
        kind = draw(st.sampled_from(sorted({shape(path) for path, _, _ in spots}, key=len, reverse=True)))
        node, key = draw(st.sampled_from([(n, k) for path, n, k in spots if shape(path) == kind]))
        how = draw(st.sampled_from(["retype", "drop", "count", "swap", "duplicate"]))
        if how == "drop":
            del node[key]
        elif how == "retype":
            node[key] = draw(st.sampled_from(ODD_VALUES))
        elif how == "count":
            value = node[key]
            number = value if isinstance(value, int) else len(value) if isinstance(value, (list, str)) else 0
            node[key] = number + draw(st.sampled_from([-2, -1, 1, 2]))
        elif how == "swap":
            _, other_node, other_key = draw(st.sampled_from(spots))
            if not contains(node[key], other_node) and not contains(other_node[other_key], node):
                node[key], other_node[other_key] = other_node[other_key], node[key]
        elif isinstance(node, list):
            node.insert(key, node[key])
        else:
            node[str(key) + "2"] = node[key]
    return doc


def assert_loads_or_refuses(text: str, size: int, model: str = MODEL) -> bool:
    """loads gives a Dataset that round-trips (True) or raises DatasetError (False), nothing else."""
    try:
        loaded = loads(text, model, size)
    except DatasetError:
        return False
    assert isinstance(loaded, Dataset)
    assert loads(dumps(loaded), model, size) == loaded
    return True


# Fast enough for every run (a few seconds on a slow machine); database=None writes no .hypothesis folder.
FAST = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@settings(FAST, max_examples=100)
@given(datasets())
def test_a_dump_loads_back_equal(dataset):
    assert loads(dumps(dataset), MODEL, dataset.size) == with_one_thumbnail_per_example(dataset)


@FAST
@given(st.data(), datasets())
def test_mutated_text_loads_or_is_refused(data, dataset):
    assert_loads_or_refuses(mutate_text(data.draw, files(data.draw, dataset)), dataset.size)


@FAST
@given(st.data(), datasets())
def test_mutated_documents_load_or_are_refused(data, dataset):
    doc = mutate_document(data.draw, json.loads(files(data.draw, dataset)))
    assert_loads_or_refuses(json.dumps(doc), dataset.size)


@pytest.mark.parametrize("version", [1, 2])
def test_every_field_dropped_or_given_an_odd_value_loads_or_is_refused(version):
    text = v1_text(sample()) if version == 1 else dumps(sample())
    outcomes = []
    for path, _, _ in list(places(json.loads(text))):
        for value in [DROP, *ODD_VALUES]:
            doc = node = json.loads(text)
            for key in path[:-1]:
                node = node[key]
            if value is DROP:
                del node[path[-1]]
            else:
                node[path[-1]] = value
            outcomes.append(assert_loads_or_refuses(json.dumps(doc), 2, "centernet"))
    assert True in outcomes and False in outcomes


def test_the_file_is_what_json_dumps_writes_for_the_document():
    dataset = sample()
    doc = {"format": "train-your-browser/dataset", "version": 2, "embedding": {"model": "centernet", "size": 2},
           "settings": {"k": 3, "strictness": 1.5},
           "classes": [{"name": c.name, "count": len(c.embeddings), "embeddings": b64(b"".join(c.embeddings)),
                        "thumbnails": [b64(c.thumbnail(i)) for i in range(len(c.embeddings))]} for c in dataset.classes]}
    assert dumps(dataset) == json.dumps(doc, separators=(",", ":"))
    named = Dataset("centernet", 2, [ClassData("mügg ✓", [floats(1, 2)])])
    assert json.loads(dumps(named))["classes"][0]["name"] == "mügg ✓" and dumps(named).isascii()


def test_read_and_write_in_slices_give_what_loads_and_dumps_give():
    from classifier.dataset import read, write

    from aio import run
    data = run(write(sample()))
    assert data == dumps(sample()).encode() and run(read(data, "centernet", 2)) == loads(data, "centernet", 2)


def test_a_file_that_is_not_utf8_is_refused():
    with pytest.raises(DatasetError, match="not UTF-8"):
        loads(dumps(sample()).encode() + b"\xff", "centernet", 2)
