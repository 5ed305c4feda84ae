"""`points score`, `points rank`, `points sample` on the command line."""

from __future__ import annotations

import csv
import io
import shlex
from pathlib import Path

import polars as pl
import pytest
from rich.console import Console
from typer.testing import CliRunner

from points._data import sample_path
from points.cli import EXIT_REJECTED, app
from points.cli import _batch as cli_batch

runner = CliRunner()
ON = "2024-06-01"


def _write_list(path: Path, rows: int = 20, bad: int = 0) -> None:
    result = runner.invoke(app, ["sample", "--rows", str(rows), "--seed", "5", "-o", str(path)])
    assert result.exit_code == 0, result.output
    if bad:  # the first `bad` rows get an unknown housing level
        frame = pl.read_csv(path, infer_schema=False)
        frame = frame.with_columns(pl.when(pl.int_range(pl.len()) < bad).then(pl.lit("castle"))
                                   .otherwise(pl.col("housing")).alias("housing"))
        frame.write_csv(path)


def _cell(output: str, label: str) -> str:
    """The value beside `label` in the printed summary table."""
    line = next(x for x in output.splitlines() if f" {label} " in x)
    return line.split("│")[2].strip()


def test_score_without_input_scores_the_bundled_sample() -> None:
    with sample_path().open(encoding="utf-8", newline="") as f:
        rows = sum(1 for _ in csv.DictReader(f))
    result = runner.invoke(app, ["score", "--cards", "1"])
    assert result.exit_code == 0, result.output
    assert "guangzhou/2021" in result.output
    assert _cell(result.output, "rows read") == f"{rows:,}"
    assert _cell(result.output, "rejected") == "0"
    assert "tier settlement" in result.output
    assert result.output.count("Applicant:") == 1  # one explained card
    assert "output" not in result.output  # nothing written


def test_score_writes_outputs_and_prints_summary(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    _write_list(src, rows=20, bad=2)
    result = runner.invoke(app, ["score", str(src), "--schedule", "guangzhou/2021",
                                 "--on", ON])
    assert result.exit_code == 0, result.output
    scored = pl.read_csv(tmp_path / "list.scored.csv")
    rejects = pl.read_csv(tmp_path / "list.scored.rejects.csv")
    assert scored.height == 18 and sorted(set(rejects["row"])) == [1, 2]
    for label, value in (("rows read", "20"), ("scored", "18"), ("rejected", "2")):
        assert _cell(result.output, label) == value
    assert "list.scored.csv" in result.output and "list.scored.rejects.csv" in result.output


def test_strict_exits_non_zero_and_still_writes(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    _write_list(src, rows=10, bad=1)
    out = tmp_path / "out.parquet"
    result = runner.invoke(app, ["score", str(src), "-o", str(out), "--on", ON, "--strict"])
    assert result.exit_code == EXIT_REJECTED
    assert "1 rows rejected" in result.output
    assert pl.read_parquet(out).height == 9
    assert pl.read_parquet(tmp_path / "out.rejects.parquet")["row"].to_list() == [1]
    clean = tmp_path / "clean.csv"
    _write_list(clean, rows=5)
    result = runner.invoke(app, ["score", str(clean), "--on", ON, "--strict"])
    assert result.exit_code == 0, result.output


def test_unreadable_input_exits_1_naming_the_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["score", str(tmp_path / "nope.csv"), "--on", ON])
    assert result.exit_code == 1
    assert "nope.csv" in result.output and "error:" in result.output


def test_stdin_to_stdout(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    _write_list(src, rows=6)
    result = runner.invoke(app, ["score", "-", "--format", "csv", "-o", "-", "--on", ON,
                                 "--rejects", str(tmp_path / "rej.csv")],
                           input=src.read_bytes())
    assert result.exit_code == 0, result.output
    table = pl.read_csv(io.StringIO(result.stdout))
    assert table["row"].to_list() == [1, 2, 3, 4, 5, 6]
    assert "rows read" in result.stderr and "rows read" not in result.stdout
    assert (tmp_path / "rej.csv").exists()


def test_rank_prints_cutoff_and_writes_ranked_list(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    _write_list(src, rows=30)
    result = runner.invoke(app, ["rank", str(src), "--quota", "5", "--on", ON])
    assert result.exit_code == 0, result.output
    ranked = pl.read_csv(tmp_path / "list.ranked.csv", infer_schema=False)
    assert {"rank", "admitted"} <= set(ranked.columns) and ranked.height == 30
    admitted = ranked.filter(pl.col("admitted") == "true")
    # the list is in rank order: the last admitted holds the cutoff, on the rank key —
    # guangzhou/2021 ranks by the base-indicator score (A22, as the 2023 measures)
    assert f"cutoff {admitted['group.base'][-1]}: {admitted.height:,} admitted" in result.output


def test_sample_is_seeded(tmp_path: Path) -> None:
    a = runner.invoke(app, ["sample", "--rows", "25", "--seed", "1"])
    b = runner.invoke(app, ["sample", "--rows", "25", "--seed", "1"])
    c = runner.invoke(app, ["sample", "--rows", "25", "--seed", "2"])
    assert a.exit_code == b.exit_code == c.exit_code == 0
    assert a.stdout == b.stdout != c.stdout
    frame = pl.read_csv(io.StringIO(a.stdout))
    assert frame.height == 25 and frame["applicant_id"].n_unique() == 25
    out = tmp_path / "s.jsonl"
    result = runner.invoke(app, ["sample", "-n", "7", "-o", str(out)])
    assert result.exit_code == 0 and len(out.read_text().splitlines()) == 7


def test_progress_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    quiet = cli_batch._Progress("scoring", delay=0)
    assert not quiet.enabled  # pytest's output is no terminal
    quiet(10, 100)
    assert quiet._bar is None  # nothing started, nothing drawn
    buf = io.StringIO()
    term = Console(file=buf, force_terminal=True, width=100)
    monkeypatch.setattr(cli_batch, "out", term)
    monkeypatch.setattr(cli_batch, "err", term)
    with cli_batch._Progress("scoring", delay=0) as shown:
        assert shown.enabled
        shown(250, 1_000)
        assert shown._bar is not None and shown._task is not None
        task = shown._bar.tasks[0]
        # the bar counts rows done against rows in all: a quarter
        assert (task.completed, task.total) == (250, 1_000)
        shown(1_000, 1_000)
        assert task.completed == task.total == 1_000
    assert "scoring" in buf.getvalue() and "rows/s" in buf.getvalue()


def _doc_blocks(path: Path) -> list[tuple[str, str]]:
    """The fenced code blocks of a Markdown file: (language, text), in order."""
    blocks: list[tuple[str, str]] = []
    lang: str | None = None
    lines: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```") and lang is None:
            lang, lines = line[3:].strip(), []
        elif line.startswith("```"):
            blocks.append((lang or "", "\n".join(lines)))
            lang = None
        elif lang is not None:
            lines.append(line)
    return blocks


@pytest.mark.docs
def test_docs_batch_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every `points …` command and Python block of docs/batch.md runs, in order."""
    doc = Path(__file__).parent.parent / "docs" / "batch.md"
    monkeypatch.chdir(tmp_path)
    ran = 0
    for lang, text in _doc_blocks(doc):
        if lang == "python":
            exec(compile(text, str(doc), "exec"), {})
            ran += 1
            continue
        if lang != "sh":
            continue
        for line in text.splitlines():
            piped: bytes | None = None
            for part in line.split(" | "):
                args = shlex.split(part)
                if args[0] == "mkdir":
                    Path(args[1]).mkdir()
                    continue
                assert args[0] == "points", line
                result = runner.invoke(app, args[1:], input=piped)
                assert result.exit_code == 0, (line, result.output)
                piped = result.stdout_bytes
                ran += 1
    assert ran >= 8
