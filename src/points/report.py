"""Self-contained offline HTML reports: inline CSS and SVG charts, no network, no scripts
from elsewhere.

`svg_histogram`, `svg_bars` and `html_table` are small building blocks; `diff_html` renders a
`points.diff.Diff` as one page.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

    from .diff import Diff

__all__ = ["CARD_CSS", "CJK_FONTS", "PREVIEW_ROWS", "bilingual", "diff_html", "html_table",
           "preview_html", "svg_bars", "svg_histogram"]

#: rows a notebook preview shows
PREVIEW_ROWS = 5

#: fonts with Chinese glyphs on Linux, macOS and Windows, before the generic family
CJK_FONTS = ('"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
             '"WenQuanYi Micro Hei"')
#: the style of a score card in a notebook (class names prefixed, so nothing else changes)
CARD_CSS = (
    f".points-card {{ font-family: system-ui, {CJK_FONTS}, sans-serif; }} "
    ".points-card table { border-collapse: collapse; margin: .4em 0; } "
    ".points-card th, .points-card td { border: 1px solid #ccc; padding: .2em .5em; "
    "text-align: left; vertical-align: top; } "
    ".points-card .num { display: block; text-align: right; font-variant-numeric: tabular-nums; } "
    ".points-card .en { color: #666; font-size: .9em; } "
    ".points-card .more { color: #666; }")

_OLD = "#7a8da6"
_NEW = "#d9822b"
_CSS = """
body { font: 14px/1.45 system-ui, CJK, sans-serif; margin: 2em auto; max-width: 60em;
       color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: right; }
th { background: #f3f3f3; cursor: pointer; } td:first-child, th:first-child { text-align: left; }
.gain { color: #1b7f3a; } .loss { color: #b3261e; } .muted { color: #777; }
.key span { display: inline-block; width: .9em; height: .9em; margin: 0 .3em 0 1em; }
svg text { font: 11px system-ui, CJK, sans-serif; fill: #333; }
.en { color: #666; font-size: .9em; }
""".replace("CJK", CJK_FONTS)
# Sorting by clicking a header: the only script, inline, reading nothing from the network.
_JS = """
document.querySelectorAll("table.sortable th").forEach(function (th, i) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var dir = th.dataset.dir === "asc" ? -1 : 1;
    th.dataset.dir = dir === 1 ? "asc" : "desc";
    rows.sort(function (a, b) {
      var x = a.cells[i].dataset.v || a.cells[i].textContent;
      var y = b.cells[i].dataset.v || b.cells[i].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      if (!isNaN(nx) && !isNaN(ny)) { return dir * (nx - ny); }
      return dir * x.localeCompare(y);
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
document.body.setAttribute("data-ready", "1");
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def bilingual(zh: str, en: str, *, inline: bool = False) -> str:
    """A label in Chinese, then in English (smaller: below it, or `inline` after it), as
    HTML."""
    if zh == en:
        return _e(zh)
    return f'{_e(zh)}{" " if inline else "<br>"}<span class="en">{_e(en)}</span>'


def html_table(header: Sequence[str], rows: Sequence[Sequence[object]], *,
               cls: str = "sortable", id: str | None = None) -> str:
    """An HTML table (sortable by clicking a header)."""
    ident = f' id="{_e(id)}"' if id else ""
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return (f'<table class="{cls}"{ident}><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def preview_html(frame: pl.DataFrame, title: str, total: int, *,
                 columns: Sequence[str] = (), rows: int = PREVIEW_ROWS) -> str:
    """The first `rows` rows of `frame` (its `columns` first, when present) as an HTML table
    under `title`, saying how many of `total` it shows; nothing for an empty frame."""
    if frame.height == 0:
        return ""
    first = [c for c in columns if c in frame.columns]
    cols = first + [c for c in frame.columns if c not in first]
    head = frame.select(cols).head(rows)
    body = [["" if v is None else v for v in r] for r in head.iter_rows()]
    shown = f"first {head.height} of {total:,}" if total > head.height else f"all {total:,}"
    return (f'<p class="muted">{_e(title)}: {shown} rows</p>'
            + html_table(cols, body, cls="preview"))


def svg_histogram(series: Sequence[tuple[str, Sequence[float], str]], *, bins: int = 30,
                  width: int = 640, height: int = 240, title: str = "",
                  id: str | None = None, x_title: str = "", y_title: str = "") -> str:
    """Overlaid histograms of several value series, as inline SVG, with axis titles."""
    values = [v for _, vs, _ in series for v in vs]
    ident = f' id="{_e(id)}"' if id else ""
    if not values:
        return f'<svg{ident} width="{width}" height="40"><text x="4" y="20">no data</text></svg>'
    lo, hi = min(values), max(values)
    if hi == lo:
        hi = lo + 1
    step = (hi - lo) / bins
    counts = []
    for _, vs, _ in series:
        c = [0] * bins
        for v in vs:
            c[min(bins - 1, int((v - lo) / step))] += 1
        counts.append(c)
    top = max(max(c) for c in counts) or 1
    pad_l, pad_b, pad_t, pad_r = 52, 40, 18, 24
    w, h = width - pad_l - pad_r, height - pad_b - pad_t
    bw = w / bins
    parts = [f'<svg{ident} class="chart" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}"><title>{_e(title)}</title>']
    for (name, _, colour), c in zip(series, counts, strict=True):
        for i, n in enumerate(c):
            if n:
                bh = h * n / top
                parts.append(
                    f'<rect x="{pad_l + i * bw:.1f}" y="{pad_t + h - bh:.1f}" '
                    f'width="{max(bw - 1, 1):.1f}" height="{bh:.1f}" fill="{colour}" '
                    f'fill-opacity="0.55"><title>{_e(name)}: {n}</title></rect>')
    parts.append(f'<line x1="{pad_l}" y1="{pad_t + h}" x2="{pad_l + w}" y2="{pad_t + h}" '
                 'stroke="#444"/>')
    for k in range(5):
        x = lo + (hi - lo) * k / 4
        parts.append(f'<text class="tick" x="{pad_l + w * k / 4:.1f}" y="{pad_t + h + 15}" '
                     f'text-anchor="middle">{x:.0f}</text>')
    parts.append(f'<line x1="{pad_l}" y1="{pad_t}" x2="{pad_l}" y2="{pad_t + h}" '
                 'stroke="#444"/>')
    parts.append(f'<text class="tick" x="{pad_l - 4}" y="{pad_t + 4}" '
                 f'text-anchor="end">{top}</text>')
    parts.append(f'<text class="tick" x="{pad_l - 4}" y="{pad_t + h}" text-anchor="end">0</text>')
    if x_title:
        parts.append(f'<text class="axis-title" x="{pad_l + w / 2:.1f}" y="{height - 4}" '
                     f'text-anchor="middle">{_e(x_title)}</text>')
    if y_title:
        parts.append(f'<text class="axis-title" x="12" y="{pad_t + h / 2:.1f}" '
                     f'text-anchor="middle" transform="rotate(-90 12 {pad_t + h / 2:.1f})">'
                     f"{_e(y_title)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def svg_bars(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float], str]], *,
             width: int = 640, title: str = "", id: str | None = None) -> str:
    """Horizontal grouped bars, one group per label, as inline SVG (negatives go left)."""
    ident = f' id="{_e(id)}"' if id else ""
    row_h, pad_l, pad_t = 14 * max(1, len(series)) + 8, 200, 8
    height = pad_t + row_h * max(1, len(labels)) + 8
    values = [v for _, vs, _ in series for v in vs] or [0.0]
    lo, hi = min(0.0, min(values)), max(0.0, max(values))
    span = (hi - lo) or 1.0
    w = width - pad_l - 50
    zero = pad_l + w * (0 - lo) / span
    parts = [f'<svg{ident} class="chart" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}"><title>{_e(title)}</title>']
    for i, label in enumerate(labels):
        y0 = pad_t + i * row_h
        parts.append(f'<text x="{pad_l - 6}" y="{y0 + row_h / 2 + 4:.1f}" '
                     f'text-anchor="end">{_e(_fit(label, 34))}<title>{_e(label)}</title></text>')
        for j, (name, vs, colour) in enumerate(series):
            v = vs[i]
            x1 = pad_l + w * (min(v, 0) - lo) / span
            bw = abs(v) * w / span
            y = y0 + 4 + j * 14
            parts.append(f'<rect x="{x1:.1f}" y="{y}" width="{max(bw, 0.5):.1f}" height="12" '
                         f'fill="{colour}"><title>{_e(name)}: {v:.2f}</title></rect>')
            parts.append(f'<text x="{max(x1 + bw, zero) + 3:.1f}" y="{y + 10}">{v:.2f}</text>')
    parts.append(f'<line x1="{zero:.1f}" y1="{pad_t}" x2="{zero:.1f}" y2="{height - 8}" '
                 'stroke="#444"/></svg>')
    return "".join(parts)


def _fit(label: str, columns: int) -> str:
    """`label` cut to `columns` display columns (a Chinese character takes two), with …."""
    from .explain import cell_width

    if cell_width(label) <= columns:
        return label
    out = ""
    for ch in label:
        if cell_width(out + ch) > columns - 1:
            break
        out += ch
    return out + "…"


def _matrix(d: Diff) -> str:
    tiers = d.tier_order
    counts = {(a, b): n for a, b, n in d.transitions}
    top = max(counts.values(), default=1) or 1
    def name(t: str) -> str:
        zh, en = d.tier_labels.get(t, ("无", "none") if t == "(none)" else (t, t))
        return bilingual(zh, en)

    head = "".join(f"<th>{name(t)}</th>" for t in tiers)
    rows = []
    for a in tiers:
        cells = []
        for b in tiers:
            n = counts.get((a, b), 0)
            alpha = 0.08 + 0.8 * math.sqrt(n / top) if n else 0
            cells.append(f'<td style="background: rgba(217,130,43,{alpha:.2f})">{n}</td>')
        rows.append(f"<tr><th>{name(a)}</th>{''.join(cells)}</tr>")
    return (f'<table id="transitions" class="matrix"><thead><tr>'
            f"<th>旧 old \\ 新 new</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def diff_html(d: Diff) -> str:
    """The whole diff as one self-contained HTML page."""
    summary = html_table(
        ["", "applicants"],
        [["gain", d.gainers], ["lose", d.losers], ["unchanged", d.unchanged],
         ["change tier", d.tier_changes]], cls="summary", id="summary")
    factor_rows = [[f.label("zh"), f.label("en"), f"{f.old_mean:.2f}", f"{f.new_mean:.2f}",
                    f"{f.change:+.2f}", f.note] for f in d.factors]
    factors = html_table(["指标", "factor", "old mean", "new mean", "change", ""],
                         factor_rows, id="factors")
    losers = html_table(
        ["applicant", "old total", "new total", "change", "old tier", "new tier"],
        [[r.applicant_id, r.old_total, r.new_total, r.delta, r.old_tier, r.new_tier]
         for r in d.biggest_losses], id="losers")
    cutoff = ""
    if d.quota is not None:
        cutoff = (f"<h2>Cutoff under a quota of {d.quota}</h2><p id=\"cutoff\">old: "
                  f"{_e(d.old_cutoff)}, new: {_e(d.new_cutoff)}</p>")
    hist = svg_histogram(
        [(d.old_id, d.old_totals, _OLD), (d.new_id, d.new_totals, _NEW)],
        title="Distribution of totals", id="chart-totals",
        x_title="total points 总分", y_title="applicants 人数")
    shown = [f for f in d.factors if f.old_mean or f.new_mean]
    bars = svg_bars([f.label("zh") for f in shown],
                    [(d.old_id, [f.old_mean for f in shown], _OLD),
                     (d.new_id, [f.new_mean for f in shown], _NEW)],
                    title="Mean points by factor (factors scoring anything)",
                    id="chart-factors")
    purpose = (f"purpose {_e(d.purpose)}" if d.purpose is not None
               else "each schedule's default purpose")
    key = (f'<p class="key"><span style="background:{_OLD}"></span>{_e(d.old_id)}'
           f'<span style="background:{_NEW}"></span>{_e(d.new_id)}</p>')
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>points diff: {_e(d.old_id)} → {_e(d.new_id)}</title>
<style>{_CSS}</style></head>
<body>
<h1>{_e(d.old_id)} → {_e(d.new_id)}</h1>
<p class="muted">{d.rows} applicants, {purpose}, evaluated on {_e(d.on)};
schedules {_e(d.old_hash[:19])}… and {_e(d.new_hash[:19])}…; points {_e(d.version)}.</p>
<h2>Who gains and who loses</h2>{summary}
<p>Mean change {d.mean_change:+.2f} points; largest gain {_e(d.max_gain)},
largest loss {_e(d.max_loss)}.</p>
<h2>Score distributions</h2>{key}{hist}
<h2>Tier transitions</h2>{_matrix(d)}
<h2>Contribution of each factor</h2>{key}{bars}{factors}
{cutoff}
<h2>Largest losses</h2>{losers}
<script>{_JS}</script>
</body></html>
"""
