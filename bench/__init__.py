"""The benchmark of the built site against the plain-JS baseline pages in bench/pages/.

Run it with `python bench/run.py` or `python -m bench` (the same command line). Importing the package
puts tests/ and python/ on the import path: the benchmark uses the tests' helpers (tests/support:
dataset files, photos, the fake camera's video), and those use the app's own modules.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"  # the built site (python scripts/build_site.py)
PAGES = ROOT / "bench" / "pages"  # the plain-JS pages, served at /bench/
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "python")]
