"""Find the line of a key path in TOML text, for error messages.

tomllib gives no positions, so this scans the text itself: table headers (`[a.b]`,
`[[tiers]]`), `key =` lines, and inside a value the keys of inline tables and the elements
of arrays, which may span lines (`bands = [` then one `{ min = … }` per line). A path it
cannot find exactly falls back to the longest prefix it can, so an error always points
somewhere near.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r'\s*((?:[A-Za-z0-9_\-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
                  r'(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\'))*)\s*=')
_STRING = re.compile(r'"""[\s\S]*?"""(?!")|\'\'\'[\s\S]*?\'\'\'(?!\')'
                     r'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'')

Path = tuple[str | int, ...]


def _split_key(text: str) -> tuple[str, ...]:
    parts = []
    for raw in re.findall(r'"[^"]*"|\'[^\']*\'|[^.]+', text):
        parts.append(raw.strip().strip("\"'"))
    return tuple(parts)


def key_lines(text: str) -> dict[Path, int]:
    """Map each table header, key path and array element in `text` to its (1-based) line."""
    out: dict[Path, int] = {}
    for path, n in _scan(text):
        out.setdefault(path, n)
    return out


def _scan(text: str) -> list[tuple[Path, int]]:
    """Every table header, key path and array element in `text` with its line, in order."""
    found: list[tuple[Path, int]] = []
    table: Path = ()
    arrays: dict[tuple[str, ...], int] = {}
    starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
    pos = 0
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        line = text[pos:end]
        n = _line_of(starts, pos)
        m = _HEADER.match(line)
        if m:
            name = _split_key(m.group(2))
            if m.group(1) == "[[":
                index = arrays.get(name, -1) + 1
                arrays[name] = index
                table = (*name, index)
            else:
                table = name
            found.append((table, n))
            for i in range(1, len(table)):
                found.append((table[:i], n))
            pos = end + 1
            continue
        k = _KEY.match(line)
        if k:
            path = (*table, *_split_key(k.group(1)))
            found.append((path, n))
            pos = _value(text, pos + k.end(), path, found, starts)
            nl = text.find("\n", pos)
            pos = len(text) if nl < 0 else nl + 1
            continue
        pos = end + 1
    return found


def _line_of(starts: list[int], pos: int) -> int:
    lo, hi = 0, len(starts) - 1
    while lo < hi:  # the last line start <= pos
        mid = (lo + hi + 1) // 2
        if starts[mid] <= pos:
            lo = mid
        else:
            hi = mid - 1
    return lo + 1


def _skip(text: str, pos: int) -> int:
    """Past blanks, newlines and comments."""
    while pos < len(text):
        ch = text[pos]
        if ch in " \t\r\n":
            pos += 1
        elif ch == "#":
            nl = text.find("\n", pos)
            pos = len(text) if nl < 0 else nl
        else:
            break
    return pos


def _value(
    text: str, pos: int, path: Path, found: list[tuple[Path, int]], starts: list[int],
) -> int:
    """Record the keys and elements inside the value at `pos`; return where it ends."""
    pos = _skip(text, pos)
    if pos >= len(text):
        return pos
    ch = text[pos]
    if ch == "[":
        pos, index = pos + 1, 0
        while True:
            pos = _skip(text, pos)
            if pos >= len(text) or text[pos] == "]":
                return pos + 1
            if text[pos] == ",":
                pos += 1
                continue
            found.append(((*path, index), _line_of(starts, pos)))
            end = _value(text, pos, (*path, index), found, starts)
            pos = max(end, pos + 1)  # always move on, even past text that is not TOML
            index += 1
    if ch == "{":
        pos += 1
        while True:
            pos = _skip(text, pos)
            if pos >= len(text) or text[pos] == "}":
                return pos + 1
            if text[pos] == ",":
                pos += 1
                continue
            k = _KEY.match(text, pos)
            if k is None:  # not TOML: stop at the end of this line
                nl = text.find("\n", pos)
                return len(text) if nl < 0 else nl
            key = (*path, *_split_key(k.group(1)))
            found.append((key, _line_of(starts, pos)))
            pos = _value(text, k.end(), key, found, starts)
    s = _STRING.match(text, pos)
    if s:
        return s.end()
    while pos < len(text) and text[pos] not in ",]}#\n":
        pos += 1
    return pos


def path_at(text: str, line: int) -> Path | None:
    """The key path on `line` of `text`: the longest one that every other path on it extends
    or starts (`a.b` for a line `b = { c = 1, d = 2 }` in `[a]`); None when there is none."""
    found = [p for p, n in _scan(text) if n == line]
    fits = [p for p in found if all(q[:len(p)] == p or p[:len(q)] == q for q in found)]
    return max(fits, key=len) if fits else None


def locate(lines: dict[Path, int], path: Sequence[str | int]) -> int | None:
    """The line of `path`, or of its longest prefix found; None when nothing matches."""
    p = tuple(path)
    while p:
        if p in lines:
            return lines[p]
        p = p[:-1]
    return None
