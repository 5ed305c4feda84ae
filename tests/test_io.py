"""Batch I/O: formats, directories, stdin, rejects, nothing lost, atomic writes, streaming."""

from __future__ import annotations

import io
import json
import re
import sys
import types
from datetime import date
from pathlib import Path

import attrs
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import points.batch as pio
from points.batch import _csv as batch_csv
from points.batch import _run as batch_run
from points.batch import _score as batch  # monkeypatched where the file runner calls it
from points.batch import neutralise_formulas, sample_frame, score_file, write_table
from points.errors import InputError, OutputError, PointsError

ON = date(2024, 6, 1)
GZ = "guangzhou/2021"


def _frame(rows: int = 40, seed: int = 7) -> pl.DataFrame:
    return sample_frame(rows, seed=seed, on=ON)


def _text(frame: pl.DataFrame) -> pl.DataFrame:
    """A frame as a CSV reader with every column as text would give it."""
    return frame.with_columns(pl.all().cast(pl.String))


def _expected(frame: pl.DataFrame, offset: int = 1) -> pl.DataFrame:
    """The scored rows, points as exact decimals, as `score_frame` gives them in memory."""
    return batch.score_frame(frame, GZ, on=ON, row_offset=offset).points()


def _parquet(frame: pl.DataFrame) -> pl.DataFrame:
    """Points as Parquet outputs hold them: decimals of 18 digits."""
    return frame.with_columns(pl.col(pl.Decimal).cast(pl.Decimal(18, 2)))


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# --- formats ------------------------------------------------------------------------------


def test_csv_round_trip(tmp_path: Path) -> None:
    frame = _frame()
    src = tmp_path / "list.csv"
    frame.write_csv(src)
    s = score_file(src, None, GZ, on=ON)
    assert s.output == tmp_path / "list.scored.csv"
    assert s.rejects == tmp_path / "list.scored.rejects.csv"
    assert (s.rows_read, s.rows_scored, s.rows_rejected) == (40, 40, 0)
    got = pl.read_csv(s.output, infer_schema=False)
    want = _expected(_text(frame))
    assert got["row"].to_list() == [str(i) for i in range(1, 41)]
    assert got["applicant_id"].to_list() == frame["applicant_id"].to_list()
    assert got["total"].to_list() == want["total"].cast(pl.String).to_list()
    # list columns are joined with ";" in CSV
    assert got["tiers"].to_list() == want["tiers"].list.join(";").to_list()
    rejects = pl.read_csv(s.rejects)
    assert rejects.columns == list(pio.REJECT_COLUMNS) and rejects.height == 0
    # tier counts: applicants per tier, counted from the scored rows
    want_tiers = want["tiers"].explode().drop_nulls().value_counts()
    assert s.tiers == dict(want_tiers.iter_rows())


def test_parquet_round_trip_keeps_types(tmp_path: Path) -> None:
    frame = _frame()
    src = tmp_path / "list.parquet"
    frame.write_parquet(src)
    s = score_file(src, tmp_path / "out.parquet", GZ, on=ON)
    assert s.rejects == tmp_path / "out.rejects.parquet"
    got = pl.read_parquet(tmp_path / "out.parquet")
    assert got.schema["total"] == pl.Decimal(18, 2)  # points: 18 digits, 2 places
    assert_frame_equal(got, _parquet(_expected(frame)))
    assert pl.read_parquet(s.rejects).height == 0


def test_jsonl_round_trip(tmp_path: Path) -> None:
    frame = _frame()
    src = tmp_path / "list.jsonl"
    frame.write_ndjson(src)
    s = score_file(src, None, GZ, on=ON)
    assert s.output == tmp_path / "list.scored.jsonl"
    lines = [json.loads(x) for x in s.output.read_text().splitlines()]
    want = _expected(frame)
    assert [x["row"] for x in lines] == list(range(1, 41))
    assert [str(x["total"]) for x in lines] == want["total"].cast(pl.String).to_list()
    assert [x["tiers"] for x in lines] == want["tiers"].to_list()


def test_excel_round_trip(tmp_path: Path) -> None:
    # Polars reads with fastexcel and writes with xlsxwriter: both come with the dev extra
    frame = _frame(12)
    src = tmp_path / "list.xlsx"
    frame.write_excel(src)  # birth_date as real Excel date cells
    s = score_file(src, None, GZ, on=ON)
    assert (s.rows_read, s.rows_scored, s.rows_rejected) == (12, 12, 0)
    got = pl.read_excel(tmp_path / "list.scored.xlsx")
    want = _expected(frame)
    assert got["row"].to_list() == list(range(1, 13))
    assert [str(x) for x in got["applicant_id"]] == want["applicant_id"].to_list()
    assert got["total"].cast(pl.Float64).to_list() == want["total"].cast(pl.Float64).to_list()


def test_output_format_from_suffix_or_told(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    _frame(5).write_csv(src)
    s = score_file(src, tmp_path / "a.parquet", GZ, on=ON)
    assert pl.read_parquet(s.output or "").height == 5
    assert s.rejects == tmp_path / "a.rejects.parquet"
    s = score_file(src, tmp_path / "b.out", GZ, on=ON, output_format="jsonl")
    assert len((tmp_path / "b.out").read_text().splitlines()) == 5
    s = score_file(src, tmp_path / "c.csv", GZ, on=ON, rejects=tmp_path / "bad.jsonl")
    assert s.rejects == tmp_path / "bad.jsonl" and (tmp_path / "bad.jsonl").exists()
    with pytest.raises(OutputError, match="replace the input"):
        score_file(src, src, GZ, on=ON)
    with pytest.raises(OutputError, match="must differ"):
        score_file(src, tmp_path / "d.csv", GZ, on=ON, rejects=tmp_path / "d.csv")


def test_directory_rows_continue_across_files(tmp_path: Path) -> None:
    frame = _frame(30)
    folder = tmp_path / "lists"
    folder.mkdir()
    # sorted order a, b, c; the second file has a bad row (its 2nd row: row 12 in all)
    frame.slice(0, 10).write_csv(folder / "a.csv")
    bad = _text(frame.slice(10, 10)).with_columns(
        pl.when(pl.int_range(pl.len()) == 1).then(pl.lit("castle"))
        .otherwise(pl.col("housing")).alias("housing"))
    bad.write_csv(folder / "b.csv")
    frame.slice(20, 10).write_csv(folder / "c.csv")
    (folder / "notes.txt").write_text("not a list")
    s = score_file(folder, None, GZ, on=ON)
    assert s.output == tmp_path / "lists.scored.csv"
    assert [(Path(n).name, first, n_rows) for n, first, n_rows in s.files] == [
        ("a.csv", 1, 10), ("b.csv", 11, 10), ("c.csv", 21, 10)]
    got = pl.read_csv(s.output, infer_schema=False)
    assert got["row"].to_list() == [str(i) for i in range(1, 31) if i != 12]
    assert got["applicant_id"].to_list() == [
        a for i, a in enumerate(frame["applicant_id"], 1) if i != 12]
    rejects = pl.read_csv(s.rejects or "")
    assert rejects.select("row", "field", "value").rows() == [(12, "housing", "castle")]
    assert Path(rejects["source"][0]).name == "b.csv"


def test_directory_of_mixed_formats_is_refused(tmp_path: Path) -> None:
    _frame(3).write_csv(tmp_path / "a.csv")
    _frame(3).write_parquet(tmp_path / "b.parquet")
    with pytest.raises(InputError, match="one format"):
        score_file(tmp_path, tmp_path / "out.csv", GZ, on=ON)
    # naming the format picks those files only
    s = score_file(tmp_path, tmp_path / "out.csv", GZ, on=ON, format="parquet")
    assert s.rows_read == 3 and [Path(f[0]).name for f in s.files] == ["b.parquet"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no CSV"):
        score_file(empty, tmp_path / "x.csv", GZ, on=ON)


def test_stdin_and_streams(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    frame = _frame(8)
    data = io.BytesIO()
    frame.write_csv(data)
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO(data.getvalue())))
    with pytest.raises(InputError, match="--format"):
        score_file("-", tmp_path / "o.csv", GZ, on=ON)
    s = score_file("-", tmp_path / "o.csv", GZ, on=ON, format="csv")
    assert s.rows_scored == 8 and s.files[0][0] == "<stdin>"
    # a binary stream; Parquet needs no seekable input
    pq = io.BytesIO()
    frame.write_parquet(pq)
    pq.seek(0)
    s = score_file(pq, tmp_path / "p.parquet", GZ, on=ON, format="parquet")
    assert_frame_equal(pl.read_parquet(tmp_path / "p.parquet"), _parquet(_expected(frame)))


def test_stdout_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                       capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    src = tmp_path / "list.csv"
    _frame(4).write_csv(src)
    monkeypatch.chdir(tmp_path)
    s = score_file(src, "-", GZ, on=ON)
    assert s.output is None and s.rejects == Path("scored.rejects.csv")
    out = capfdbinary.readouterr().out.decode()
    assert out.splitlines()[0].startswith("row,applicant_id,total")
    assert len(out.splitlines()) == 5
    with pytest.raises(OutputError, match="standard output"):
        score_file(src, "-", GZ, on=ON, output_format="parquet")


def test_write_false_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    _frame(4).write_csv(src)
    s = score_file(src, None, GZ, on=ON, write=False)
    assert s.rows_scored == 4 and s.output is None and s.rejects is None
    assert _files(tmp_path) == {"list.csv"}


# --- rejects and nothing lost ---------------------------------------------------------------


def test_rejects_name_row_field_value_and_reason(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    src.write_text(
        "applicant_id,birth_date,housing,permit_months\n"
        "A1,1990-01-01,rental,12\n"             # row 1: fine
        "A2,1990-01-01,castle,12\n"             # row 2: unknown level
        "A3,1990-01-01,rental,12,extra\n"       # row 3: one field too many
        "A4,1990-01-01,rental,-3\n"             # row 4: negative months
        "A5,,rental,12\n"                       # row 5: neither age nor birth date
        'A6,1990-01-01,"=HYPERLINK(""x"")",1\n'  # row 6: a formula as a level
        "A7,1990-01-01,owned,abc\n"             # row 7: not a number
        "A8,1990-01-01,rental\n",               # row 8: one field too few
        encoding="utf-8")
    s = score_file(src, None, GZ, on=ON)
    assert (s.rows_read, s.rows_scored, s.rows_rejected) == (8, 1, 7)
    r = pl.read_csv(s.rejects or "", infer_schema=False)
    by_row = {int(row): (field, value) for row, field, value in
              r.select("row", "field", "value").iter_rows()}
    assert by_row == {
        2: ("housing", "castle"),
        3: ("(row)", "A3,1990-01-01,rental,12,extra"),
        4: ("permit_months", "-3"),
        5: ("age", None),
        6: ("housing", "'=HYPERLINK(\"x\")"),  # neutralised in the CSV rejects file
        7: ("permit_months", "abc"),
        8: ("(row)", "A8,1990-01-01,rental"),
    }
    reasons = dict(zip(r["row"].cast(pl.Int64), r["reason"], strict=True))
    assert reasons[3] == "has 5 fields; the header has 4"
    assert reasons[8] == "has 3 fields; the header has 4"
    assert set(r["source"]) == {str(src)}


def _corrupt_csv(frame: pl.DataFrame, path: Path) -> set[int]:
    """Write `frame` as CSV with many kinds of bad rows; return the bad row numbers."""
    text = _text(frame)
    header = ",".join(text.columns)
    col = {c: i for i, c in enumerate(text.columns)}
    bad_cells = [
        ("residence_months", "abc"), ("permit_months", "-3"), ("rental_months", "5000"),
        ("housing", "castle"), ("has_permit", "maybe"), ("birth_date", "2024-13-45"),
        ("birth_date", ""), ("birth_date", "2030-01-01"),
        ("invention_patent_share", "1/0"), ("insurance_base_ratio", "1.23456"),
        ("education", "=1+1"), ("pension_months", "1.5"),
    ]
    lines, bad = [header], set()
    for i, values in enumerate(text.iter_rows(), start=1):
        cells = ["" if v is None else v for v in values]
        kind = i % 17
        if kind < len(bad_cells):
            name, value = bad_cells[kind]
            cells[col[name]] = value
            bad.add(i)
        elif kind == len(bad_cells):
            cells.append("surplus")
            bad.add(i)
        elif kind == len(bad_cells) + 1:
            cells = cells[:-2]
            bad.add(i)
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return bad


@pytest.mark.parametrize("chunk_rows", [7, 50, 100_000])
def test_nothing_lost_csv(tmp_path: Path, chunk_rows: int,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    for reader in (batch_run, batch_csv):  # blocks are read in both
        monkeypatch.setattr(reader, "_CSV_BLOCK", 2048)  # many blocks, bad rows across their edges
    frame = _frame(170, seed=3)
    bad = _corrupt_csv(frame, tmp_path / "in.csv")
    s = score_file(tmp_path / "in.csv", None, GZ, on=ON, chunk_rows=chunk_rows)
    scored = set(pl.read_csv(s.output or "")["row"])
    rejected = set(pl.read_csv(s.rejects or "")["row"])
    assert not scored & rejected
    assert scored | rejected == set(range(1, 171))
    assert rejected == bad
    assert (s.rows_read, s.rows_scored, s.rows_rejected) == (170, 170 - len(bad), len(bad))


def test_nothing_lost_jsonl(tmp_path: Path) -> None:
    frame = _text(_frame(60, seed=4))
    lines, bad = [], set()
    for i, rec in enumerate(frame.iter_rows(named=True), start=1):
        kind = i % 9
        line = json.dumps(rec)
        if kind == 1:
            line = line[:-5]  # cut short: invalid JSON
        elif kind == 2:
            line = json.dumps([rec["applicant_id"]])  # not an object
        elif kind == 3:
            line = json.dumps({**rec, "nickname": "x"})  # not a fact
        elif kind == 4:
            line = json.dumps({**rec, "permit_months": {"years": 2}})  # nested value
        elif kind == 5:
            line = json.dumps({**rec, "birth_date": None})  # no age, no birth date
        if kind in (1, 2, 3, 4, 5):
            bad.add(i)
        lines.append(line)
        if i % 10 == 0:
            lines.append("")  # blank lines are not rows
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    s = score_file(tmp_path / "in.jsonl", None, GZ, on=ON, chunk_rows=7)
    scored = {json.loads(x)["row"] for x in (s.output or Path()).read_text().splitlines()}
    r = [json.loads(x) for x in (s.rejects or Path()).read_text().splitlines()]
    rejected = {x["row"] for x in r}
    assert not scored & rejected and scored | rejected == set(range(1, 61))
    assert rejected == bad
    assert {x["field"] for x in r if x["row"] % 9 == 3} == {"nickname"}
    # a bad line's reason names its line in the file (blank lines shift lines, not rows)
    first_bad = next(x for x in r if x["row"] == 1)
    assert first_bad["field"] == "(row)" and first_bad["reason"].startswith("line 1: invalid")
    row_19 = next(x for x in r if x["row"] == 19)
    assert row_19["reason"].startswith("line 20:")


def test_jsonl_bulk_and_line_by_line_reading_agree(tmp_path: Path) -> None:
    """A clean block is read by Polars in one go; a block with one bad line is read line by
    line: the rows they share score the same."""
    frame = _frame(30, seed=8)
    frame.write_ndjson(tmp_path / "clean.jsonl")
    text = (tmp_path / "clean.jsonl").read_text()
    (tmp_path / "dirty.jsonl").write_text(text + "{not json\n")
    clean = score_file(tmp_path / "clean.jsonl", tmp_path / "clean.parquet", GZ, on=ON)
    dirty = score_file(tmp_path / "dirty.jsonl", tmp_path / "dirty.parquet", GZ, on=ON)
    assert (clean.rows_read, dirty.rows_read, dirty.rows_rejected) == (30, 31, 1)
    assert_frame_equal(pl.read_parquet(tmp_path / "clean.parquet"),
                       pl.read_parquet(tmp_path / "dirty.parquet"))
    # a number too long for a float keeps its exact text (and is judged on it)
    long = text.replace('"insurance_base_ratio":"', '"insurance_base_ratio":', 1)
    long = long.replace('","rd_high_tech_months"', '0000000000001,"rd_high_tech_months"', 1)
    (tmp_path / "long.jsonl").write_text(long)
    s = score_file(tmp_path / "long.jsonl", tmp_path / "long.parquet", GZ, on=ON)
    r = pl.read_parquet(s.rejects or "")
    assert r.select("row", "field").rows() == [(1, "insurance_base_ratio")]
    assert (r["value"][0] or "").endswith("0000000000001")


def test_extra_columns_refused_or_ignored(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    _frame(3).with_columns(nickname=pl.lit("x")).write_csv(src)
    with pytest.raises(InputError, match="nickname") as info:
        score_file(src, None, GZ, on=ON)
    assert str(src) in str(info.value)
    assert _files(tmp_path) == {"in.csv"}
    s = score_file(src, None, GZ, on=ON, extra="ignore")
    assert s.rows_scored == 3


# --- unreadable input, atomic output -----------------------------------------------------------


def test_unreadable_inputs_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file") as info:
        score_file(tmp_path / "missing.csv", None, GZ, on=ON)
    assert "missing.csv" in str(info.value)
    (tmp_path / "list.txt").write_text("a,b\n")
    with pytest.raises(InputError, match="--format"):
        score_file(tmp_path / "list.txt", None, GZ, on=ON)
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(InputError, match=re.escape("empty.csv: no header")):
        score_file(tmp_path / "empty.csv", None, GZ, on=ON)
    (tmp_path / "junk.csv").write_bytes(b"age\n30\n\xff\xff\n")
    with pytest.raises(InputError, match=re.escape(
            "junk.csv: line 3: not valid UTF-8 or GB18030 (name it with --encoding) text")):
        score_file(tmp_path / "junk.csv", None, GZ, on=ON)
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match=re.escape("bad.parquet: cannot read as Parquet")):
        score_file(tmp_path / "bad.parquet", None, GZ, on=ON)
    assert not [p for p in _files(tmp_path) if "scored" in p or "rejects" in p]


def test_header_only_csv_writes_empty_outputs(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("applicant_id,birth_date\n")
    s = score_file(src, None, GZ, on=ON)
    assert (s.rows_read, s.rows_scored, s.rows_rejected) == (0, 0, 0)
    assert pl.read_csv(s.output or "").height == 0
    assert pl.read_csv(s.rejects or "").columns == list(pio.REJECT_COLUMNS)


def test_failure_mid_run_leaves_no_output(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "in.csv"
    _frame(50).write_csv(src)
    out = tmp_path / "out.csv"
    out.write_text("yesterday's results\n")
    real = batch.score_frame
    calls = 0

    def failing(*args: object, **kw: object) -> batch.BatchResult:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt  # as if the run were stopped by hand
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "score_frame", failing)
    with pytest.raises(KeyboardInterrupt):
        score_file(src, out, GZ, on=ON, chunk_rows=10)
    assert calls == 3
    assert out.read_text() == "yesterday's results\n"  # untouched
    assert _files(tmp_path) == {"in.csv", "out.csv"}  # no rejects, no .part left


def test_unreadable_row_mid_file_leaves_no_output(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for reader in (batch_run, batch_csv):  # blocks are read in both
        monkeypatch.setattr(reader, "_CSV_BLOCK", 1024)
    src = tmp_path / "in.csv"
    _frame(40).write_csv(src)
    data = src.read_bytes()
    src.write_bytes(data[: len(data) - 300] + b"\xff\xfe" + data[len(data) - 300:])
    with pytest.raises(InputError, match=re.escape("in.csv: line 40: not valid UTF-8 or")):
        score_file(src, tmp_path / "out.csv", GZ, on=ON, chunk_rows=5)
    assert _files(tmp_path) == {"in.csv"}


def test_a_lost_row_stops_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If scoring ever dropped a row, the run fails and no output gets its name."""
    src = tmp_path / "in.csv"
    _frame(10).write_csv(src)
    real = batch.score_frame

    def dropping(*args: object, **kw: object) -> batch.BatchResult:
        res = real(*args, **kw)  # type: ignore[arg-type]
        return attrs.evolve(res, scored=res.scored.slice(1))

    monkeypatch.setattr(batch, "score_frame", dropping)
    with pytest.raises(PointsError, match="10 rows read, 9 scored, 0 rejected"):
        score_file(src, None, GZ, on=ON)
    assert _files(tmp_path) == {"in.csv"}


def test_outputs_are_renamed_only_when_whole(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "in.csv"
    _frame(30).write_csv(src)
    seen: list[set[str]] = []
    real = batch.score_frame

    def watching(*args: object, **kw: object) -> batch.BatchResult:
        seen.append(_files(tmp_path))
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "score_frame", watching)
    score_file(src, tmp_path / "out.parquet", GZ, on=ON, chunk_rows=10)
    assert len(seen) == 3
    for names in seen:  # during the run: only hidden .part files beside the input
        assert {n for n in names if not n.startswith(".")} == {"in.csv"}
        assert all(n.endswith(".part") for n in names if n.startswith("."))
    assert _files(tmp_path) == {"in.csv", "out.parquet", "out.rejects.parquet",
                                "out.summary.json"}


# --- spreadsheet safety -------------------------------------------------------------------------


def test_neutralise_formulas() -> None:
    frame = pl.DataFrame({
        "text": ["=1+1", "+1", "-10", "-10+A1", "@SUM(A1)", "\tx", "\rx", "1.5e3", "a=b",
                 "-", None, "+.5"],
        "n": [-10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1],
    })
    got = neutralise_formulas(frame)
    assert got["text"].to_list() == [
        "'=1+1", "+1", "-10", "'-10+A1", "'@SUM(A1)", "'\tx", "'\rx", "1.5e3", "a=b",
        "'-", None, "+.5"]
    assert got["n"].to_list() == frame["n"].to_list()  # numbers stay numbers


def test_csv_output_neutralises_text_cells(tmp_path: Path) -> None:
    frame = _frame(3).with_columns(
        applicant_id=pl.Series(["=cmd|' /C calc'!A0", "@SUM(1)", "-7"]))
    frame.write_parquet(tmp_path / "in.parquet")
    score_file(tmp_path / "in.parquet", tmp_path / "out.csv", GZ, on=ON)
    got = pl.read_csv(tmp_path / "out.csv", infer_schema=False)
    assert got["applicant_id"].to_list() == ["'=cmd|' /C calc'!A0", "'@SUM(1)", "-7"]
    # Parquet keeps the text as it was
    score_file(tmp_path / "in.parquet", tmp_path / "out.parquet", GZ, on=ON)
    assert pl.read_parquet(tmp_path / "out.parquet")["applicant_id"].to_list() == \
        frame["applicant_id"].to_list()


# --- streaming ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_chunks_give_the_same_result_as_one(tmp_path: Path, fmt: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    for reader in (batch_run, batch_csv):  # blocks are read in both
        monkeypatch.setattr(reader, "_CSV_BLOCK", 4096)
    frame = _frame(120, seed=11)
    bad = _text(frame).with_columns(  # rows 5, 50, 95 are bad, so chunks mix good and bad
        pl.when(pl.int_range(pl.len()) % 45 == 4).then(pl.lit("castle"))
        .otherwise(pl.col("housing")).alias("housing"))
    src = tmp_path / f"in.{fmt}"
    write_table([bad], src)
    calls = 0
    real = batch.score_frame

    def counting(*args: object, **kw: object) -> batch.BatchResult:
        nonlocal calls
        calls += 1
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "score_frame", counting)
    one = score_file(src, tmp_path / "one.parquet", GZ, on=ON)
    assert calls == 1
    many = score_file(src, tmp_path / "many.parquet", GZ, on=ON, chunk_rows=16)
    assert calls > 1 + 120 // 16
    assert (one.rows_read, one.rows_scored, one.rows_rejected) == \
        (many.rows_read, many.rows_scored, many.rows_rejected) == (120, 117, 3)
    assert one.tiers == many.tiers
    assert_frame_equal(pl.read_parquet(tmp_path / "one.parquet"),
                       pl.read_parquet(tmp_path / "many.parquet"))
    assert_frame_equal(pl.read_parquet(tmp_path / "one.rejects.parquet"),
                       pl.read_parquet(tmp_path / "many.rejects.parquet"))


def test_progress_is_reported(tmp_path: Path) -> None:
    src = tmp_path / "in.parquet"
    _frame(30).write_parquet(src)
    seen: list[tuple[int, int | None]] = []
    score_file(src, None, GZ, on=ON, chunk_rows=10,
               progress=lambda rows, total: seen.append((rows, total)))
    assert seen == [(10, 30), (20, 30), (30, 30)]


# --- ranking ------------------------------------------------------------------------------


def test_rank_file_writes_ranked_list(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    _frame(40).write_csv(src)
    s = pio.rank_file(src, None, GZ, on=ON, quota=5)
    assert s.ranked and s.output == tmp_path / "in.ranked.csv"
    got = pl.read_csv(s.output)
    assert {"rank", "admitted"} <= set(got.columns) and got.height == 40
    assert s.admitted == got["admitted"].sum() and s.quota == 5
    assert s.cutoff is not None
    admitted = got.filter(pl.col("admitted"))["group.base"]  # the ranking key (base score)
    assert float(s.cutoff) == admitted.min()
