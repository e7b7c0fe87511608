"""How a frame's boxes are shown: their colours on the canvas, the list under it, the debug output.

Pure Python over `detections.Placed`, like detections.py: the list items carry what was drawn in
data-* attributes (CSS px of the overlay), which is what the end-to-end tests read.
"""

from __future__ import annotations

import html
import json

from models.detections import Candidates, Placed

BOX_STYLE = {"color": "#00e676", "text_color": "#0b1a10", "line_width": 3, "font": "600 14px system-ui, sans-serif",
             "tab_height": 20}
# One colour per tracked object (by id), all light enough for BOX_STYLE's dark label text.
TRACK_COLOURS = ["#00e676", "#ffd600", "#40c4ff", "#ff9e80", "#ea80fc", "#b2ff59", "#ff80ab", "#64ffda"]


def box_colour(placed: Placed) -> str:
    return BOX_STYLE["color"] if placed.track is None else TRACK_COLOURS[(placed.track - 1) % len(TRACK_COLOURS)]


def list_item(p: Placed) -> str:
    """A drawn box as an <li>: its data-* attributes carry what was drawn, in CSS px of the overlay."""
    track = "" if p.track is None else f' data-track="{p.track}"'
    return (f'<li data-label="{html.escape(p.label)}" data-title="{html.escape(p.name or p.label)}" data-score="{p.score:.4f}" data-x="{p.x:.1f}" '
            f'data-y="{p.y:.1f}" data-w="{p.w:.1f}" data-h="{p.h:.1f}" data-colour="{box_colour(p)}"{track}>'
            f'{html.escape(p.text)}</li>')


def list_html(placed: list[Placed]) -> str:
    return "".join(list_item(p) for p in placed)


def candidates_json(detector, candidates: Candidates) -> str:
    return json.dumps({"detector": detector.name, "candidates": [
        {"label": c.label, "score": round(c.score, 5), "box": [round(v, 5) for v in c.box]} for c in candidates.all()]})
