"""Real photos for measuring models: scikit-image's sample photos, plus crops and flips of them.

Synthetic inputs say whether two models compute the same numbers; only real photos say whether a
quantised detector still finds the cat. scikit-image ships these photos in its wheel (no download); it is
in the `test` extra, so this module is needed only by `--eval-set photos` and the tests.

| photo | what is in it (COCO name) |
| --- | --- |
| chelsea | cat |
| coffee | cup |
| stereo_motorcycle (left image) | motorcycle |
| astronaut | person |
| rocket | nothing COCO names |

Views cycle through the photos first, then through the variants: 20 views = each photo whole, flipped
left-right, and two 80 % crops (top-left, bottom-right); more views add a flipped centre 70 % crop.

Example:
    >>> views = photo_views(20)
    >>> views[6].photo, views[6].variant, views[6].label
    ('coffee', 'flip', 'cup')
    >>> batch = model_inputs(views, [1, 224, 224, 3], "float32", (-1, 1), square=True)   # [20, 224, 224, 3]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convert.errors import ConvertError

PHOTOS = (("chelsea", "cat"), ("coffee", "cup"), ("stereo_motorcycle", "motorcycle"), ("astronaut", "person"),
          ("rocket", None))
VARIANTS = ("whole", "flip", "crop-top-left", "crop-bottom-right", "flip-crop-centre")


@dataclass
class View:
    photo: str
    label: str | None  # the COCO name of what the photo shows, None for nothing
    variant: str
    pixels: np.ndarray  # uint8 [H, W, 3]


def _skimage():
    try:
        import skimage.data
        import skimage.transform
    except ImportError:
        raise ConvertError("real photos need scikit-image: pip install -e '.[test]'") from None
    return skimage


def load_photo(name: str) -> np.ndarray:
    img = getattr(_skimage().data, name)()
    if isinstance(img, tuple):  # stereo_motorcycle: (left, right, disparity)
        img = img[0]
    return np.ascontiguousarray(img[..., :3]).astype(np.uint8)


def _variant(img: np.ndarray, variant: str) -> np.ndarray:
    h, w = img.shape[:2]
    ch, cw = int(h * 0.8), int(w * 0.8)
    if variant == "whole":
        return img
    if variant == "flip":
        return img[:, ::-1]
    if variant == "crop-top-left":
        return img[:ch, :cw]
    if variant == "crop-bottom-right":
        return img[h - ch:, w - cw:]
    if variant == "flip-crop-centre":
        ch, cw = int(h * 0.7), int(w * 0.7)
        y, x = (h - ch) // 2, (w - cw) // 2
        return img[y:y + ch, x:x + cw][:, ::-1]
    raise ValueError(variant)


def photo_views(count: int) -> list[View]:
    if count > len(PHOTOS) * len(VARIANTS):
        raise ConvertError(f"at most {len(PHOTOS) * len(VARIANTS)} photo views, {count} asked")
    views = []
    for i in range(count):
        name, label = PHOTOS[i % len(PHOTOS)]
        variant = VARIANTS[i // len(PHOTOS)]
        views.append(View(name, label, variant, np.ascontiguousarray(_variant(load_photo(name), variant))))
    return views


def centre_square(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    s = min(h, w)
    y, x = (h - s) // 2, (w - s) // 2
    return img[y:y + s, x:x + s]


def resize(img: np.ndarray, height: int, width: int) -> np.ndarray:
    """uint8 resize with anti-aliasing (what a browser's drawImage does when shrinking)."""
    out = _skimage().transform.resize(img, (height, width), anti_aliasing=True, preserve_range=True)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def model_inputs(views: list[View], shape: list[int], dtype: str, value_range, square: bool) -> np.ndarray:
    """[len(views), H, W, 3] in the model's dtype and input range (pixels 0..255 mapped linearly).
    `square`: centre-crop to a square first (classifiers); otherwise the whole view is resized."""
    _, h, w, _ = shape
    pixels = np.stack([resize(centre_square(v.pixels) if square else v.pixels, h, w) for v in views])
    if dtype == "int32":
        return pixels.astype(np.int32)
    lo, hi = value_range
    return (pixels.astype(np.float32) / np.float32(255.0) * np.float32(hi - lo) + np.float32(lo)).astype(np.float32)
