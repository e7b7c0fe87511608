"""Train Your Browser model converter: self-hosted, sharded, checksummed TF.js graph models.

Run `python -m convert --help`.
"""

FORMAT = "train-your-browser/model@1"
CONVERTED_BY = "train-your-browser convert"
