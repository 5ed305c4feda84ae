"""Batch input: rows never silently mishandled (quotes, ages from birth dates, flags in
number columns, files that change while read), Chinese office files, odd line ends, one
clear error for what cannot be read."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import points.batch as pio
from points.batch import _csv as batch_csv
from points.batch import _run as batch_run
from points.batch import _score as batch  # monkeypatched where the file runner calls it
from points.batch import read_table, score_file
from points.cli import app
from points.errors import ApplicantError, InputError
from points.facts import Applicant

ON = date(2024, 6, 1)
GZ = "guangzhou/2021"
runner = CliRunner()


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# --- quotes and line ends ---------------------------------------------------------------------


def test_an_unterminated_quote_refuses_the_file_with_its_line(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text('applicant_id,age\na,30\n"b,31\nc,32\nd,33\n')
    with pytest.raises(InputError, match=re.escape(
            "in.csv: line 3: a quote opens a cell that is never closed")):
        score_file(src, None, GZ, on=ON)
    assert _files(tmp_path) == {"in.csv"}


def test_quotes_that_close_are_fine(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text('applicant_id,age\n"a ""x""",30\n"b\nc",31\n')
    s = score_file(src, None, GZ, on=ON)
    assert (s.rows_read, s.rows_scored) == (2, 2)
    assert pl.read_csv(s.output or "")["applicant_id"].to_list() == ['a "x"', "b\nc"]


@pytest.mark.parametrize("end", [b"\r", b"\r\n", b"\n"])
def test_any_line_end_reads_the_same(tmp_path: Path, end: bytes) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(end.join([b"applicant_id,age,permit_months", b"a,30,12", b"b,40,x",
                              b"c,41,24"]) + end)
    s = score_file(src, None, GZ, on=ON)
    assert (s.rows_read, s.rows_scored, s.rows_rejected) == (3, 2, 1)
    assert pl.read_csv(s.rejects or "")["row"].to_list() == [2]
    assert pl.read_csv(s.output or "")["applicant_id"].to_list() == ["a", "c"]


def test_a_bad_byte_after_lone_cr_line_ends_names_its_line(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(b"age\r30\r31\r\xff\xff\r")
    with pytest.raises(InputError, match="line 4: not valid GB18030"):
        score_file(src, None, GZ, on=ON, encoding="gb18030")


# --- rows that must be rejected -----------------------------------------------------------------


def test_an_age_from_birth_date_obeys_the_age_limit(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("applicant_id,birth_date\nold,1900-01-01\nok,1904-06-01\nyoung,1990-01-01\n")
    s = score_file(src, None, GZ, on=ON)
    assert (s.rows_scored, s.rows_rejected) == (2, 1)
    rejects = pl.read_csv(s.rejects or "")
    assert rejects.select("row", "field", "value").rows() == [(1, "birth_date", "1900-01-01")]
    assert rejects["reason"][0] == "gives an age of 124 on 2024-06-01, above the maximum 120"
    with pytest.raises(ApplicantError, match="gives an age of 124"):
        Applicant.parse({"birth_date": "1900-01-01"}).age_on(ON)
    assert Applicant.parse({"birth_date": "1904-06-01"}).age_on(ON) == 120


def test_a_parquet_flag_in_a_number_column_is_rejected(tmp_path: Path) -> None:
    src = tmp_path / "in.parquet"
    pl.DataFrame({"age": [30, 31, 32], "permit_months": [True, False, None]}).write_parquet(src)
    s = score_file(src, None, GZ, on=ON)
    assert (s.rows_scored, s.rows_rejected) == (1, 2)
    rejects = pl.read_parquet(s.rejects or "")
    assert rejects.select("row", "field", "value").rows() == [
        (1, "permit_months", "true"), (2, "permit_months", "false")]
    assert set(rejects["reason"]) == {"is true/false, not a whole number"}


# --- files that change while read ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_a_file_that_shrinks_while_read_stops_the_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    from points.batch import sample_frame

    src = tmp_path / f"in.{fmt}"
    frame = sample_frame(60, seed=2, on=ON)
    if fmt == "csv":
        frame.write_csv(src)
    elif fmt == "parquet":
        frame.write_parquet(src)
    else:
        frame.write_ndjson(src)
    real = batch.score_frame
    calls = 0

    def truncating(*args: object, **kw: object) -> batch.BatchResult:
        nonlocal calls
        calls += 1
        if calls == 1:  # another program cuts the file while the run reads it
            with src.open("r+b") as f:
                f.truncate(src.stat().st_size * 6 // 7)
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "score_frame", truncating)
    for reader in (batch_run, batch_csv):  # blocks are read in both
        monkeypatch.setattr(reader, "_CSV_BLOCK", 1024)
    with pytest.raises(InputError, match=r"in\.\w+: (the file changed while it was read"
                                         r"|cannot read as Parquet)"):
        score_file(src, tmp_path / f"out.{fmt}", GZ, on=ON, chunk_rows=10)
    assert _files(tmp_path) == {src.name}


def test_a_truncated_parquet_file_is_refused(tmp_path: Path) -> None:
    from points.batch import sample_frame

    src = tmp_path / "in.parquet"
    sample_frame(50, seed=2, on=ON).write_parquet(src)
    data = src.read_bytes()
    src.write_bytes(data[: len(data) * 3 // 4])
    with pytest.raises(InputError, match=r"in\.parquet: cannot read as Parquet"):
        score_file(src, None, GZ, on=ON)
    assert _files(tmp_path) == {"in.parquet"}


# --- Parquet columns that cannot be facts -------------------------------------------------------


def test_parquet_with_a_repeated_column_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "in.parquet"
    table = pa.Table.from_arrays([pa.array([30]), pa.array([31])], names=["age", "age"])
    pq.write_table(table, src)
    with pytest.raises(InputError, match=r"in\.parquet: the file repeats a column \(got 'age'\)"):
        score_file(src, None, GZ, on=ON)


def test_parquet_with_a_list_column_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "in.parquet"
    pl.DataFrame({"age": [30], "permit_months": [[1, 2]]}).write_parquet(src)
    with pytest.raises(InputError, match=r"column permit_months holds (large_)?list<"):
        score_file(src, None, GZ, on=ON)
    # a nested column that is no fact is skipped with --ignore-extra
    pl.DataFrame({"age": [30], "notes": [["a"]]}).write_parquet(src)
    s = score_file(src, None, GZ, on=ON, extra="ignore")
    assert s.rows_scored == 1


def test_cli_one_line_for_parquet_problems(tmp_path: Path) -> None:
    src = tmp_path / "in.parquet"
    pl.DataFrame({"age": [30], "permit_months": [[1, 2]]}).write_parquet(src)
    result = runner.invoke(app, ["score", str(src), "--on", "2024-06-01"])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert result.output.startswith("error:")


# --- Chinese office files ---------------------------------------------------------------------


_GBK_LIST = "applicant_id,age,education,has_permit,permit_months\n张三,30,本科,是,24\n" \
            "李四,40,大专,否,0\n王五,35,硕士研究生,是,12\n"


@pytest.mark.parametrize("codec", ["gbk", "gb18030"])
def test_gbk_csv_is_detected_and_read(tmp_path: Path, codec: str) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(_GBK_LIST.encode(codec))
    s = score_file(src, None, GZ, on=ON)
    assert (s.rows_read, s.rows_scored, s.rows_rejected) == (3, 3, 0)
    out = pl.read_csv(s.output or "")
    assert out["applicant_id"].to_list() == ["张三", "李四", "王五"]
    utf8 = tmp_path / "utf8.csv"
    utf8.write_text(_GBK_LIST, encoding="utf-8")
    same = score_file(utf8, None, GZ, on=ON)
    assert pl.read_csv(same.output or "").equals(out)


def test_gbk_detected_when_only_a_late_row_is_chinese(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    for reader in (batch_run, batch_csv):  # blocks are read in both
        monkeypatch.setattr(reader, "_CSV_BLOCK", 64)
    rows = "".join(f"id{i},30\n" for i in range(40)) + "张三,31\n"
    src = tmp_path / "in.csv"
    src.write_bytes(("applicant_id,age\n" + rows).encode("gbk"))
    s = score_file(src, None, GZ, on=ON)
    assert s.rows_scored == 41
    assert pl.read_csv(s.output or "")["applicant_id"][-1] == "张三"


def test_an_encoding_can_be_named(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(_GBK_LIST.encode("gbk"))
    s = score_file(src, None, GZ, on=ON, encoding="GBK")
    assert s.rows_scored == 3
    with pytest.raises(InputError, match="unknown text encoding"):
        score_file(src, None, GZ, on=ON, encoding="klingon")


def test_a_file_invalid_in_the_named_encoding_is_refused_whole(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(_GBK_LIST.encode("gbk"))
    with pytest.raises(InputError, match=re.escape("in.csv: line 2: not valid UTF-8 text")):
        score_file(src, None, GZ, on=ON, encoding="utf-8")
    assert _files(tmp_path) == {"in.csv"}


def test_gbk_on_standard_input_is_detected(tmp_path: Path) -> None:
    import io

    s = score_file(io.BytesIO(_GBK_LIST.encode("gb18030")), tmp_path / "out.csv", GZ, on=ON,
                   format="csv")
    assert s.rows_scored == 3


def test_cli_encoding_option(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(_GBK_LIST.encode("gbk"))
    result = runner.invoke(app, ["score", str(src), "--on", "2024-06-01",
                                 "--encoding", "gb18030"])
    assert result.exit_code == 0, result.output
    assert "3 scored rows" in result.output
    result = runner.invoke(app, ["rank", str(src), "--on", "2024-06-01", "--quota", "1",
                                 "--encoding", "utf-8"])
    assert result.exit_code == 1
    assert "line 2: not valid UTF-8" in result.output


def test_read_table_reads_gbk(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(_GBK_LIST.encode("gbk"))
    table, unreadable = read_table(src)
    assert table["applicant_id"].to_list() == ["张三", "李四", "王五"] and unreadable == 0


def test_chinese_level_names_and_flags_score_as_their_values() -> None:
    chinese = pl.DataFrame({
        "age": ["30", "30", "30", "30"],
        "education": ["本科", "本科及学士学位", "大专", "硕士"],
        "has_permit": ["是", "否", "是", "是"],
        "skill_grade": ["初级工", "五级", "技师", "无技能等级"],
        "housing": ["登记租赁住房", "自有住房", "单位宿舍", "无"],
    })
    english = pl.DataFrame({
        "age": ["30", "30", "30", "30"],
        "education": ["bachelor", "bachelor_degree", "associate", "master"],
        "has_permit": ["true", "false", "true", "true"],
        "skill_grade": ["level5", "level5", "level2", "none"],
        "housing": ["rental", "owned", "dormitory", "none"],
    })
    zh = batch.score_frame(chinese, GZ, on=ON)
    en = batch.score_frame(english, GZ, on=ON)
    assert zh.rejects.height == 0
    assert zh.scored.equals(en.scored)
    for zrow, erow in zip(chinese.iter_rows(named=True), english.iter_rows(named=True),
                          strict=True):
        assert Applicant.parse(zrow) == Applicant.parse(erow)


def test_unknown_chinese_words_are_still_rejected() -> None:
    res = batch.score_frame(pl.DataFrame({"age": ["30"], "education": ["大学"],
                                          "has_permit": ["对"]}), GZ, on=ON)
    assert sorted(res.rejects["field"].to_list()) == ["education", "has_permit"]
    with pytest.raises(ApplicantError, match="education"):
        Applicant.parse({"age": 30, "education": "大学"})


# --- stopping quietly, limits -----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("args", [["sample", "-n", "20000"],
                                  ["score", "-", "--format", "csv", "-o", "-",
                                   "--on", "2024-06-01", "--rejects", "REJ"]])
def test_a_closed_pipe_ends_quietly(tmp_path: Path, args: list[str]) -> None:
    import subprocess
    import sys
    import threading

    src = tmp_path / "in.csv"
    subprocess.run([sys.executable, "-m", "points.cli", "sample", "-n", "20000", "-o",
                    str(src)], check=True, timeout=300, cwd=tmp_path)
    args = [a.replace("REJ", str(tmp_path / "rej.csv")) for a in args]
    # stderr to a file, not a pipe (a full pipe nobody reads would stall both sides), and
    # a watchdog: a run that never writes or never ends is killed, the test fails
    errors = tmp_path / "stderr.txt"
    with src.open("rb") as stdin, errors.open("wb") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "points.cli", *args], stdin=stdin,
                                stdout=subprocess.PIPE, stderr=stderr, cwd=tmp_path)
        watchdog = threading.Timer(300, proc.kill)
        watchdog.start()
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline()  # like `head -1`
            proc.stdout.close()
            code = proc.wait(timeout=300)
        finally:
            watchdog.cancel()
    err = errors.read_bytes()
    assert first
    assert code == 141
    assert b"Traceback" not in err and b"BrokenPipe" not in err
    assert not list(tmp_path.glob(".*.part"))
    assert not (tmp_path / "rej.csv").exists()  # the run did not finish: nothing committed


def test_a_negative_lottery_seed_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("age\n30\n")
    with pytest.raises(InputError, match="seed"):
        pio.rank_file(src, None, GZ, on=ON, seed=-1)
    result = runner.invoke(app, ["rank", str(src), "--on", "2024-06-01", "--seed", "-1"])
    assert result.exit_code == 2  # a usage error: --seed takes 0 or more
    assert _files(tmp_path) == {"in.csv"}


def test_out_of_memory_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def huge(*args: object, **kw: object) -> None:
        raise MemoryError

    monkeypatch.setattr(pio, "score_file", huge)
    src = tmp_path / "in.csv"
    src.write_text("age\n30\n")
    result = runner.invoke(app, ["score", str(src), "--on", "2024-06-01"])
    assert result.exit_code == 1
    assert result.output.startswith("error: out of memory")
    assert len(result.output.strip().splitlines()) == 1


def test_environment_is_not_needed_for_reading(tmp_path: Path) -> None:
    """The reader never needs a terminal or a locale: it reads bytes."""
    src = tmp_path / "in.csv"
    src.write_bytes("age,applicant_id\n30,é\n".encode())
    env_before = dict(os.environ)
    s = score_file(src, None, GZ, on=ON)
    assert s.rows_scored == 1 and dict(os.environ) == env_before


def test_diff_reads_a_gbk_population(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(_GBK_LIST.encode("gbk"))
    result = runner.invoke(app, ["diff", "guangzhou/2018", "guangzhou/2021", "--population",
                                 str(src), "--on", "2021-11-01", "--encoding", "gbk"])
    assert result.exit_code == 0, result.output
    assert ": 3 applicants" in result.output


def test_a_negative_seed_in_a_schedule_is_refused_at_load() -> None:
    from points.errors import ScheduleValidationError
    from test_ranking import TIES, schedule

    assert schedule(TIES + 'final = "lottery"\nseed = 0').ranking is not None
    with pytest.raises(ScheduleValidationError, match=r"ranking\.seed"):
        schedule(TIES + 'final = "lottery"\nseed = -1')


# --- progress counts rows scored -----------------------------------------------------------------


def test_progress_counts_rows_scored_against_the_rows_in_a_csv(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("age,permit_months\n" + "30,12\n" * 24 + "31,x\n")  # 25 rows, 1 rejected
    seen: list[tuple[int, int | None]] = []
    score_file(src, None, GZ, on=ON, chunk_rows=10,
               progress=lambda rows, total: seen.append((rows, total)))
    assert seen == [(10, 25), (20, 25), (25, 25)]


def test_progress_total_grows_when_the_line_count_was_short(tmp_path: Path) -> None:
    # a line break inside a quote: 3 lines after the header, 2 rows; the estimate (3) is
    # never below the rows done, and each file's count is exact once it is read
    folder = tmp_path / "lists"
    folder.mkdir()
    (folder / "a.csv").write_text('applicant_id,age\n"x\ny",30\nz,31\n')
    (folder / "b.jsonl").write_text("")  # another format: ignored with --format csv
    (folder / "c.csv").write_text("applicant_id,age\nw,32\n")
    seen: list[tuple[int, int | None]] = []
    s = score_file(folder, None, GZ, on=ON, format="csv",
                   progress=lambda rows, total: seen.append((rows, total)))
    assert s.rows_read == 3
    assert seen == [(2, 4), (3, 3)]


def test_progress_has_no_total_for_a_stream(tmp_path: Path) -> None:
    import io

    seen: list[tuple[int, int | None]] = []
    score_file(io.BytesIO(b"age\n30\n31\n"), tmp_path / "o.csv", GZ, on=ON, format="csv",
               progress=lambda rows, total: seen.append((rows, total)))
    assert seen == [(2, None)]


def test_a_csv_cut_mid_row_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(b"applicant_id,age,permit_months\na,30,12\nb,40")
    with pytest.raises(InputError, match=re.escape(
            "in.csv: line 3: the file ends inside a row (has 2 fields; the header has 3)")):
        score_file(src, None, GZ, on=ON)
    assert _files(tmp_path) == {"in.csv"}
    # a short last row that ends its line is a rejected row; a whole last row with no
    # line end is fine
    src.write_bytes(b"applicant_id,age,permit_months\na,30,12\nb,40\n")
    assert score_file(src, None, GZ, on=ON).rows_rejected == 1
    src.write_bytes(b"applicant_id,age,permit_months\na,30,12\nb,40,1")
    assert score_file(src, None, GZ, on=ON).rows_scored == 2


def test_utf8_with_one_bad_byte_is_refused_not_read_as_gb18030(tmp_path: Path) -> None:
    # GB18030 would decode these UTF-8 bytes as other characters without an error
    src = tmp_path / "in.csv"
    src.write_bytes("applicant_id,age\n张三,30\n李四,31\n".encode() + b"w\xff,32\n")
    with pytest.raises(InputError, match=re.escape("in.csv: line 4: not valid")):
        score_file(src, None, GZ, on=ON)
    assert _files(tmp_path) == {"in.csv"}


def test_a_fifo_input_is_read_once(tmp_path: Path) -> None:
    import threading

    fifo = tmp_path / "in.csv"
    os.mkfifo(fifo)

    def feed() -> None:
        with fifo.open("wb") as f:
            f.write(_GBK_LIST.encode("utf-8"))

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    s = score_file(fifo, tmp_path / "out.csv", GZ, on=ON)
    writer.join(10)
    assert (s.rows_read, s.rows_scored) == (3, 3)
