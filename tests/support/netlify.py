"""Read netlify.toml's [[headers]] rules and tell which headers Netlify would send for a path.

Netlify matches a rule's `for` against the whole path: `*` matches anything (also `/`), `:name` one
path segment. Every matching rule applies; a header set by several matching rules is a conflict
(Netlify would join or override the values), so `headers_for` reports it instead of guessing.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

NETLIFY_TOML = Path(__file__).resolve().parent.parent.parent / "netlify.toml"


def config(path: Path = NETLIFY_TOML) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def rules(path: Path = NETLIFY_TOML) -> list[tuple[str, dict[str, str]]]:
    return [(rule["for"], dict(rule["values"])) for rule in config(path).get("headers", [])]


def matches(pattern: str, path: str) -> bool:
    regex = "".join(".*" if part == "*" else "[^/]+" if part.startswith(":") else re.escape(part)
                    for part in re.split(r"(\*|:[A-Za-z_]\w*)", pattern))
    return re.fullmatch(regex, path) is not None


def headers_for(path: str, all_rules=None) -> dict[str, str]:
    """Headers for a request path like '/models/x/model.json'; raises ValueError on a conflict."""
    out: dict[str, tuple[str, str]] = {}
    for pattern, values in all_rules if all_rules is not None else rules():
        if not matches(pattern, path):
            continue
        for name, value in values.items():
            key = name.lower()
            if key in out and out[key][1] != value:
                raise ValueError(f"{path}: {name} set by both {out[key][0]!r} and {pattern!r}")
            out[key] = (pattern, value)
    return {name: value for name, (_pattern, value) in out.items()}


def site_wide_headers() -> dict[str, str]:
    """The headers of the `/*` rule: what a plain static server can send for every file."""
    return next(values for pattern, values in rules() if pattern == "/*")
