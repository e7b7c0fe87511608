import json

import pytest

from dataset import ClassData, Dataset, DatasetError, dumps, loads
from fake_bridge import floats


def sample() -> Dataset:
    return Dataset("centernet", 2, [ClassData("A", [floats(1, 2), floats(3, 4)]), ClassData("B", [])])


def test_round_trip_keeps_names_counts_and_values():
    text = dumps(sample())
    back = loads(text, "centernet", 2)
    assert [c.name for c in back.classes] == ["A", "B"]
    assert back.classes[0].embeddings == [floats(1, 2), floats(3, 4)]
    assert back.total_examples() == 2
    doc = json.loads(text)
    assert doc["format"] == "train-your-browser/dataset" and doc["version"] == 1
    assert doc["embedding"] == {"model": "centernet", "size": 2}


@pytest.mark.parametrize("text, words", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "not a Train Your Browser dataset"),
    (json.dumps({"format": "train-your-browser/dataset", "version": 9}), "version 9"),
    (json.dumps({"format": "train-your-browser/dataset", "version": 1, "embedding": {"model": "mobilenet", "size": 1024},
                 "classes": []}), "'mobilenet'"),
    (json.dumps({"format": "train-your-browser/dataset", "version": 1, "embedding": {"model": "centernet", "size": 2},
                 "classes": []}), "no classes"),
])
def test_bad_files_are_refused_with_a_reason(text, words):
    with pytest.raises(DatasetError, match=words):
        loads(text, "centernet", 2)


def test_truncated_examples_are_refused():
    doc = json.loads(dumps(sample()))
    doc["classes"][0]["count"] = 3
    with pytest.raises(DatasetError, match="truncated or damaged"):
        loads(json.dumps(doc), "centernet", 2)


def test_damaged_base64_is_refused():
    doc = json.loads(dumps(sample()))
    doc["classes"][0]["embeddings"] = "***"
    with pytest.raises(DatasetError, match="damaged"):
        loads(json.dumps(doc), "centernet", 2)


def test_a_file_cut_short_is_not_json():
    with pytest.raises(DatasetError):
        loads(dumps(sample())[:40], "centernet", 2)
