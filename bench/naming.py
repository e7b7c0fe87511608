"""The naming part: Detect's frame with 0, 1 and 5 boxes named by the visitor's classes, Python page
vs plain-JS page, on wasm, paired per round as in the loop part. It needs its own camera video (six
photos in one frame), so it runs in a second browser."""

from __future__ import annotations

import numpy as np
from skimage import data as photos
from skimage.transform import resize
from support.photos import PHOTOS

from bench.browser import EXAMPLES_PER_CLASS, SAME_DETECTOR, Bench, frame_window, wait_first_frame, wait_ready
from bench.loop import measured_window, paired_rounds
from bench.table import summary_loop

# A frame of six photos (3 x 2) in which CenterNet finds five objects scoring >= 0.5 (two people, two
# motorcycles, a cat; measured): "one" names the cat only, "five" every box, "none" switches naming off.
NAMING_THRESHOLD = 50
NAMING_CASES = {"none": None, "one": "cat", "five": "all"}
NAMING_SETTLE_FRAMES = 5  # a frame here costs ~1 s: the loop part's 30 would cost minutes per page


def naming_frame() -> np.ndarray:
    """The camera frame: six photos, 3 x 2, 256 px squares."""
    def square(image, side: int = 256):
        return (resize(image[..., :3], (side, side), anti_aliasing=True) * 255).astype(np.uint8)

    astronaut, motorcycle = PHOTOS["astronaut"](), PHOTOS["motorcycle"]()[:, 100:600]
    coffee, cat = photos.coffee()[:, 100:500], photos.chelsea()[:, 75:375]
    top = [square(astronaut), square(motorcycle), square(coffee)]
    bottom = [square(cat), square(astronaut[:, ::-1]), square(motorcycle[:, ::-1])]
    return np.concatenate([np.concatenate(top, 1), np.concatenate(bottom, 1)], 0)


def open_naming(bench: Bench, context, impl: str, target: str | None, boot_s: float):
    """The Detect page with its threshold at NAMING_THRESHOLD and naming `target` ("all", one COCO
    label, None: off), on its loop; the Python page names with the benchmark's dataset file."""
    page = context.new_page()
    if impl == "js":
        name = f"&name={target}" if target else ""
        page.goto(bench.base + f"bench/detect.html?backend=wasm&threshold={NAMING_THRESHOLD / 100}"
                  f"&examples={EXAMPLES_PER_CLASS}{name}{SAME_DETECTOR}")
    else:
        page.goto(bench.base + "detect.html?backend=wasm" + SAME_DETECTOR)
    wait_ready(page, f"detect/{impl}", boot_s)
    if impl == "python":
        page.locator("#threshold").fill(str(NAMING_THRESHOLD))
        if target:
            page.set_input_files("#naming-load", str(bench.dataset))
            page.wait_for_selector("#naming[data-on=true]", state="attached", timeout=30_000)
            if target != "all":
                page.select_option("#naming-only", target)
        page.click("#camera-start")
    wait_first_frame(page, boot_s)
    return page


def boxes_shown(page) -> int:
    return int(page.get_attribute("#detections", "data-count") or 0)


def part_naming(bench: Bench, quick: bool) -> list[dict]:
    """ms per Detect frame with 0, 1 and 5 boxes named, Python and plain JS back to back per round
    (5 rounds: a page load's heap layout moves a frame's kernels by tens of ms, either way)."""
    frames, rounds, boot_s = (5, 1, 120) if quick else (20, 5, 120)
    rows = []
    for case, target in NAMING_CASES.items():
        row = {"case": case, "names": target, "backend": "wasm", "frames_per_window": frames, "rounds": rounds}

        def measure(impl: str, context) -> dict:
            page = open_naming(bench, context, impl, target, boot_s)
            frame_window(page, NAMING_SETTLE_FRAMES, boot_s)
            window = measured_window(page, frames, 5 * 4 * frames + 10, profile=True)
            row[f"{impl}_boxes"] = boxes_shown(page)
            return window
        paired_rounds(row, rounds, lambda: bench.context(heap_layout=True), measure)
        print(f"  naming {case:5s} {summary_loop(row)}", flush=True)
        rows.append(row)
    base = next((r for r in rows if r["case"] == "none" and "python" in r), None)
    for row in rows:
        if base and "python" in row:
            row["python_vs_none"] = round(row["python"]["ms_per_frame"] / base["python"]["ms_per_frame"], 2)
            row["js_vs_none"] = round(row["js"]["ms_per_frame"] / base["js"]["ms_per_frame"], 2)
    return rows
