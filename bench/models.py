"""The models part: each model the converter builds from registry and repository sources (centernet,
coco-ssd, mobilenet), run with plain TF.js on wasm in bench/pages/models.html: load time, ms per
frame, bytes; for detectors the labels found, missed and wrong on labelled photos, decoded by the
Detect page's own functions; for embeddings 1-NN leave-one-out accuracy on augmented views.

The models are built for the run into its work folder (`python -m convert site --models ...`), not
into site/: what the site ships is scripts/build_site.py's choice.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from skimage import data, io

from bench import ROOT
from bench.browser import BOOTED, Bench, failure, recorded
from bench.first_visit_bytes import compressed
from bench.model_quality import TRUTH, nearest_neighbour_accuracy, score_labels, separations, spread
from bench.server import WORK_URL
from models.detections import centernet_rows, select, ssd_rows
from models.detector import DETECTORS
from support.photos import views

MODELS = ("centernet", "coco-ssd", "mobilenet")
PHOTOS = {"astronaut": data.astronaut, "chelsea": data.chelsea, "coffee": data.coffee,
          "motorcycle": lambda: data.stereo_motorcycle()[0], "rocket": data.rocket}
TIMED_PHOTO = "astronaut"  # every frame timed is of this 512x512 photo, stretched to the input size
# Per run (a fresh browser context): frames run unmeasured, then frames timed. Frame time falls over
# a page's first frames on wasm (docs/benchmarks.md, loop), and each run loads the model afresh.
WARM_FRAMES, TIMED_FRAMES = 10, 20
VIEWS_PER_PHOTO, VIEWS_SEED = 8, 7
# Outputs compared as embeddings, per model: the pooled features the site uses, and MobileNet's logits.
EMBEDDINGS = {"centernet": ("embedding",), "mobilenet": ("embedding", "logits")}


def build_models(out: Path) -> None:
    """The three models from their registry/repository sources, with the converter's defaults."""
    done = subprocess.run([sys.executable, "-m", "convert", "site", "--out", str(out), "--models", ",".join(MODELS)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    if done.returncode:
        raise RuntimeError(f"python -m convert site failed: {done.stderr.strip()[-500:]}")


def write_photos(work: Path) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The labelled photos as PNG files, and VIEWS_PER_PHOTO augmented views of each (crops, flips,
    brightness: tests/support/photos.py views); their URL paths, and (photo, URL) of every view."""
    folder = work / "photos"
    folder.mkdir(parents=True, exist_ok=True)
    photos, view_urls = {}, []
    for name, load in PHOTOS.items():
        image = load()
        io.imsave(folder / f"{name}.png", image, check_contrast=False)
        photos[name] = f"{WORK_URL}photos/{name}.png"
        for i, view in enumerate(views(image, VIEWS_PER_PHOTO, VIEWS_SEED)):
            io.imsave(folder / f"{name}-view{i}.png", view, check_contrast=False)
            view_urls.append((name, f"{WORK_URL}photos/{name}-view{i}.png"))
    return photos, view_urls


def model_bytes(folder: Path) -> dict:
    """What tf.loadGraphModel downloads (model.json and the weight shards), raw and gzip -6."""
    model_json = json.loads((folder / "model.json").read_text())
    files = ["model.json"] + [p for group in model_json["weightsManifest"] for p in group["paths"]]
    raw = gz = 0
    for name in files:
        content = (folder / name).read_bytes()
        raw += len(content)
        gz += compressed(content)[0]
    return {"files": len(files), "raw": raw, "gzip": gz}


def open_model(bench: Bench, context, name: str, photo_url: str) -> tuple:
    """The benchmark page on wasm with model `name` loaded; (page, its load figures)."""
    page = context.new_page()
    page.goto(bench.base + "bench/models.html?backend=wasm")
    page.wait_for_selector(BOOTED, state="attached", timeout=120_000)
    if page.get_attribute("body", "data-state") == "error":
        raise RuntimeError(f"models page failed: {page.text_content('#message')}")
    figures = page.evaluate("([base, url]) => BENCH.load(base, url)", [f"{WORK_URL}models/{name}/", photo_url])
    return page, figures


def candidates(rows: list[float], manifest: dict, labels: list) -> list:
    """Every labelled box in one frame's packed rows, as the Detect page decodes them."""
    if manifest["decoder"] == "centernet":
        shape = manifest["input"]["shape"]
        return centernet_rows(rows, (shape[1], shape[2]), labels)
    return ssd_rows(rows, labels)


def detection_scores(page, folder: Path, photos: dict[str, str]) -> dict:
    """Labels found, missed and wrong at the detector's upstream defaults (the settings Detect starts
    at); per photo also the boxes shown and the best score of each required label, shown or not."""
    manifest = json.loads((folder / "manifest.json").read_text())
    labels = json.loads((folder / "labels.json").read_text())
    settings = DETECTORS[manifest["decoder"]].defaults
    rows = page.evaluate("urls => BENCH.detections(urls)", list(photos.values()))
    per_photo, totals = {}, {"found": 0, "missed": 0, "wrong": 0}
    for name, frame_rows in zip(photos, rows):
        found = candidates(frame_rows, manifest, labels)
        boxes = select(found, settings)
        score = score_labels({b.label for b in boxes}, TRUTH[name])
        best = {label: round(max((d.score for d in found if d.label == label), default=0.0), 3)
                for label in sorted(TRUTH[name].required)}
        per_photo[name] = {**score, "boxes": [[b.label, round(b.score, 2)] for b in boxes], "best_required": best}
        for key in totals:
            totals[key] += len(score[key])
    return {"threshold": settings.threshold, "max_boxes": settings.max_detections, "iou": settings.iou,
            **totals, "required": sum(len(t.required) for t in TRUTH.values()), "per_photo": per_photo}


def embedding_scores(page, roles: tuple[str, ...], view_urls: list[tuple[str, str]]) -> dict:
    vectors = page.evaluate("([urls, roles]) => BENCH.embeddings(urls, roles)", [[u for _, u in view_urls], list(roles)])
    labels = [name for name, _ in view_urls]
    out = {}
    for i, role in enumerate(roles):
        per_view = [v[i] for v in vectors]
        accuracy = nearest_neighbour_accuracy(per_view, labels)
        out[role] = {"dims": len(per_view[0]), "accuracy": round(accuracy, 3), "correct": round(accuracy * len(labels)),
                     "of": len(labels), "separation": spread(separations(per_view, labels), 3)}
    return out


def timed_run(bench: Bench, name: str, photo_url: str, frames: int) -> dict:
    """One run in a fresh browser context: the load, then `frames` frames after WARM_FRAMES."""
    context = bench.context()
    try:
        page, figures = open_model(bench, context, name, photo_url)
        times = page.evaluate("([url, w, n]) => BENCH.timeFrames(url, w, n)", [photo_url, WARM_FRAMES, frames])
        return {**figures, "ms_per_frame": statistics.median(times), "load_average": os.getloadavg()[0]}
    finally:
        context.close()


def quality(bench: Bench, name: str, folder: Path, photos: dict, view_urls: list) -> dict:
    """Labels on the photos (detectors) and 1-NN accuracy (models with embeddings), in one context."""
    out = {}
    context = bench.context()
    with recorded(out, context):
        page, _ = open_model(bench, context, name, photos[TIMED_PHOTO])
        if json.loads((folder / "manifest.json").read_text())["task"] == "detection":
            out["labels"] = detection_scores(page, folder, photos)
        if name in EMBEDDINGS:
            out["nearest_neighbour"] = embedding_scores(page, EMBEDDINGS[name], view_urls)
    return out


def part_models(bench: Bench, work: Path, runs: int, quick: bool) -> list[dict]:
    """`runs` timed runs per model, the models alternating within each round; then the scores."""
    models = work / "models"
    try:
        build_models(models)
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        return [{"model": name, "skipped": failure(error)} for name in MODELS]
    photos, view_urls = write_photos(work)
    frames = 3 if quick else TIMED_FRAMES
    rows = {name: {"model": name, "backend": "wasm", "bytes": model_bytes(models / name)} for name in MODELS}
    timings: dict[str, list[dict]] = {name: [] for name in MODELS}
    for _ in range(runs):
        for name in MODELS:
            if "skipped" not in rows[name]:
                with recorded(rows[name]):
                    timings[name].append(timed_run(bench, name, photos[TIMED_PHOTO], frames))
    for name, row in rows.items():
        manifest = json.loads((models / name / "manifest.json").read_text())
        row.update(input=manifest["input"]["shape"][1:3], quantization=manifest.get("quantization"),
                   frame="detections" if manifest["task"] == "detection" else "embedding", runs=len(timings[name]),
                   frames_per_run=frames)
        for key in ("load_ms", "first_frame_ms", "ms_per_frame", "load_average"):
            if timings[name]:
                row[key] = spread([t[key] for t in timings[name]])
        if "skipped" not in row:
            row.update(quality(bench, name, models / name, photos, view_urls))
        print(f"  models {name:10s} {row}", flush=True)
    return list(rows.values())
