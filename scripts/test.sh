#!/usr/bin/env bash
# Fresh machine -> every test: Debian's Chromium, the pinned npm and Python packages (TensorFlow
# included, for the converter's Keras path), the built site, then pytest (unit + end-to-end).
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ! command -v chromium >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
npm ci --no-audit --no-fund
python3 -m pip install --quiet -c convert/constraints.txt -e '.[test,convert]'
python3 scripts/build_site.py
# A folder of this run's own for the tests' files (fake-camera videos among them): in pytest's shared
# default, a second test run started on the same machine deletes an older run's folders while that
# run's browsers still read them (seen: a camera "not found", pages timing out).
basetemp="$(mktemp -d -t tyb-tests-XXXXXX)"
trap 'rm -rf "$basetemp"' EXIT
status=0
python3 -m pytest --basetemp="$basetemp" "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure of the suite, not a pass" >&2
fi
exit "$status"
