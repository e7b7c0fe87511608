"""Image -> embedding vector with the model the converter built (MobileNet, or CenterNet's backbone).

`embed` returns one tensor that the caller disposes; everything made on the way is freed by tf.tidy.
"""

from __future__ import annotations

from model_files import Manifest


class Embedder:
    def __init__(self, bridge, model, manifest: Manifest):
        if "embedding" not in manifest.outputs or not manifest.embedding_size:
            raise ValueError(f"{manifest.name} has no embedding output")
        self.bridge = bridge
        self.model = model
        self.manifest = manifest
        self.size = int(manifest.embedding_size)
        self._node = [manifest.outputs["embedding"]]
        self._input_size = list(manifest.input_size)
        self._source = None
        self._in_tidy = bridge.keep(self._embed_now)  # one proxy for the page's lifetime

    @property
    def input_size(self) -> tuple[int, int]:
        return tuple(self._input_size)

    @property
    def name(self) -> str:
        return self.manifest.name

    def _embed_now(self):
        frame = self.bridge.pixels(self._source)
        low, high = self.manifest.input_range
        inputs = self.bridge.prepare_input(frame, self._input_size, low, high)
        return self.bridge.flatten(self.bridge.execute(self.model, inputs, self._node)[0])

    def embed(self, source):
        self._source = source
        try:
            return self.bridge.tidy(self._in_tidy)
        finally:
            self._source = None

    def dispose(self) -> None:
        self.model.dispose()
