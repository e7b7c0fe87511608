"""Text shown to the user, kept apart so it is tested without a browser."""

from __future__ import annotations


def format_bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def percent(fraction: float) -> str:
    return f"{round(fraction * 100):d}%"


def prediction_rows(names: list[str], index: int | None, confidences: list[float]):
    """Headline and one (name, fraction, "NN%", is_top) row per class for the confidence bars."""
    if index is None:
        return "add examples to start", [(n, 0.0, "0%", False) for n in names]
    rows = [(n, c, percent(c), i == index) for i, (n, c) in enumerate(zip(names, confidences))]
    return f"{names[index]} ({percent(confidences[index])})", rows
