"""The knn part: the nearest-examples predict time with 10..10,000 stored examples, against one
embedding inference, on the plain-JS Teach page (its benchKnn and benchEmbed), per backend."""

from __future__ import annotations

from bench.browser import Bench, recorded

KNN_SIZES = (10, 100, 1000, 10_000)


def part_knn(bench: Bench, backends: list[str], quick: bool) -> list[dict]:
    rows = []
    for backend in backends:
        context = bench.context()
        row = {"backend": backend}
        with recorded(row, context):
            page = bench.open(context, "teach", "js", backend, 240)
            runs = 3 if backend != "wasm" else 9
            row["embedding_inference_ms"] = page.evaluate("n => benchEmbed(n)", 1 if quick else runs)
            for n in KNN_SIZES:
                row[f"knn_predict_ms_{n}"] = page.evaluate("([n, r]) => benchKnn(n, r)", [n, 3 if quick else 15])
        print(f"  knn  {backend:5s} {row}", flush=True)
        rows.append(row)
    return rows
