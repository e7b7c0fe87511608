"""What Teach shows of a prediction: the headline, the class's confidence bars, the distance to the
nearest example, and the live region a screen reader speaks.

Camera frames go through "steady labels" (the label holds until a change lasts) and are spoken only
once a label holds; an image file's answer is shown and spoken at once. Unchanged text costs no DOM
work, so a steady scene writes nothing.

Example:
    view = PredictionView(bridge, cards)
    view.show(await trainer.predict(embedding), "camera", classes.names(), trainer.threshold)
"""

from __future__ import annotations

from classifier.neighbours import Answer
from classifier.steady_label import SteadyLabel
from models.detections import label_text
from web.formatting import NOT_SURE, distance_text, prediction_rows
from web.frame_loop import page_clock
from web.spoken import SteadyText, spoken_prediction


class PredictionView:
    def __init__(self, bridge, cards):
        self.b = bridge
        self.cards = cards  # the class cards carry the confidence bars
        clock = page_clock(bridge)
        self.steady = SteadyLabel(clock=clock)  # "Steady labels": camera predictions smoothed over time
        self.spoken = SteadyText(clock=clock)  # the live region's text (#prediction-spoken)
        self._shown = None

    def show(self, raw: Answer, source: str, names: list[str], threshold: float) -> None:
        """`raw`: the KNN's answer for this frame or file; `source`: "camera" or the file's name."""
        answer = self.steady.frame(raw) if source == "camera" else self.steady.now(raw)
        headline, rows = prediction_rows(names, answer.index, answer.confidences, answer.sure)
        label = "" if answer.index is None else names[answer.index]  # where the votes went, sure or not
        self._write(source, headline, label, "true" if answer.sure else "false",
                    distance_text(answer.distance, threshold), "" if raw.index is None else names[raw.index])
        spoken = spoken_prediction(label if answer.sure or not label else NOT_SURE, source)
        changed = self.spoken.frame(spoken) if source == "camera" else self.spoken.now(spoken)
        if changed:
            self.b.set_text("prediction-spoken", self.spoken.text)
        self.cards.show_confidences(rows)

    def object_found(self, detection) -> None:
        """"Teach objects": the object the embedding was made of."""
        self.b.set_text("object-found", f"Object: {label_text(detection.label, detection.score)}")

    def no_object(self, source: str) -> None:
        self.b.set_text("object-found", "No object found in view.")
        self._write(source, "no object in view", "", "false", "")

    def _write(self, source: str, headline: str, label: str, sure: str, distance: str, raw_label: str = "") -> None:
        shown = (source, headline, label, sure, distance, raw_label)
        if shown == self._shown:  # unchanged text costs no DOM work
            return
        self._shown = shown
        self.b.set_data("prediction", "source", source)
        self.b.set_text("predicted", headline)
        self.b.set_data("prediction", "label", label)
        self.b.set_data("prediction", "sure", sure)
        self.b.set_data("prediction", "rawLabel", raw_label)  # the frame's own class, unsmoothed
        self.b.set_text("nearest", distance)
