"""Pick the TF.js backend: WebGL first, then wasm, then cpu; `?backend=` puts one first."""

from __future__ import annotations

ORDER = ("webgl", "wasm", "cpu")


def preference(requested: str | None) -> list[str]:
    if requested in ORDER:
        return [requested] + [b for b in ORDER if b != requested]
    return list(ORDER)


async def choose(bridge, requested: str | None = None, exclude: tuple[str, ...] = ()) -> str:
    for name in preference(requested):
        if name not in exclude and await bridge.set_backend(name):
            bridge.mark("backend-ready")
            return name
    raise RuntimeError("No TF.js backend could start (webgl, wasm and cpu all failed).")
