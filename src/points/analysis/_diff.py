"""Compare two schedules on one population: who gains, who loses, tier moves, factor changes.

`diff(old, new, population, on=...)` scores the population under both schedules with the batch
engine and returns a `Diff`; `Diff.html()` renders it as one offline HTML page with charts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import polars as pl

from .._report import CJK_FONTS, _e, bilingual, html_table
from .._version import __version__
from ..batch import score_frame
from ..errors import InputError
from ..schedule.loader import load_schedule
from ..schedule.model import Schedule

__all__ = ["NONE_TIER", "Diff", "FactorChange", "Mover", "diff", "mean_of", "tier_order"]

NONE_TIER = "(none)"


@attrs.frozen
class FactorChange:
    """Mean points of one factor or deduction under each schedule."""

    id: str
    old_mean: float
    new_mean: float
    note: str
    label_zh: str = ""
    label_en: str = ""

    def label(self, lang: str = "en") -> str:
        """Its label (the new schedule's, else the old one's), or its id when it has none."""
        return (self.label_zh if lang == "zh" else self.label_en) or self.id

    @property
    def change(self) -> float:
        return self.new_mean - self.old_mean


@attrs.frozen
class Mover:
    """One applicant whose total changed."""

    applicant_id: str
    old_total: Decimal
    new_total: Decimal
    old_tier: str
    new_tier: str

    @property
    def delta(self) -> Decimal:
        return self.new_total - self.old_total


@attrs.frozen
class Diff:
    """What changes for one population when `new` replaces `old`."""

    old_id: str
    new_id: str
    old_hash: str
    new_hash: str
    purpose: str | None
    on: date
    rows: int
    rejected: int
    gainers: int
    losers: int
    unchanged: int
    tier_changes: int
    mean_change: float
    max_gain: Decimal
    max_loss: Decimal
    old_totals: tuple[float, ...] = attrs.field(repr=False)
    new_totals: tuple[float, ...] = attrs.field(repr=False)
    tier_order: tuple[str, ...]
    transitions: tuple[tuple[str, str, int], ...]
    factors: tuple[FactorChange, ...]
    biggest_losses: tuple[Mover, ...]
    table: pl.DataFrame = attrs.field(repr=False)
    quota: int | None = None
    old_cutoff: Decimal | None = None
    new_cutoff: Decimal | None = None
    version: str = __version__
    #: (zh, en) label of each tier id of either schedule (the new schedule's when both)
    tier_labels: dict[str, tuple[str, str]] = attrs.field(factory=dict, repr=False)

    def html(self) -> str:
        """The diff as one self-contained HTML page (inline SVG charts, no network)."""
        return diff_html(self)

    def _repr_html_(self) -> str:
        """Counts, then the first applicants (largest losses first), for notebooks."""
        from .._report import html_table, preview_html

        first = self.table.sort(["delta", "row"])
        return html_table(
            [f"{self.old_id} → {self.new_id}", "applicants"],
            [["gain", self.gainers], ["lose", self.losers], ["unchanged", self.unchanged],
             ["change tier", self.tier_changes], ["rejected", self.rejected]],
            cls="summary") + preview_html(
                first, "applicants, largest loss first", self.rows,
                columns=("applicant_id", "old_total", "new_total", "delta", "old_tier",
                         "new_tier"))


def tier_order(old: Schedule, new: Schedule) -> tuple[str, ...]:
    """Every tier id of the two schedules, "(none)" first, in schedule order."""
    order = [NONE_TIER]
    for s in (old, new):
        for t in s.tiers:
            if t.id not in order:
                order.append(t.id)
    return tuple(order)


def diff(
    old: Schedule | str, new: Schedule | str, population: pl.DataFrame | Path | str | Any, *,
    purpose: str | None = None, on: date, quota: int | None = None, top: int = 20,
    encoding: str | None = None,
) -> Diff:
    """Score `population` under `old` and `new`.

    `population` is a Polars or pandas frame of applicant facts, or a file or directory read
    as `points score` reads it (`points.batch.read_table`). Rows that cannot be read, and rows
    either schedule rejects, are left out of the comparison and counted in `rejected`.
    With `quota`, both schedules rank the population and the cutoffs are compared.
    `encoding` is the text encoding of a CSV population (default: detected).
    """
    old_s = old if isinstance(old, Schedule) else load_schedule(old)
    new_s = new if isinstance(new, Schedule) else load_schedule(new)
    if purpose is not None:
        for s in (old_s, new_s):
            if s.purposes and purpose not in s.purposes:
                raise InputError(f"schedule {s.id} has no purpose {purpose!r}", value=purpose)
    unreadable = 0
    if isinstance(population, (str, Path)):
        from ..batch import read_table

        population, unreadable = read_table(population, encoding=encoding)
    a = score_frame(population, old_s, purpose=purpose, on=on)
    b = score_frame(population, new_s, purpose=purpose, on=on)
    old_pts, new_pts = a.points(), b.points()
    keep = ["row", "applicant_id", "total", "tier"]
    joined = old_pts.select(keep).join(
        new_pts.select(keep), on="row", how="inner", suffix="_new")
    joined = joined.with_columns(
        pl.col("tier").fill_null(NONE_TIER), pl.col("tier_new").fill_null(NONE_TIER),
        (pl.col("total_new") - pl.col("total")).alias("delta"),
    ).rename({"total": "old_total", "total_new": "new_total", "tier": "old_tier",
              "tier_new": "new_tier"}).drop("applicant_id_new")
    rejected = a.rows_read - joined.height + unreadable

    deltas = joined["delta"]
    gainers = int((deltas > 0).sum())
    losers = int((deltas < 0).sum())
    changes = joined.filter(pl.col("old_tier") != pl.col("new_tier")).height
    transitions = (joined.group_by("old_tier", "new_tier").len()
                   .sort("old_tier", "new_tier").rows())

    factors = []
    old_ids = [*old_s.factors, *old_s.deductions]
    new_ids = [*new_s.factors, *new_s.deductions]
    for fid in [*old_ids, *(i for i in new_ids if i not in old_ids)]:
        in_old, in_new = fid in old_ids, fid in new_ids
        om = _mean(old_pts, fid) if in_old else 0.0
        nm = _mean(new_pts, fid) if in_new else 0.0
        note = "" if in_old and in_new else ("only in old" if in_old else "only in new")
        spec = _spec(new_s, fid) or _spec(old_s, fid)
        factors.append(FactorChange(
            id=fid, old_mean=om, new_mean=nm, note=note,
            label_zh=spec.label.zh if spec else "", label_en=spec.label.en if spec else ""))

    worst = joined.filter(pl.col("delta") < 0).sort("delta").head(top)
    movers = tuple(
        Mover(applicant_id=str(r["applicant_id"] if r["applicant_id"] is not None
                               else f"row {r['row']}"),
              old_total=r["old_total"], new_total=r["new_total"], old_tier=r["old_tier"],
              new_tier=r["new_tier"])
        for r in worst.iter_rows(named=True))

    old_cut = new_cut = None
    if quota is not None:
        from ..batch import rank

        old_cut = rank(old_pts, old_s, quota=quota).cutoff
        new_cut = rank(new_pts, new_s, quota=quota).cutoff

    zero = Decimal(0)
    return Diff(
        old_id=old_s.id, new_id=new_s.id, old_hash=old_s.content_hash,
        new_hash=new_s.content_hash, purpose=purpose, on=on, rows=joined.height,
        rejected=rejected, gainers=gainers, losers=losers,
        unchanged=joined.height - gainers - losers, tier_changes=changes,
        mean_change=mean_of(_decimal(deltas.sum()), deltas.len()),
        max_gain=max(zero, _decimal(deltas.max())),
        max_loss=min(zero, _decimal(deltas.min())),
        old_totals=tuple(joined["old_total"].cast(pl.Float64).to_list()),
        new_totals=tuple(joined["new_total"].cast(pl.Float64).to_list()),
        tier_order=tier_order(old_s, new_s),
        transitions=tuple((str(x), str(y), int(n)) for x, y, n in transitions),
        factors=tuple(factors), biggest_losses=movers, table=joined, quota=quota,
        old_cutoff=old_cut, new_cutoff=new_cut,
        tier_labels={t.id: (t.label.zh, t.label.en) for s in (old_s, new_s) for t in s.tiers})


def _spec(s: Schedule, fid: str) -> Any:
    return s.factors.get(fid) or s.deductions.get(fid)


def _decimal(v: object) -> Decimal:
    """A Decimal column's max or min (None for an empty table) as a Decimal."""
    return v if isinstance(v, Decimal) else Decimal(0)


def mean_of(total: Decimal | int, n: int) -> float:
    """The exact sum `total` of `n` values divided by `n`, rounded once to a float (0.0
    when `n` is 0): the same mean however the sum was split into parts and added up."""
    return float(Fraction(total) / n) if n else 0.0


def _mean(frame: pl.DataFrame, column: str) -> float:
    if column not in frame.columns or frame.height == 0:
        return 0.0
    return mean_of(_decimal(frame[column].sum()), frame.height)


# --- the offline HTML report: inline CSS and SVG charts, no network ---------------------

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
    from .._explain import cell_width

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
