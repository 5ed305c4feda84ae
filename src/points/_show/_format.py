"""The document model as Markdown (docs pages) or plain text (the terminal)."""


from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from ._sections import Block, _Entry, _Table

# --- formatting -------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(doc: Sequence[Block]) -> str:
    lines: list[str] = []
    for kind, body in doc:
        if kind == "h1":
            lines += [f"# {body}", ""]
        elif kind == "h2":
            lines += [f"## {body}", ""]
        elif kind == "p":
            lines += [str(body), ""]
        elif kind == "bullets":
            lines += [f"- {x}" for x in body] + [""]
        elif kind == "table":
            t: _Table = body
            lines.append("| " + " | ".join(_md_cell(h) or " " for h in t.headers) + " |")
            lines.append("|" + "|".join("---" for _ in t.headers) + "|")
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in t.rows]
            lines.append("")
        elif kind == "entry":
            e: _Entry = body
            lines += [f"### {e.title}", ""]
            for label, value in e.fields:
                if isinstance(value, tuple):
                    lines.append(f"- **{label}**:")
                    lines += [f"  {v}" if _numbered(v) else f"  - {v}" for v in value]
                else:
                    lines.append(f"- **{label}**: {value}")
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _numbered(item: str) -> bool:
    """An item of an ordered list ("1. …"), printed without a bullet."""
    head, _, _ = item.partition(". ")
    return head.isdigit()


def _plain(text: str) -> str:
    return text.replace("`", "")


def _text(doc: Sequence[Block]) -> str:
    lines: list[str] = []
    for kind, body in doc:
        if kind == "h1":
            title = _plain(body)
            lines += [title, "=" * _width(title), ""]
        elif kind == "h2":
            title = _plain(body)
            lines += [title, "-" * _width(title), ""]
        elif kind == "p":
            lines += [_plain(str(body)), ""]
        elif kind == "bullets":
            lines += [f"  * {_plain(x)}" for x in body] + [""]
        elif kind == "table":
            t: _Table = body
            if t.headers == ("", ""):
                width = max(_width(_plain(r[0])) for r in t.rows)
                lines += [f"{_plain(k)}{' ' * (width - _width(_plain(k)))}  {_plain(v)}"
                          for k, v in t.rows]
                lines.append("")
                continue
            for row in t.rows:
                lines.append(f"{_plain(row[0])}  {_plain(row[1])}")
                lines += [f"    {_plain(h)}: {_plain(c)}"
                          for h, c in zip(t.headers[2:], row[2:], strict=True) if c]
            lines.append("")
        elif kind == "entry":
            e: _Entry = body
            lines.append(_plain(e.title))
            for label, value in e.fields:
                if isinstance(value, tuple):
                    lines.append(f"    {label}:")
                    lines += [f"      {_plain(v)}" if _numbered(v) else f"      - {_plain(v)}"
                              for v in value]
                else:
                    lines.append(f"    {label}: {_plain(value)}")
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _width(text: str) -> int:
    """Display width: wide (CJK) characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


