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


NOT_SURE = "not sure"


def prediction_rows(names: list[str], index: int | None, confidences: list[float], sure: bool = True):
    """Headline and one (name, fraction, "NN%", is_top) row per class for the confidence bars.

    Not sure (the frame is far from every example): the headline says so and names the class the
    votes went to, whose bar still shows them."""
    if index is None:
        return "add examples to start", [(n, 0.0, "0%", False) for n in names]
    rows = [(n, c, percent(c), i == index) for i, (n, c) in enumerate(zip(names, confidences))]
    if not sure:
        return f"{NOT_SURE} (nearest: {names[index]})", rows
    return f"{names[index]} ({percent(confidences[index])})", rows


def distance_text(distance: float, threshold: float) -> str:
    """How far the frame is from the nearest example, against the distance still called sure."""
    if distance == float("inf"):
        return ""
    limit = "any distance (teach two examples of a class to measure one)" if threshold == float("inf") \
        else f"{threshold:.2f}"
    return f"Nearest example {distance:.2f} away; sure within {limit}."


def k_text(requested: int, used: int, smallest: int) -> str:
    """The k slider's value, and why a smaller k is used when a class has fewer examples."""
    if used >= requested:
        return str(requested)
    return f"{requested} (using {used}: the smallest class has {smallest} example{'' if smallest == 1 else 's'})"
