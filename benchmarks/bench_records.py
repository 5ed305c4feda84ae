"""Records → facts → scores, file to file: speed, peak memory, and the ratio to a hand-written
Polars group-by of the same derivations, measured in the same run.

    python benchmarks/bench_records.py --applicants 100000          # a quick run
    python benchmarks/bench_records.py --applicants 1000000         # the issue's size

The record export (applicants plus one Parquet file per record kind, about 40 records an
applicant, `points.records.write_sample`, seed 2024) is kept under `--cache-dir` keyed by size
and seed, so a second run starts at once. Each measurement runs in its own process and times
the whole job, from opening the files to the renamed output:

- "hand-written Polars" derives the bundled facts (records.toml as shipped) straight from the
  whole files with lazy Polars group-bys written for these derivations only: no validation,
  no parts, the penalty, volunteering, tax, certificate and award facts each from one
  group-by and a pivot. Its facts are checked equal to the library's.
- "points derive_records" is `derive_records(folder, facts.parquet, on=2024-06-01)`:
  validation of every record, every derivation of the spec, in parts of applicants.
- "points score_records" is `score_records(folder, scored.parquet, "guangzhou/2021",
  on=2024-06-01)`: records → facts → scores, with the rejects, record rejects and summary.

"peak MiB" is the process's peak resident set (VmHWM), interpreter included: the target is
under 2 GiB. "ratio" is the hand-written seconds divided by the row's seconds: 1.0 or more
means the library is as fast as the hand-written group-by.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ON = date(2024, 6, 1)
SEED = 2024
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "points-bench"
LABELS = {"hand": "hand-written Polars: records → facts",
          "facts": "points derive_records: records → facts",
          "score": "points score_records: records → facts → scores"}


def peak_mib() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export(applicants: int, cache: Path) -> Path:
    """The cached record export of `applicants` applicants (Parquet); written if missing."""
    from points.records import write_sample

    folder = cache / f"records-{applicants}-seed{SEED}"
    if not (folder / "applicants.parquet").exists():
        write_sample(folder, applicants, seed=SEED, on=ON, format="parquet")
    return folder


# --- the hand-written derivations ---------------------------------------------------------------


def hand_facts(folder: Path) -> Any:
    """The bundled derivations of records.toml, written by hand for these parameters."""
    import polars as pl

    aid, day = "applicant_id", timedelta(days=1)

    def scan(kind: str) -> pl.LazyFrame:
        return pl.scan_parquet(folder / f"{kind}.parquet")

    def mi(e: pl.Expr) -> pl.Expr:
        return e.dt.year().cast(pl.Int32) * 12 + e.dt.month().cast(pl.Int32) - 1

    def cut(lf: pl.LazyFrame) -> pl.LazyFrame:
        return lf.filter(pl.col("start") < ON).with_columns(
            x=pl.min_horizontal((pl.col("end") + day).fill_null(ON), pl.lit(ON))
        ).filter(pl.col("start") < pl.col("x"))

    def union_months(lf: pl.LazyFrame, by: list[str], name: str) -> pl.LazyFrame:
        """Months covered by sorted, non-empty month ranges f..l, each month once."""
        prev = pl.col("l").cum_max().shift(1).over(by)
        return lf.sort([*by, "f"]).with_columns(prev=prev).group_by(by).agg(
            pl.when(pl.col("prev").is_null()).then(pl.col("l") - pl.col("f") + 1).otherwise(
                pl.max_horizontal(0, pl.col("l") - pl.max_horizontal(
                    pl.col("f"), pl.col("prev") + 1) + 1)).sum().alias(name))

    def day_runs(lf: pl.LazyFrame) -> pl.LazyFrame:
        lf = lf.sort(aid, "start", "x").with_columns(
            prev=pl.col("x").cum_max().shift(1).over(aid))
        lf = lf.with_columns(run=(pl.col("prev").is_null() | (pl.col("start") > pl.col("prev")))
                             .cum_sum().over(aid))
        return lf.group_by(aid, "run").agg(pl.col("start").min(), pl.col("x").max())

    ins = cut(scan("insurance")).filter(~pl.col("transferred_in"))
    ins = ins.select(aid, "type", "back_paid", f=mi(pl.col("start")),
                     l=mi(pl.col("x") - day))
    paid = union_months(ins.filter(~pl.col("back_paid")), [aid, "type"], "m").collect() \
        .pivot("type", index=aid, values="m")
    paid = paid.rename({t: f"{t}_months" for t in paid.columns if t != aid}).lazy()
    back = union_months(ins.filter(pl.col("back_paid")), [aid], "insurance_back_paid_months")
    fund = cut(scan("housing_fund"))
    for flag in ("transferred_in", "back_paid"):  # optional columns, false when missing
        if flag in fund.collect_schema():
            fund = fund.filter(~pl.col(flag).fill_null(False))
    fund = union_months(fund.select(aid, f=mi(pl.col("start")), l=mi(pl.col("x") - day)),
                        [aid], "housing_fund_months")

    def full_months(kind: str, name: str) -> pl.LazyFrame:
        runs = day_runs(cut(scan(kind)))
        ranges = runs.select(aid, f=mi(pl.col("start")) + (pl.col("start").dt.day() != 1)
                             .cast(pl.Int32), l=mi(pl.col("x")) - 1)
        return ranges.filter(pl.col("f") <= pl.col("l")).group_by(aid).agg(
            (pl.col("l") - pl.col("f") + 1).sum().alias(name))

    permits = scan("permit")
    runs = day_runs(cut(permits.filter(pl.col("local"))))
    last = runs.sort(aid, "start").group_by(aid).agg(pl.col("start").last(),
                                                    pl.col("x").last())
    n = (mi(pl.col("x")) - mi(pl.col("start"))
         - (pl.col("x").dt.day() < pl.col("start").dt.day()).cast(pl.Int32))
    permit_months = last.select(aid, permit_months=pl.when(pl.col("x") >= ON).then(n)
                                .otherwise(0))
    covering = (pl.col("start") <= ON) & (pl.col("end").is_null() | (pl.col("end") >= ON))
    has_permit = permits.filter(pl.col("local") & covering).select(aid).unique() \
        .with_columns(has_permit=pl.lit(True))
    homes = scan("home").filter(covering)
    rentals = scan("rental").filter(covering)
    housing = pl.concat([
        homes.select(aid, r=pl.lit(0)),
        rentals.select(aid, r=pl.when(pl.col("type") == "rental").then(1).otherwise(2))
    ]).group_by(aid).agg(pl.col("r").min()).select(
        aid, housing=pl.col("r").replace_strict({0: "owned", 1: "rental", 2: "dormitory"},
                                                return_dtype=pl.String))
    outer = homes.filter(pl.col("outer_district")).select(aid).unique().with_columns(
        owned_home_outer_district=pl.lit(True))

    lo5 = date(2019, 6, 1)  # ON − 60 months: (lo5, ON]
    pen = scan("penalty").filter(pl.col("date") <= ON)
    recent = pen.filter(pl.col("date") > lo5).group_by(aid, "type").len().collect() \
        .pivot("type", index=aid, values="len")
    names = {"public_security": "public_security_penalties_5y",
             "detention": "detention_records_5y", "criminal": "criminal_records_5y",
             "tax_evasion": "tax_evasion_records_5y"}
    recent = recent.rename({k: v for k, v in names.items() if k in recent.columns})
    recent = recent.drop([c for c in recent.columns if c != aid and c not in names.values()])
    false3 = pen.filter((pl.col("type") == "false_material") & (pl.col("date") > date(2021, 6,
                                                                                      1)))
    false3 = false3.group_by(aid).agg(false_material_3y=pl.len())
    ever = pen.group_by(aid).agg(
        criminal_record=(pl.col("type") == "criminal").any(),
        drug_records=(pl.col("type") == "drug").sum())
    credit = scan("credit").filter((pl.col("date") > lo5) & (pl.col("date") <= ON)).group_by(
        aid).agg(credit_records_under_90d=(pl.col("days_overdue") < 90).sum(),
                 credit_records_over_90d=(pl.col("days_overdue") >= 90).sum())
    blood = scan("blood_donation").filter((pl.col("date") > lo5) & (pl.col("date") <= ON)) \
        .group_by(aid).agg(blood_donations_5y=pl.len())
    edges = [date(ON.year - k, ON.month, ON.day) for k in range(6)]  # no 29 Feb here
    year = pl.lit(None, dtype=pl.Int32)
    for k in range(5, 0, -1):
        year = pl.when((pl.col("date") > edges[k]) & (pl.col("date") <= edges[k - 1])) \
            .then(pl.lit(k, dtype=pl.Int32)).otherwise(year)
    vol = scan("volunteering").with_columns(y=year).filter(pl.col("y").is_not_null()) \
        .group_by(aid, "y").agg(pl.col("hours").sum()).collect() \
        .pivot("y", index=aid, values="hours", sort_columns=True)
    vol = vol.rename({c: f"volunteer_hours_year{c}" for c in vol.columns if c != aid})
    tax = scan("tax").filter(pl.col("year").is_between(ON.year - 3, ON.year - 1)) \
        .group_by(aid).agg(
            income_tax_3y=pl.col("amount").filter(pl.col("type") == "income").sum(),
            business_tax_3y=pl.col("amount").filter(pl.col("type") == "business").sum())
    from points.facts import FACTS

    cert = scan("certificate").filter(pl.col("date") <= ON)
    best = []
    for t, fact in (("education", "education"), ("title", "professional_title"),
                    ("skill", "skill_grade")):
        levels = list(FACTS[fact].levels)
        best.append(cert.filter(pl.col("type") == t).group_by(aid).agg(
            pl.col("level").replace_strict({lv: i for i, lv in enumerate(levels)},
                                           return_dtype=pl.Int32).max().alias(fact)))
    awards = scan("award").filter(pl.col("date") <= ON)
    award_cols = [(pl.col("name").filter(pl.col("level") == lv).n_unique()).alias(f"awards_{lv}")
                  for lv in ("national", "provincial", "municipal", "district",
                             "municipal_special")]
    award_cols += [(pl.col("level") == f"merit_{c}_class").sum().alias(f"merit_{c}_class")
                   for c in ("first", "second", "third")]
    award = awards.group_by(aid).agg(award_cols)

    out = pl.scan_parquet(folder / "applicants.parquet").select(aid)
    parts = [has_permit, permit_months, paid, back, fund,
             full_months("rental", "rental_months"), full_months("home", "owned_home_months"),
             outer, housing, *best, recent.lazy(), false3, ever, credit, blood, vol.lazy(),
             tax, award]
    for p in parts:
        out = out.join(p, on=aid, how="left")
    facts = out.collect()
    fill: dict[str, Any] = {}
    for c in facts.columns:
        info = FACTS.get(c)
        if info is None:
            continue
        if info.kind == "level":
            levels = list(info.levels)
            fill[c] = pl.col(c).fill_null(0).replace_strict(dict(enumerate(levels)),
                                                           return_dtype=pl.String) \
                if c != "housing" else pl.col(c).fill_null("none")
        elif info.kind == "bool":
            fill[c] = pl.col(c).fill_null(False)
        else:
            fill[c] = pl.col(c).fill_null(0)
    return facts.with_columns(**fill)


# --- workers and the table ---------------------------------------------------------------------


def worker(kind: str, folder: Path, out: Path) -> None:
    started = time.perf_counter()
    if kind == "hand":
        hand_facts(folder).write_parquet(out)
    elif kind == "facts":
        from points.records import derive_records

        derive_records(folder, out, on=ON)
    else:
        from points.records import score_records

        score_records(folder, out, "guangzhou/2021", on=ON)
    print(json.dumps({"seconds": time.perf_counter() - started, "peak": peak_mib()}))


def measure(kind: str, folder: Path, out: Path) -> dict[str, float]:
    res = subprocess.run([sys.executable, __file__, "--worker", kind, "--folder", str(folder),
                          "--out", str(out)], capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{res.stderr}")
    data: dict[str, float] = json.loads(res.stdout.strip().splitlines()[-1])
    return data


def check(hand: Path, ours: Path) -> int:
    """Rows on which the hand-written and the library facts agree (all, or SystemExit)."""
    import polars as pl

    a = pl.read_parquet(hand)
    b = pl.read_parquet(ours)
    cols = sorted(set(a.columns) & set(b.columns) - {"applicant_id"})
    a = a.select("applicant_id", *cols).sort("applicant_id")
    b = b.select("applicant_id", *[pl.col(c).cast(a.schema[c]) for c in cols]) \
        .sort("applicant_id")
    if not a.equals(b):
        diff = [c for c in cols if not a[c].equals(b[c])]
        raise SystemExit(f"hand-written and library facts differ in {diff}")
    return a.height


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--applicants", type=float, default=100_000)
    ap.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--worker", choices=list(LABELS))
    ap.add_argument("--folder", type=Path)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.folder, args.out)
        return
    n = int(args.applicants)
    t = time.perf_counter()
    folder = export(n, args.cache_dir)
    import polars as pl

    records = sum(pl.scan_parquet(p).select(pl.len()).collect().item()
                  for p in folder.glob("*.parquet") if p.stem != "applicants")
    print(f"export: {n:,} applicants, {records:,} records ({records / max(n, 1):.1f} an "
          f"applicant) in {folder} ({time.perf_counter() - t:.1f} s)")
    with tempfile.TemporaryDirectory(dir=args.cache_dir) as tmp:
        outs = {k: Path(tmp) / f"{k}.parquet" for k in LABELS}
        results = {k: measure(k, folder, outs[k]) for k in LABELS}
        agreed = check(outs["hand"], outs["facts"])
        print(f"checked: hand-written and library facts agree on {agreed:,} applicants")
    base = results["hand"]["seconds"]
    print(f"{'what':<50} {'size':>10} {'seconds':>8} {'rows/s':>10} {'peak MiB':>9} "
          f"{'ratio':>6}")
    for k, label in LABELS.items():
        r = results[k]
        print(f"{label:<50} {n:>10} {r['seconds']:>8.2f} {n / r['seconds']:>10,.0f} "
              f"{r['peak']:>9,.0f} {base / r['seconds']:>6.2f}")


if __name__ == "__main__":
    main()
