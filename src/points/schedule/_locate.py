"""Find the line of a key path in TOML text, for error messages.

tomllib gives no positions, so this reads the text line by line: table headers
(`[a.b]`, `[[tiers]]`) and `key =` lines. A path it cannot find exactly falls back to the
longest prefix it can, so an error always points somewhere near.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r'^\s*([A-Za-z0-9_\-."\']+)\s*=')


def _split_key(text: str) -> tuple[str, ...]:
    parts = []
    for raw in re.findall(r'"[^"]*"|\'[^\']*\'|[^.]+', text):
        parts.append(raw.strip().strip("\"'"))
    return tuple(parts)


def key_lines(text: str) -> dict[tuple[str | int, ...], int]:
    """Map each table header and key path in `text` to its (1-based) line number."""
    out: dict[tuple[str | int, ...], int] = {}
    table: tuple[str | int, ...] = ()
    arrays: dict[tuple[str, ...], int] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        m = _HEADER.match(line)
        if m:
            name = _split_key(m.group(2))
            if m.group(1) == "[[":
                index = arrays.get(name, -1) + 1
                arrays[name] = index
                table = (*name, index)
            else:
                table = name
            out.setdefault(table, n)
            for i in range(1, len(table)):
                out.setdefault(table[:i], n)
            continue
        k = _KEY.match(line)
        if k:
            path = (*table, *_split_key(k.group(1)))
            out.setdefault(path, n)
    return out


def locate(lines: dict[tuple[str | int, ...], int], path: Sequence[str | int]) -> int | None:
    """The line of `path`, or of its longest prefix found; None when nothing matches."""
    p = tuple(path)
    while p:
        if p in lines:
            return lines[p]
        p = p[:-1]
    return None
