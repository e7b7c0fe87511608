from formatting import format_bytes, percent, prediction_rows


def test_prediction_rows_mark_the_top_class():
    headline, rows = prediction_rows(["A", "B"], 1, [0.25, 0.75])
    assert headline == "B (75%)"
    assert rows == [("A", 0.25, "25%", False), ("B", 0.75, "75%", True)]


def test_prediction_rows_before_any_example():
    headline, rows = prediction_rows(["A"], None, [0.0])
    assert headline == "add examples to start"
    assert rows == [("A", 0.0, "0%", False)]


def test_units():
    assert format_bytes(999) == "999 B"
    assert format_bytes(4_030_290) == "4.0 MB"
    assert percent(0.666) == "67%"
