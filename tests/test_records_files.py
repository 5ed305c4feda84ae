"""Record exports on disk: the synthetic sample, scoring a folder, refused records and
applicants, counts that reconcile, and Guangzhou 2021 scored from records equal to Guangzhou
2021 scored from the facts those records imply, on the bundled sample."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import points
from points._data import SAMPLE_ON, sample_path
from points.batch import score_frame
from points.errors import InputError, OutputError
from points.records import facts_from_records
from points.records._files import score_records, write_sample
from points.records._sample import sample_records

ON = SAMPLE_ON


def _records_of(folder: Path, aid: str) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for p in sorted(folder.glob("*.csv")):
        if p.stem != "applicants":
            t = pl.read_csv(p, infer_schema=False)
            out[p.stem] = t.filter(pl.col("applicant_id") == aid).to_dicts()
    return out


def test_the_sample_is_seeded_and_realistic(tmp_path: Path) -> None:
    a = write_sample(tmp_path / "a", 300, seed=3)
    b = write_sample(tmp_path / "b", 300, seed=3)
    assert a == b
    for name in a:
        assert (tmp_path / "a" / f"{name}.csv").read_bytes() == \
            (tmp_path / "b" / f"{name}.csv").read_bytes()
    assert a["applicants"] == 300
    per = sum(n for k, n in a.items() if k != "applicants") / 300
    assert 30 <= per <= 50  # about 40 records an applicant
    ins = pl.read_csv(tmp_path / "a" / "insurance.csv", infer_schema=False)
    assert (ins["back_paid"] == "true").any() and (ins["transferred_in"] == "true").any()
    assert ins["employer"].n_unique() > 300  # job changes
    permits = pl.read_csv(tmp_path / "a" / "permit.csv", try_parse_dates=True)
    gaps = permits.sort("applicant_id", "start").with_columns(
        gap=(pl.col("start") - pl.col("end").shift(1).over("applicant_id")).dt.total_days())
    assert (gaps["gap"] > 1).any()  # late renewals
    assert (permits["start"] > ON).any()  # an export taken after the evaluation date
    assert not (tmp_path / "a" / ".applicants.csv.part").exists()


def test_scoring_a_folder_equals_scoring_each_applicant_with_its_records(
        tmp_path: Path) -> None:
    write_sample(tmp_path / "ex", 200, seed=5)
    s = score_records(tmp_path / "ex", None, "guangzhou/2021", on=ON)
    assert s.output == tmp_path / "ex.scored.csv"
    scored = pl.read_csv(s.output, infer_schema=False)
    apps = pl.read_csv(tmp_path / "ex" / "applicants.csv", infer_schema=False).to_dicts()
    for row in apps[:25]:
        aid = row["applicant_id"]
        given = {k: v for k, v in row.items() if v not in (None, "")}
        card = points.score(given, "guangzhou/2021", on=ON,
                            records=_records_of(tmp_path / "ex", aid))
        line = scored.filter(pl.col("applicant_id") == aid)
        assert line["total"].item() == str(card.total), aid
    assert s.applicants_read == s.applicants_scored + s.applicants_rejected == 200
    assert s.records_read == s.records_used + s.records_rejected
    summary = json.loads((tmp_path / "ex.scored.summary.json").read_text(encoding="utf-8"))
    assert summary["records_read"] == s.records_read and "seconds" not in summary


def test_parts_give_the_same_rows(tmp_path: Path) -> None:
    write_sample(tmp_path / "ex", 300, seed=6, format="parquet")
    one = score_records(tmp_path / "ex", tmp_path / "one.parquet", "guangzhou/2021", on=ON)
    four = score_records(tmp_path / "ex", tmp_path / "four.parquet", "guangzhou/2021",
                         on=ON, parts=4)
    assert four.parts == 4 and one.parts == 1
    a = pl.read_parquet(tmp_path / "one.parquet").sort("row")
    b = pl.read_parquet(tmp_path / "four.parquet").sort("row")
    assert a.equals(b)
    assert one.to_dict() | {"parts": 0, "output": ""} == four.to_dict() | {
        "parts": 0, "output": "", "rejects": one.to_dict()["rejects"],
        "record_rejects": one.to_dict()["record_rejects"]}


def _spoil(folder: Path) -> None:
    """Bad records of every kind of fault, in a sample folder."""
    ins = pl.read_csv(folder / "insurance.csv", infer_schema=False)
    first = ins["applicant_id"][0]
    bad = pl.DataFrame({
        "record_id": ["B1", "B2", "B3", "B4", "B5", "B6"],
        "applicant_id": [first, first, first, "NOBODY", first, first],
        "start": ["2020-01-01", "2020-13-01", "2020-05-01", "2020-01-01", "1900-01-01",
                  "2020-01-01"],
        "end": ["2019-12-31", "", "", "", "", ""],
        "type": ["pension", "pension", "dental", "pension", "pension", "pension"],
        "back_paid": ["false", "false", "false", "false", "maybe", "false"],
    }, schema_overrides={"end": pl.String})
    pl.concat([ins, bad], how="diagonal").write_csv(folder / "insurance.csv")
    homes = pl.read_csv(folder / "home.csv", infer_schema=False)
    owner = homes["applicant_id"][0]
    extra = homes.head(1).with_columns(record_id=pl.lit("DUP-HOME"),
                                       start=pl.lit("2023-12-01"), end=pl.lit(""))
    pl.concat([homes, extra]).write_csv(folder / "home.csv")
    pl.DataFrame({"record_id": ["Z1"], "applicant_id": [owner], "date": ["2020-01-01"]}) \
        .write_csv(folder / "pets.csv")
    tax = pl.read_csv(folder / "tax.csv", infer_schema=False)
    tax.with_columns(colour=pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("red"))) \
        .write_csv(folder / "tax.csv")


def test_bad_records_are_refused_and_counts_reconcile(tmp_path: Path) -> None:
    write_sample(tmp_path / "ex", 60, seed=7)
    _spoil(tmp_path / "ex")
    s = score_records(tmp_path / "ex", tmp_path / "out.csv", "guangzhou/2021", on=ON)
    rej = pl.read_csv(tmp_path / "out.record_rejects.csv", infer_schema=False)
    got = {(r["record_id"], r["kind"], r["field"], r["value"], r["reason"])
           for r in rej.iter_rows(named=True)}
    assert ("B1", "insurance", "end", "2019-12-31", "ends before it starts") in got
    assert ("B2", "insurance", "start", "2020-13-01", "not a date YYYY-MM-DD") in got
    assert ("B3", "insurance", "type", "dental",
            "not one of pension, medical, unemployment, injury, maternity") in got
    assert ("B4", "insurance", "applicant_id", "NOBODY",
            "no applicant with this applicant_id") in got
    assert ("B5", "insurance", "back_paid", "maybe", "not true/false") in got
    assert ("B5", "insurance", "start", "1900-01-01",
            "dated before the applicant's birth date") not in got  # one fault at a time
    assert ("Z1", "pets", "kind", "pets", "unknown record kind") in got
    assert any(r[1] == "tax" and r[2] == "colour" and r[4] == "unknown field" for r in got)
    assert set(rej["source"]) >= {"insurance.csv", "pets.csv", "tax.csv"}
    # B6 is good: its applicant is scored from it and the valid records
    # the overlapping home refuses its applicant as a whole
    app_rej = pl.read_csv(tmp_path / "out.rejects.csv", infer_schema=False)
    assert app_rej.height == 1 and app_rej["field"][0] == "property_id"
    assert app_rej["reason"][0].startswith("records: home DUP-HOME overlaps record ")
    assert s.applicants_rejected_by_records == 1
    assert s.applicants_read == s.applicants_scored + s.applicants_rejected == 60
    refused = rej.select("source", "row").unique().height
    assert s.records_refused == refused
    assert s.records_read == s.records_used + s.records_refused + \
        s.records_of_rejected_applicants
    assert s.records_of_rejected_applicants > 1  # every record of the refused applicant
    read = sum(pl.read_csv(p, infer_schema=False).height
               for p in (tmp_path / "ex").glob("*.csv") if p.stem != "applicants")
    assert s.records_read == read


def test_folder_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a folder"):
        score_records(tmp_path / "missing", None, "guangzhou/2021", on=ON)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no applicants"):
        score_records(tmp_path / "empty", None, "guangzhou/2021", on=ON)
    write_sample(tmp_path / "ex", 5)
    with pytest.raises(OutputError, match="inside the record folder"):
        score_records(tmp_path / "ex", tmp_path / "ex" / "out.csv", "guangzhou/2021", on=ON)
    shutil.copy(tmp_path / "ex" / "permit.csv", tmp_path / "ex" / "permit.parquet")
    with pytest.raises(InputError, match="two files"):
        score_records(tmp_path / "ex", None, "guangzhou/2021", on=ON)


@pytest.mark.slow
def test_guangzhou_2021_from_records_equals_from_the_facts_they_imply(tmp_path: Path) -> None:
    """On the bundled sample: its 3,000 applicants (sample_frame seed 2024) with records
    drawn for them. Scored from the records (in columns) equals scored from the facts the
    records give per record, applicant by applicant."""
    bundled = pl.read_csv(sample_path(), infer_schema=False)
    ((apps, tables),) = list(sample_records(3000, seed=2024, chunk=3000))
    assert apps["applicant_id"].to_list() == bundled["applicant_id"].to_list()
    folder = tmp_path / "gz"
    folder.mkdir()
    bundled.write_csv(folder / "applicants.csv")  # the bundled rows, facts and all
    for kind, t in tables.items():
        t.write_csv(folder / f"{kind}.csv")
    s = score_records(folder, tmp_path / "scored.csv", "guangzhou/2021", on=ON)
    assert s.applicants_scored == 3000 and s.records_refused == 0
    from_records = pl.read_csv(tmp_path / "scored.csv", infer_schema=False)
    # the facts the records imply, per record, over the bundled rows
    by: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for kind, t in tables.items():
        for r in t.with_columns(pl.col(pl.Date).cast(pl.String)).iter_rows(named=True):
            by.setdefault(r["applicant_id"], {k: [] for k in tables})[kind].append(r)
    rows = []
    for row in bundled.iter_rows(named=True):
        aid = row["applicant_id"]
        recs = by.get(aid, {k: [] for k in tables})
        implied = facts_from_records(recs, on=ON, applicant_id=aid,
                                     birth_date=date.fromisoformat(row["birth_date"])).facts
        rows.append({**row, **{k: str(v) if not isinstance(v, str) else v
                               for k, v in implied.items()}})
    plain = score_frame(pl.DataFrame(rows, infer_schema_length=None), "guangzhou/2021",
                        on=ON).points()
    a = from_records.select("applicant_id", "total", "eligible", "tier").sort("applicant_id")
    b = plain.select("applicant_id", pl.col("total").cast(pl.String),
                     pl.col("eligible").cast(pl.String), "tier").sort("applicant_id")
    assert a.equals(b)
    # and the records change the scores: the records are not the bundled facts
    given = score_frame(bundled, "guangzhou/2021", on=ON).points().sort("applicant_id")
    assert (a["total"] != given["total"].cast(pl.String)).any()
