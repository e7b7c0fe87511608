"""Which embedding Teach's KNN and the naming of boxes should use (issue 20), on real photos.

    python -m bench.embedders [--models site/models] [--seeds 5] [--out bench/results/embedders.json]

Not part of `python -m bench` (no browser): the site's converted TF.js models run in node on the wasm
backend (convert/run_tfjs.js, the page's wasm kernels), fed what the page feeds them: the frame
stretched to the input size with bilinear resizing, objects cut out with crop-and-resize (the
arithmetic of tf.image.resizeBilinear and cropAndResize, redone in numpy here).

1. `teach`: MobileNet's pooled features (1280) vs its logits (1001) vs its probabilities, scored as
   the page's KNN scores them (cosine similarity of unit rows, k = sensible_k(3, ...), majority vote,
   tie to the nearest: python/classifier/neighbours.py itself). Per setting, classes of 12 augmented
   views each (crops of 50-90 % area, flips, brightness, contrast, rotation, noise or blur); the first
   1, 3 or 5 views of each class are taught, views 6-12 are asked about. Settings:
   - photos: different scikit-image photos (astronaut, cat, coffee, rocket, motorcycle, cameraman,
     coins, Hubble deep field);
   - textures: non-ImageNet content (brick, grass, gravel, a stained tissue slide, moon, cells);
   - regions: six regions of one scene (a 3x2 grid over the motorcycle garage photo);
   - tissue: six regions of a stained tissue slide (non-ImageNet content, one texture);
   - foreground: one background (the coffee photo) with a different small object pasted on it, at a
     jittered place: like hand gestures in front of one webcam.
2. `objects`: embedders of object crops (MobileNet at 224 and 128 px, CenterNet's backbone at 128 and
   224 px): boxes of objects in the photos (drawn by hand), 4 jittered crops each; as in
   python/models/embedder.py's comment, the farthest cosine distance between crops of one object and
   the nearest between crops of two objects, their difference per seed, and 1-NN leave-one-out accuracy.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from classifier.neighbours import Neighbours, sensible_k, vote
from models.model_files import any_size_input
from scipy import ndimage
from skimage import data, transform

from bench import ROOT
from convert.errors import ConvertError
from convert.evaluate import run_tfjs
from convert.sources import Context

VIEWS, TAUGHT, ASKED_FROM, K = 12, (1, 3, 5), 5, 3  # views per class; taught; asked: views[5:]; the page's k
ROLES = ("embedding", "logits", "probabilities")


def rgb(image: np.ndarray) -> np.ndarray:
    return np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image[..., :3]


def grid(image: np.ndarray, rows: int, cols: int) -> list[np.ndarray]:
    h, w = image.shape[0] // rows, image.shape[1] // cols
    return [image[r * h:(r + 1) * h, c * w:(c + 1) * w] for r in range(rows) for c in range(cols)]


def settings() -> dict[str, dict[str, object]]:
    """Per setting, class name -> image, or a function rng -> image (a new frame per view)."""
    garage = data.stereo_motorcycle()[0]
    photos = {"astronaut": data.astronaut(), "chelsea": data.chelsea(), "coffee": data.coffee(),
              "rocket": data.rocket(), "motorcycle": garage, "camera": rgb(data.camera()),
              "coins": rgb(data.coins()), "hubble": data.hubble_deep_field()}
    textures = {"brick": rgb(data.brick()), "grass": rgb(data.grass()), "gravel": rgb(data.gravel()),
                "tissue": data.immunohistochemistry(), "moon": rgb(data.moon()), "cells": rgb(data.cell())}
    regions = {f"garage-{i}": region for i, region in enumerate(grid(garage, 2, 3))}
    tissue = {f"tissue-{i}": region for i, region in enumerate(grid(data.immunohistochemistry(), 2, 3))}
    things = {"cat": data.chelsea()[20:200, 100:300], "cameraman": rgb(data.camera())[40:300, 150:380],
              "coins": rgb(data.coins())[0:150, 0:190], "face": data.astronaut()[20:220, 140:320],
              "rocket": data.rocket()[30:420, 260:400]}
    background = data.coffee()

    def pasted(thing):
        def frame(rng):
            out = background.copy()
            h = int(background.shape[0] * rng.uniform(0.35, 0.45))
            w = int(h * thing.shape[1] / thing.shape[0])
            top = int(rng.uniform(0.1, 0.5) * (background.shape[0] - h))
            left = int(rng.uniform(0.1, 0.4) * (background.shape[1] - w))
            out[top:top + h, left:left + w] = (transform.resize(thing, (h, w), anti_aliasing=True) * 255).astype(np.uint8)
            return out
        return frame

    return {"photos": photos, "textures": textures, "regions": regions, "tissue": tissue,
            "foreground": {name: pasted(thing) for name, thing in things.items()}}


def view(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One augmented frame: crop of 50-90 % area (aspect 3:4..4:3), flip, brightness, contrast,
    rotation up to 10 degrees, then noise or blur."""
    height, width = image.shape[:2]
    area, aspect = rng.uniform(0.5, 0.9), rng.uniform(0.75, 1.33)
    h = min(height, round(height * np.sqrt(area / aspect)))
    w = min(width, round(width * np.sqrt(area * aspect)))
    top, left = rng.integers(0, height - h + 1), rng.integers(0, width - w + 1)
    out = image[top:top + h, left:left + w].astype(np.float32)
    if rng.random() < 0.5:
        out = out[:, ::-1]
    out = transform.rotate(out, rng.uniform(-10, 10), mode="reflect", preserve_range=True)
    mean = out.mean()
    out = (out - mean) * rng.uniform(0.7, 1.3) + mean * rng.uniform(0.7, 1.3)
    if rng.random() < 0.5:
        out = out + rng.normal(0, rng.uniform(2, 10), out.shape)
    else:
        out = ndimage.gaussian_filter(out, (rng.uniform(0.3, 1.5),) * 2 + (0,))
    return np.clip(out, 0, 255).astype(np.uint8)


def resize_bilinear(image: np.ndarray, size: int) -> np.ndarray:
    """tf.image.resizeBilinear(image, [size, size]) (alignCorners false, no half-pixel centres)."""
    height, width = image.shape[:2]
    ys, xs = np.arange(size) * (height / size), np.arange(size) * (width / size)
    return _sample(image.astype(np.float32), ys, xs)


def crop_and_resize(image: np.ndarray, box: tuple, size: int) -> np.ndarray:
    """tf.image.cropAndResize of one box (x1, y1, x2, y2 fractions) to size x size, bilinear."""
    x1, y1, x2, y2 = box
    height, width = image.shape[:2]
    ys = y1 * (height - 1) + np.arange(size) * (y2 - y1) * (height - 1) / (size - 1)
    xs = x1 * (width - 1) + np.arange(size) * (x2 - x1) * (width - 1) / (size - 1)
    return _sample(image.astype(np.float32), np.clip(ys, 0, height - 1), np.clip(xs, 0, width - 1))


def _sample(image, ys, xs):
    y0 = np.floor(ys).astype(int)
    x0 = np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, image.shape[0] - 1), np.minimum(x0 + 1, image.shape[1] - 1)
    fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
    top = image[y0][:, x0] * (1 - fx) + image[y0][:, x1] * fx
    bottom = image[y1][:, x0] * (1 - fx) + image[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy


def to_range(pixels: np.ndarray, manifest: dict) -> np.ndarray:
    low, high = manifest["input"]["range"]
    return (pixels * ((high - low) / 255.0) + low).astype(np.float32)


def embed(folder: Path, inputs: np.ndarray, roles: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The model's outputs `roles` for each input [n, h, w, 3], TF.js in node (wasm); the input's size
    left open as the page leaves it (models/model_files.py any_size_input), so crops of any size go in."""
    manifest = json.loads((folder / "manifest.json").read_text())
    with tempfile.TemporaryDirectory(prefix="tyb-embedders-") as tmp:
        for shard in folder.iterdir():
            if shard.name != "model.json":
                (Path(tmp) / shard.name).symlink_to(shard.resolve())
        model_json = any_size_input(json.loads((folder / "model.json").read_text()), manifest["input"]["name"])
        (Path(tmp) / "model.json").write_text(json.dumps(model_json))
        (outputs,), report = run_tfjs([Path(tmp)], inputs, "float32", [manifest["outputs"][r] for r in roles],
                                      Context(node_modules=ROOT / "node_modules"))
    if report["backend"] != "wasm":
        print(f"  note: TF.js ran on {report['backend']}, not wasm")
    return {role: out.reshape(len(inputs), -1) for role, out in zip(roles, outputs)}


def units(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def knn_accuracy(vectors: np.ndarray, labels: list[int], taught: int) -> float:
    """The page's KNN: the first `taught` views of each class are examples, views ASKED_FROM.. are asked."""
    classes = max(labels) + 1
    per_class = [[i for i, label in enumerate(labels) if label == c] for c in range(classes)]
    examples = [i for rows in per_class for i in rows[:taught]]
    asked = [i for rows in per_class for i in rows[ASKED_FROM:]]
    k = sensible_k(K, [taught] * classes)
    example_labels = [labels[i] for i in examples]
    similar = units(vectors[asked]) @ units(vectors[examples]).T
    correct = 0
    for query, row in zip(asked, similar):
        best = np.argsort(-row, kind="stable")[:k]
        answer = vote(Neighbours([float(row[j]) for j in best], [int(j) for j in best]), example_labels, classes)
        correct += answer.index == labels[query]
    return correct / len(asked)


def spread(values: list[float], digits: int = 3) -> dict:
    values = [float(v) for v in values]
    return {"median": round(statistics.median(values), digits),
            "range": [round(min(values), digits), round(max(values), digits)]}


def part_teach(models: Path, seeds: int) -> dict:
    manifest = json.loads((models / "mobilenet" / "manifest.json").read_text())
    size = manifest["input"]["shape"][1]
    scores: dict = {}
    for name, classes in settings().items():
        for seed in range(seeds):
            rng = np.random.default_rng([20, seed])
            frames, labels = [], []
            for label, source in enumerate(classes.values()):
                for _ in range(VIEWS):
                    image = source(rng) if callable(source) else source
                    frames.append(resize_bilinear(view(image, rng), size))
                    labels.append(label)
            outputs = embed(models / "mobilenet", to_range(np.stack(frames), manifest), ROLES)
            for role, vectors in outputs.items():
                for taught in TAUGHT:
                    scores.setdefault(name, {}).setdefault(role, {}).setdefault(taught, []).append(
                        knn_accuracy(vectors, labels, taught))
        print(f"  teach {name}: {len(classes)} classes x {VIEWS} views x {seeds} seeds", flush=True)
    return {"classes": {name: list(classes) for name, classes in settings().items()},
            "views_per_class": VIEWS, "asked_per_class": VIEWS - ASKED_FROM, "k": K, "seeds": seeds,
            "accuracy": {name: {role: {str(t): spread(v) for t, v in per.items()} for role, per in roles.items()}
                         for name, roles in scores.items()},
            "embedding_minus_logits": {name: {str(t): spread([a - b for a, b in zip(roles["embedding"][t], roles["logits"][t])])
                                              for t in TAUGHT} for name, roles in scores.items()}}


# Objects in the photos, (x1, y1, x2, y2) fractions, drawn by hand; several per photo, so that crops
# of two objects of one scene are compared as well as objects of different photos.
OBJECTS = {
    "astronaut": {"person": (0.2, 0.0, 0.85, 1.0), "flag": (0.0, 0.0, 0.3, 0.45), "shuttle": (0.6, 0.0, 1.0, 0.35)},
    "chelsea": {"cat": (0.15, 0.0, 0.8, 1.0)},
    "coffee": {"cup": (0.2, 0.05, 0.75, 0.8), "table": (0.7, 0.45, 1.0, 0.95)},
    "motorcycle": {"motorcycle": (0.1, 0.15, 0.9, 1.0), "bench": (0.0, 0.0, 0.35, 0.35)},
    "camera": {"cameraman": (0.0, 0.05, 0.6, 1.0), "tripod": (0.45, 0.45, 0.85, 1.0)},
}
PHOTO_SOURCES = {"astronaut": data.astronaut, "chelsea": data.chelsea, "coffee": data.coffee,
                 "motorcycle": lambda: data.stereo_motorcycle()[0], "camera": lambda: rgb(data.camera())}
CROPS = 4
EMBEDDERS = (("mobilenet", 224), ("mobilenet", 128), ("centernet", 128), ("centernet", 224))


def jitter(box: tuple, rng: np.random.Generator) -> tuple:
    """The box moved by up to 10 % of its size and scaled by 0.9-1.1, as a detector's boxes wobble."""
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    cx, cy = (x1 + x2) / 2 + rng.uniform(-0.1, 0.1) * w, (y1 + y2) / 2 + rng.uniform(-0.1, 0.1) * h
    w, h = w * rng.uniform(0.9, 1.1), h * rng.uniform(0.9, 1.1)
    return (max(0.0, cx - w / 2), max(0.0, cy - h / 2), min(1.0, cx + w / 2), min(1.0, cy + h / 2))


def part_objects(models: Path, seeds: int) -> dict:
    photos = {name: load() for name, load in PHOTO_SOURCES.items()}
    names = [f"{photo}/{obj}" for photo, objects in OBJECTS.items() for obj in objects]
    results = {}
    for model, size in EMBEDDERS:
        manifest = json.loads((models / model / "manifest.json").read_text())
        figures = {"farthest_same": [], "nearest_other": [], "nearest_other_photo": [], "margin": [], "median_same": [],
                   "median_other": [], "nn": []}
        pairs = {"farthest_same": [], "nearest_other": []}
        for seed in range(seeds):
            rng = np.random.default_rng([21, seed])
            crops, labels = [], []
            for label, name in enumerate(names):
                photo, obj = name.split("/")
                for _ in range(CROPS):
                    crops.append(crop_and_resize(photos[photo], jitter(OBJECTS[photo][obj], rng), size))
                    labels.append(label)
            try:
                vectors = embed(models / model, to_range(np.stack(crops), manifest), ("embedding",))["embedding"]
            except ConvertError as error:  # a graph with fixed shapes cannot take this size
                results[f"{model}@{size}"] = {"skipped": str(error)[-200:]}
                break
            distance = 1 - units(vectors) @ units(vectors).T
            labels_ = np.array(labels)
            same = labels_[:, None] == labels_[None, :]
            off_diagonal = ~np.eye(len(labels_), dtype=bool)
            figures["farthest_same"].append(distance[same & off_diagonal].max())
            figures["nearest_other"].append(distance[~same].min())
            figures["margin"].append(figures["nearest_other"][-1] - figures["farthest_same"][-1])
            photo_of = np.array([names[label].split("/")[0] for label in labels])
            figures["nearest_other_photo"].append(distance[photo_of[:, None] != photo_of[None, :]].min())
            i, j = np.unravel_index(np.where(~same, distance, np.inf).argmin(), distance.shape)
            pairs["nearest_other"].append(f"{names[labels[i]]} - {names[labels[j]]}")
            i, _ = np.unravel_index(np.where(same & off_diagonal, distance, -np.inf).argmax(), distance.shape)
            pairs["farthest_same"].append(names[labels[i]])
            figures["median_same"].append(float(np.median(distance[same & off_diagonal])))
            figures["median_other"].append(float(np.median(distance[~same])))
            nearest = np.where(off_diagonal, distance, np.inf).argmin(axis=1)
            figures["nn"].append(float(np.mean(labels_[nearest] == labels_)))
        else:
            results[f"{model}@{size}"] = {"dims": int(vectors.shape[1]), **{k: spread(v) for k, v in figures.items()},
                                          "pairs": {k: sorted(set(v)) for k, v in pairs.items()}}
        print(f"  objects {model}@{size}: {results[f'{model}@{size}']}", flush=True)
    return {"objects": names, "crops_per_object": CROPS, "seeds": seeds, "embedders": results}


def table(result: dict) -> str:
    lines = ["teach: KNN accuracy on views 6-12 of each class, median [min, max] over seeds",
             f"{'setting':11s} {'output':14s} " + " ".join(f"{f'{t} taught':>20s}" for t in TAUGHT)]
    for name, roles in result.get("teach", {"accuracy": {}})["accuracy"].items():
        for role, per in roles.items():
            cells = [f"{p['median']:.2f} [{p['range'][0]:.2f}, {p['range'][1]:.2f}]" for p in per.values()]
            lines.append(f"{name:11s} {role:14s} " + " ".join(f"{c:>20s}" for c in cells))
        paired = result["teach"]["embedding_minus_logits"][name].values()
        cells = [f"{p['median']:+.2f} [{p['range'][0]:+.2f}, {p['range'][1]:+.2f}]" for p in paired]
        lines.append(f"{name:11s} {'emb - logits':14s} " + " ".join(f"{c:>20s}" for c in cells))
    lines += ["", "objects: cosine distances between crops (median over seeds [min, max])",
              f"{'embedder':15s} {'farthest same':>20s} {'nearest other':>20s} {'(other photo)':>20s} {'margin':>20s}"]
    for name, row in result.get("objects", {"embedders": {}})["embedders"].items():
        if "skipped" in row:
            lines.append(f"{name:15s} skipped: {row['skipped']}")
            continue
        cells = [f"{row[k]['median']:.2f} [{row[k]['range'][0]:.2f}, {row[k]['range'][1]:.2f}]"
                 for k in ("farthest_same", "nearest_other", "nearest_other_photo", "margin")]
        lines.append(f"{name:15s} " + " ".join(f"{c:>20s}" for c in cells))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.embedders", description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=Path, default=ROOT / "site" / "models",
                        help="built models: mobilenet and centernet (python -m convert site --models ...)")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--parts", default="teach,objects")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "embedders.json")
    args = parser.parse_args()
    started = time.time()
    result = {"date": time.strftime("%Y-%m-%d"), "engine": "TF.js in node (convert/run_tfjs.js), wasm backend"}
    parts = args.parts.split(",")
    if "teach" in parts:
        result["teach"] = part_teach(args.models, args.seeds)
    if "objects" in parts:
        result["objects"] = part_objects(args.models, args.seeds)
    result["seconds"] = round(time.time() - started)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(table(result))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
