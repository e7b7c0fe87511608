#!/usr/bin/env bash
# Fresh machine -> running site: install the pinned libraries, build site/, serve it on localhost.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
npm ci --no-audit --no-fund
python3 -m pip install --quiet -e .
python3 scripts/build_site.py "$@"
echo "Serving site/ at http://localhost:${PORT}/ (Teach) and http://localhost:${PORT}/detect.html (Detect); Ctrl+C stops."
exec python3 -m http.server "$PORT" --bind 127.0.0.1 --directory site
