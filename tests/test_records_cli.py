"""`points sample --records`, `points score --records`, `points explain --records`."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from points.cli import app


def run(*args: str, stdout: bool = False) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout if stdout else result.output


def test_sample_score_explain(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    code, text = run("sample", "--records", str(folder), "-n", "120", "--seed", "4")
    assert code == 0, text
    assert (folder / "applicants.csv").is_file() and (folder / "insurance.csv").is_file()
    code, text = run("score", "--records", str(folder), "--on", "2024-06-01")
    assert code == 0, text
    assert "applicants read" in text and "records read" in text
    summary = json.loads((tmp_path / "export.scored.summary.json").read_text("utf-8"))
    assert summary["applicants_read"] == 120
    assert summary["records_read"] == summary["records_used"] + summary["records_rejected"]
    scored = pl.read_csv(tmp_path / "export.scored.csv", infer_schema=False)
    first = scored.sort("row")["applicant_id"][0]
    total = scored.sort("row")["total"][0]
    code, text = run("explain", "--records", str(folder), "--on", "2024-06-01", "--json",
                     stdout=True)
    assert code == 0, text
    card = json.loads(text)
    assert card["applicant_id"] == first and card["total"] == total
    assert {d["fact"] for d in card["derivations"]} >= {"permit_months", "pension_months"}
    code, text = run("explain", "--records", str(folder), "--id", first, "--on",
                     "2024-06-01", "--lang", "zh", "--what-if")
    assert code == 0, text
    assert "由记录得出的事实" in text and "仅凭时间推移" in text


def test_sample_as_parquet_and_score_to_parquet(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    assert run("sample", "--records", str(folder), "-n", "30", "--to", "parquet")[0] == 0
    assert (folder / "permit.parquet").is_file()
    code, text = run("score", "--records", str(folder), "--on", "2024-06-01", "-o",
                     str(tmp_path / "out.parquet"))
    assert code == 0, text
    assert pl.read_parquet(tmp_path / "out.parquet").height == 30


def test_strict_exits_3_when_a_record_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    run("sample", "--records", str(folder), "-n", "20")
    permits = pl.read_csv(folder / "permit.csv", infer_schema=False)
    permits.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("yesterday"))
                         .otherwise(pl.col("start")).alias("start")).write_csv(
        folder / "permit.csv")
    code, text = run("score", "--records", str(folder), "--on", "2024-06-01")
    assert code == 0, text
    code, text = run("score", "--records", str(folder), "--on", "2024-06-01", "--strict")
    assert code == 3 and "1 records refused" in text
    rej = pl.read_csv(tmp_path / "export.scored.record_rejects.csv", infer_schema=False)
    assert rej.select("field", "value", "reason").row(0) == (
        "start", "yesterday", "not a date YYYY-MM-DD")


def test_records_and_an_input_together_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    run("sample", "--records", str(folder), "-n", "5")
    code, text = run("score", "x.csv", "--records", str(folder))
    assert code == 1 and "--records takes the place of INPUT" in text
    code, text = run("explain", "--records", str(folder), "--id", "NOPE", "--on",
                     "2024-06-01")
    assert code == 1 and "no applicant with this applicant_id" in text
