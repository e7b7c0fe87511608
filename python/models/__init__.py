"""Loading and running models: verified model files, detectors and their decoding, the embedder,
the TF.js backend choice.

Below the pages: never imports `teach` or `detect`. It may use `web` (text formatting); never
`classifier`, and never `js` (models run through the `bridge` object a page passes in).
"""
