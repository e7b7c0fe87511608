"""Each test browser's own log (Chromium's --log-file, set by tests/conftest.py): what it says when a
renderer crashes (a signal, out of memory, killed) is printed with the test whose page crashed
(tests/e2e/conftest.py), so a crash seen once in a long run leaves its cause in the run's output."""

from __future__ import annotations

BROWSER_LOGS: dict = {}  # Browser -> Path of its log
CRASH_WORDS = ("crash", "killed", "oom", "out of memory", "exit code", "exit_code", "terminat", "fatal")


def crash_lines(browser, last: int = 20) -> list[str]:
    """The lines of `browser`'s log that tell of a crash (its last `last`)."""
    path = BROWSER_LOGS.get(browser)
    if path is None or not path.exists():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line for line in lines if any(word in line.lower() for word in CRASH_WORDS)][-last:]
