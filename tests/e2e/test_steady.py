"""Steady labels on Teach, measured: the raw and the shown label of every camera frame (wasm).

Two classes are taught from views of two real photos. One fake camera alternates between the two
photos (real changes: the shown label must follow each one within a few frames); another shows a
blend of both that jitters from frame to frame (an ambiguous steady scene: the raw label flickers,
the shown one must flicker much less).
"""

from __future__ import annotations

import numpy as np
import pytest
from test_teach import upload, wait_counts

from classifier.steady_label import flips

from support.photos import PHOTOS, write_views
from support.y4m import fit, write_y4m

W, H = 320, 240
FPS = 10
SEGMENT = 40  # video frames per photo on the alternating video (4 s)

# Records, in order, every change of the prediction's labels and of body[data-frames]: the page
# writes a frame's prediction, then its frame count, so each count closes one frame.
RECORD = """() => {
  window.steadyLog = [];
  const prediction = document.getElementById('prediction');
  const observer = new MutationObserver(records => {
    for (const r of records) window.steadyLog.push([r.attributeName, r.target.getAttribute(r.attributeName)]);
  });
  observer.observe(prediction, {attributes: true, attributeFilter: ['data-label', 'data-raw-label', 'data-source']});
  observer.observe(document.body, {attributes: true, attributeFilter: ['data-frames']});
  window.steadyInitial = {label: prediction.dataset.label || '', raw: prediction.dataset.rawLabel || ''};
  window.steadyStart = performance.now();
}"""


def photo(name: str) -> np.ndarray:
    return fit(PHOTOS[name](), W, H).astype(np.float32)


@pytest.fixture(scope="module")
def alternating_video(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("steady") / "alternating.y4m"
    frames = [photo("astronaut").astype(np.uint8), photo("motorcycle").astype(np.uint8)]
    return str(write_y4m(path, frames, fps=FPS, repeat=SEGMENT))


@pytest.fixture(scope="module")
def ambiguous_video(tmp_path_factory) -> str:
    """Half of each photo, the mix and the camera noise changing a little every frame."""
    rng = np.random.default_rng(3)
    a, b = photo("astronaut"), photo("motorcycle")
    frames = []
    for _ in range(40):
        w = rng.uniform(0.3, 0.7)
        frame = w * a + (1 - w) * b + rng.normal(0, 8, a.shape)
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
    path = tmp_path_factory.mktemp("steady") / "ambiguous.y4m"
    return str(write_y4m(path, frames, fps=FPS))


@pytest.fixture(scope="module")
def views(tmp_path_factory):
    folder = tmp_path_factory.mktemp("steady-photos")
    return {name: write_views(folder, name, 4, seed=1) for name in ("astronaut", "motorcycle")}


def teach(open_page, video, views):
    opened = open_page("?backend=wasm", video=video)
    opened.wait_ready()
    assert opened.backend() == "wasm"
    upload(opened, ".class-card:nth-child(1) input[data-action=upload]", views["astronaut"])
    upload(opened, ".class-card:nth-child(2) input[data-action=upload]", views["motorcycle"])
    wait_counts(opened, [4, 4, 0, 0])
    opened.wait_frames(3)
    return opened


def record(opened, frames: int) -> list[tuple[str, str]]:
    """(raw label, shown label) of each of the next `frames` camera frames."""
    page = opened.page
    page.evaluate(RECORD)
    opened.wait_frames(frames, timeout=600_000)
    seconds = page.evaluate("(performance.now() - window.steadyStart) / 1000")
    print(f"\n{frames} frames at {frames / seconds:.1f} frames/s", end="")
    log = page.evaluate("window.steadyLog")
    state = page.evaluate("window.steadyInitial")
    out = []
    for name, value in log:
        if name == "data-frames":
            out.append((state["raw"], state["label"]))
        elif name == "data-source":
            assert value == "camera"
        else:
            state["raw" if name == "data-raw-label" else "label"] = value or ""
    return out[:frames]


def lags(seen: list[tuple[str, str]], settle: int = 4) -> list[int]:
    """For each change of the raw label that then holds for `settle` frames (a real change, seen
    whole before the recording ends), after how many frames the shown label is the new one
    (`settle`: not within them)."""
    raw = [r for r, _ in seen]
    out = []
    for i in range(1, len(seen) - settle + 1):
        if raw[i] != raw[i - 1] and raw[i:i + settle] == [raw[i]] * settle:
            out.append(next((j - i for j in range(i, i + settle) if seen[j][1] == raw[i]), settle))
    return out


def test_steady_labels_follow_real_changes(open_page, alternating_video, views):
    opened = teach(open_page, alternating_video, views)
    assert opened.page.is_checked("#steady")  # on by default
    seen = record(opened, 120)
    raw, shown = [r for r, _ in seen], [s for _, s in seen]
    measured = lags(seen)
    print(f"; alternating: raw flips {flips(raw)}, shown flips {flips(shown)}, lags {measured}")
    assert set(raw) == {"A", "B"}
    assert len(measured) >= 3, f"the video should change scenes several times: {raw}"
    assert max(measured) <= 3, f"raw {raw}, shown {shown}"  # each real change followed within 3 frames
    # ...and nothing else moves the label: it only ever changes to the frame's own class.
    assert all(shown[i] == raw[i] for i in range(1, len(seen)) if shown[i] != shown[i - 1])
    assert opened.errors == []


def test_steady_labels_on_an_ambiguous_scene_and_the_choice_is_kept(open_page, ambiguous_video, views):
    opened = teach(open_page, ambiguous_video, views)
    page = opened.page
    seen = record(opened, 100)
    raw, shown = [r for r, _ in seen], [s for _, s in seen]
    print(f"; ambiguous: raw flips {flips(raw)} ({raw.count('A')} A), "
          f"shown flips {flips(shown)}")
    assert flips(raw) >= 10, f"the blend should flicker without smoothing: {raw}"
    assert flips(shown) * 4 <= flips(raw)

    # Off: the label is the frame's own; the choice survives a reload.
    page.uncheck("#steady")
    opened.wait_frames(2)
    off = record(opened, 20)
    assert all(r == s for r, s in off)
    page.reload()
    opened.wait_ready()
    assert not page.is_checked("#steady")
    assert opened.errors == []
