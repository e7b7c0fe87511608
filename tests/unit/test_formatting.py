from web.formatting import distance_text, format_bytes, k_text, percent, prediction_rows


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


def test_not_sure_names_where_the_votes_went():
    headline, rows = prediction_rows(["A", "B"], 0, [1.0, 0.0], sure=False)
    assert headline == "not sure (nearest: A)"
    assert rows[0] == ("A", 1.0, "100%", True)


def test_distance_and_k_texts():
    assert distance_text(0.123, 0.3) == "Nearest example 0.12 away; sure within 0.30."
    assert "any distance" in distance_text(0.1, float("inf"))
    assert distance_text(float("inf"), 0.3) == ""
    assert k_text(3, 3, 10) == "3"
    assert k_text(3, 1, 1) == "3 (using 1: the smallest class has 1 example)"
