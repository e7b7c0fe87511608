"""What the live regions say (python/web/spoken.py): short, and changed only when what it tells changed."""

from web.spoken import SteadyText, detection_summary, plural, spoken_prediction


def test_spoken_prediction_names_the_class_and_a_files_name():
    assert spoken_prediction("A", "camera") == "Prediction: A"
    assert spoken_prediction("B", "photo.png") == "photo.png: B"
    assert spoken_prediction("", "camera") == ""  # no examples yet: nothing to say


def test_detection_summary_counts_each_class_most_first():
    assert detection_summary(["cup", "person", "person"]) == "2 people, 1 cup"
    assert detection_summary(["person"]) == "1 person"
    assert detection_summary([]) == "nothing detected"


def test_detection_summary_does_not_depend_on_the_scores_order():
    """The boxes come best score first; two classes whose scores swap say the same."""
    assert detection_summary(["dog", "cat"]) == detection_summary(["cat", "dog"]) == "1 cat, 1 dog"


def test_plurals_of_coco_labels():
    labels = ["bus", "wine glass", "bench", "toothbrush", "knife", "mouse", "sheep", "skis", "teddy bear", "tv"]
    assert [plural(label) for label in labels] == [
        "buses", "wine glasses", "benches", "toothbrushes", "knives", "mice", "sheep", "skis", "teddy bears", "tvs"]


def said(steady: SteadyText, texts: list[str]) -> list[str]:
    """The texts written to the region, frame by frame."""
    return [steady.text for text in texts if steady.frame(text)]


def test_a_text_is_said_once_it_holds_for_three_of_four_frames():
    steady = SteadyText()
    assert said(steady, ["1 person", "1 person"]) == []
    assert said(steady, ["1 person", "1 person", "1 person"]) == ["1 person"]
    assert said(steady, ["2 people", "2 people", "2 people"]) == ["2 people"]


def test_a_flicker_at_the_threshold_is_not_read_out():
    steady = SteadyText()
    assert said(steady, ["1 person"] * 3) == ["1 person"]
    assert said(steady, ["1 bottle, 1 person", "1 person"] * 10) == []  # found every other frame
    assert said(steady, ["1 bottle, 1 person", "1 bottle, 1 person", "1 person"] * 5) == ["1 bottle, 1 person"]
    assert steady.text == "1 bottle, 1 person"


def test_now_says_a_text_at_once_and_the_frames_start_over():
    steady = SteadyText()
    assert said(steady, ["1 person"] * 2) == []
    assert steady.now("photo.png: 1 cat") and steady.text == "photo.png: 1 cat"
    assert not steady.now("photo.png: 1 cat")  # the same words: nothing to write
    assert said(steady, ["1 person"] * 2) == []  # the camera's frames counted anew
    assert said(steady, ["1 person"]) == ["1 person"]
