"""Batch outputs: committed together or not at all, special files written through, one
summary file, each command's own rejects file, byte-identical outputs."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
import threading
import zipfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

import points
import points.batch as pio
from points.batch import _write, rank_file, sample_frame, score_file, write_table
from points.cli import app
from points.errors import OutputError

ON = date(2024, 6, 1)
GZ = "guangzhou/2021"
runner = CliRunner()


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def _list(tmp_path: Path, rows: int = 20, bad: bool = True) -> Path:
    src = tmp_path / "list.csv"
    frame = sample_frame(rows, seed=3, on=ON).with_columns(pl.all().cast(pl.String))
    if bad:  # one rejected row
        frame = frame.with_columns(
            pl.when(pl.int_range(pl.len()) == 2).then(pl.lit("old"))
            .otherwise(pl.col("permit_months")).alias("permit_months"))
    frame.write_csv(src)
    return src


def _old_outputs(tmp_path: Path) -> dict[str, bytes]:
    """Outputs of an earlier run, to be kept when a later one fails."""
    old = {"out.csv": b"old scored\n", "out.rejects.csv": b"old rejects\n",
           "out.summary.json": b"{}\n"}
    for name, data in old.items():
        (tmp_path / name).write_bytes(data)
    return old


# --- the summary file and the names --------------------------------------------------------


def test_summary_file_says_what_the_run_did(tmp_path: Path) -> None:
    src = _list(tmp_path)
    s = score_file(src, None, GZ, on=ON)
    assert s.summary == tmp_path / "list.scored.summary.json"
    data = json.loads(s.summary.read_text(encoding="utf-8"))
    assert (data["rows_read"], data["rows_scored"], data["rows_rejected"]) == (20, 19, 1)
    sched = points.load_schedule(GZ)
    assert data["schedule_id"] == GZ and data["schedule_hash"] == sched.content_hash
    assert data["points_version"] == points.__version__
    assert data["on"] == "2024-06-01"
    assert data["purpose"] == sched.schedule.default_purpose
    assert data["rejects"] == str(tmp_path / "list.scored.rejects.csv")
    assert data["files"] == [{"source": str(src), "first_row": 1, "rows": 20}]


def test_rank_keeps_the_rejects_that_score_wrote(tmp_path: Path) -> None:
    src = _list(tmp_path)
    score_file(src, None, GZ, on=ON)
    scored_rejects = (tmp_path / "list.scored.rejects.csv").read_bytes()
    r = rank_file(src, None, GZ, on=ON, quota=5)
    assert r.rejects == tmp_path / "list.ranked.rejects.csv"
    assert (tmp_path / "list.scored.rejects.csv").read_bytes() == scored_rejects
    assert _files(tmp_path) == {
        "list.csv", "list.scored.csv", "list.scored.rejects.csv", "list.scored.summary.json",
        "list.ranked.csv", "list.ranked.rejects.csv", "list.ranked.summary.json"}
    assert json.loads((tmp_path / "list.ranked.summary.json").read_text())["quota"] == 5


# --- all or nothing -------------------------------------------------------------------------


def test_rejects_path_a_directory_leaves_everything_as_it_was(tmp_path: Path) -> None:
    src = _list(tmp_path)
    old = _old_outputs(tmp_path)
    (tmp_path / "bad").mkdir()
    before = _files(tmp_path)
    with pytest.raises(OutputError, match="bad: is a directory"):
        score_file(src, tmp_path / "out.csv", GZ, on=ON, rejects=tmp_path / "bad")
    assert _files(tmp_path) == before
    assert {n: (tmp_path / n).read_bytes() for n in old} == old


def test_output_path_a_directory_is_refused(tmp_path: Path) -> None:
    src = _list(tmp_path)
    (tmp_path / "out.csv").mkdir()
    with pytest.raises(OutputError, match=r"out\.csv: is a directory"):
        score_file(src, tmp_path / "out.csv", GZ, on=ON)
    assert _files(tmp_path) == {"list.csv", "out.csv"}


def test_disk_full_while_writing_leaves_nothing_new(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    src = _list(tmp_path)
    old = _old_outputs(tmp_path)
    real = _write._Writer._raw_write

    def full(self: _write._Writer, data: bytes) -> None:
        if self.path is not None and self.path.name == "out.rejects.csv" and self.writes:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(self, data)

    monkeypatch.setattr(_write._Writer, "_raw_write", full)
    with pytest.raises(OutputError, match=r"out\.rejects\.csv: cannot write: No space left"):
        score_file(src, tmp_path / "out.csv", GZ, on=ON)
    assert _files(tmp_path) == {"list.csv", *old}
    assert {n: (tmp_path / n).read_bytes() for n in old} == old


def test_disk_full_at_the_end_leaves_nothing_new(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    src = _list(tmp_path)
    old = _old_outputs(tmp_path)
    calls = 0

    def fsync(fd: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:  # the third output made durable: the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OutputError, match="No space left on device"):
        score_file(src, tmp_path / "out.csv", GZ, on=ON)
    assert _files(tmp_path) == {"list.csv", *old}
    assert {n: (tmp_path / n).read_bytes() for n in old} == old


def test_a_refused_rename_puts_back_the_outputs_renamed_before(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _list(tmp_path)
    old = _old_outputs(tmp_path)
    real = os.replace
    renamed: list[str] = []

    def replace(a: str | Path, b: str | Path) -> None:
        if Path(b).name == "out.csv" and str(a).endswith(".part"):
            raise PermissionError(errno.EPERM, os.strerror(errno.EPERM))
        renamed.append(Path(b).name)
        real(a, b)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OutputError, match=r"out\.csv: cannot rename into place"):
        score_file(src, tmp_path / "out.csv", GZ, on=ON)
    # rejects and summary were renamed, then put back
    assert renamed[:2] == ["out.rejects.csv", "out.summary.json"]
    assert _files(tmp_path) == {"list.csv", *old}
    assert {n: (tmp_path / n).read_bytes() for n in old} == old


def test_a_refused_rename_removes_outputs_that_were_new(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _list(tmp_path)
    real = os.replace

    def replace(a: str | Path, b: str | Path) -> None:
        if Path(b).name == "out.csv":
            raise PermissionError(errno.EPERM, os.strerror(errno.EPERM))
        real(a, b)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OutputError):
        score_file(src, tmp_path / "out.csv", GZ, on=ON)
    assert _files(tmp_path) == {"list.csv"}


def test_cli_prints_one_line_when_an_output_cannot_be_written(tmp_path: Path) -> None:
    src = _list(tmp_path)
    (tmp_path / "bad").mkdir()
    result = runner.invoke(app, ["score", str(src), "--on", "2024-06-01",
                                 "--rejects", str(tmp_path / "bad")])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "is a directory" in lines[0]
    assert _files(tmp_path) == {"list.csv", "bad"}


def test_cli_reports_a_system_error_in_one_line(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kw: object) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO), "somewhere")

    monkeypatch.setattr(pio, "score_file", broken)
    result = runner.invoke(app, ["score", str(_list(tmp_path)), "--on", "2024-06-01"])
    assert result.exit_code == 1
    assert result.output.strip() == "error: somewhere: Input/output error"


# --- special files and links -----------------------------------------------------------------


def _drain(fifo: Path, into: list[bytes]) -> threading.Thread:
    def read() -> None:
        with fifo.open("rb") as f:
            into.append(f.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def test_a_fifo_output_is_written_through_not_replaced(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _list(tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = _drain(fifo, got)
    monkeypatch.chdir(tmp_path)
    s = score_file(src, fifo, GZ, on=ON)
    reader.join(10)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still a FIFO
    lines = got[0].decode().splitlines()
    assert lines[0].startswith("row,applicant_id,total") and len(lines) == 1 + 19
    # the rejects and the summary go to the working folder, under the command's name
    assert s.rejects == Path("scored.rejects.csv")
    assert (tmp_path / "scored.rejects.csv").exists()
    assert (tmp_path / "scored.summary.json").exists()
    assert not list(tmp_path.glob("pipe.*"))


def test_write_table_into_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = _drain(fifo, got)
    assert write_table([pl.DataFrame({"a": [1, 2]})], fifo) == 2
    reader.join(10)
    assert got == [b"a\n1\n2\n"]  # no byte-order mark into a pipe
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_symlink_output_replaces_its_target_and_stays_a_link(tmp_path: Path) -> None:
    src = _list(tmp_path)
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "results.csv"
    target.write_text("old\n")
    link = tmp_path / "out.csv"
    link.symlink_to(target)
    s = score_file(src, link, GZ, on=ON)
    assert link.is_symlink() and link.resolve() == target
    assert target.read_text(encoding="utf-8-sig").startswith("row,applicant_id,total")
    # the rejects are named after the link, beside it
    assert s.rejects == tmp_path / "out.rejects.csv"
    assert not [p for p in _files(tmp_path / "real") if p.startswith(".")]


def test_a_symlink_to_a_fifo_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "link.csv"
    link.symlink_to(fifo)
    got: list[bytes] = []
    reader = _drain(fifo, got)
    write_table([pl.DataFrame({"a": [1]})], link)
    reader.join(10)
    assert got == [b"a\n1\n"]
    assert link.is_symlink() and stat.S_ISFIFO(fifo.lstat().st_mode)


# --- byte-identical outputs ---------------------------------------------------------------------


def test_csv_files_start_with_a_bom_unless_told(tmp_path: Path) -> None:
    write_table([pl.DataFrame({"名": ["张三"]})], tmp_path / "a.csv")
    assert (tmp_path / "a.csv").read_bytes() == "\ufeff名\n张三\n".encode()
    write_table([pl.DataFrame({"名": ["张三"]})], tmp_path / "b.csv", bom=False)
    assert (tmp_path / "b.csv").read_bytes() == "名\n张三\n".encode()


def test_xlsx_outputs_are_byte_identical(tmp_path: Path) -> None:
    pytest.importorskip("xlsxwriter")
    frame = sample_frame(30, seed=1, on=ON)
    write_table([frame], tmp_path / "a.xlsx")
    os.utime(tmp_path / "a.xlsx", (0, 0))
    write_table([frame], tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:  # not the time of the run
        core = z.read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core


_RUN = """
import sys
from datetime import date
from points.batch import score_file
score_file(sys.argv[1], sys.argv[2], "guangzhou/2021", on=date(2024, 6, 1), chunk_rows=15_000)
"""


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_outputs_do_not_depend_on_the_thread_count(tmp_path: Path, suffix: str) -> None:
    src = tmp_path / "list.parquet"
    sample_frame(20_000, seed=5, on=ON).write_parquet(src)  # Polars splits frames this big
    outs = []
    for threads in ("1", "2"):
        out = tmp_path / f"t{threads}{suffix}"
        env = {**os.environ, "POLARS_MAX_THREADS": threads}
        subprocess.run([sys.executable, "-c", _RUN, str(src), str(out)], env=env,
                       check=True, timeout=300)
        outs.append(out)
    assert outs[0].read_bytes() == outs[1].read_bytes()
    rejects = [o.with_name(o.stem + ".rejects" + suffix) for o in outs]
    assert rejects[0].read_bytes() == rejects[1].read_bytes()
    summaries = [o.with_name(o.stem + ".summary.json") for o in outs]
    one, two = (json.loads(p.read_text()) for p in summaries)
    assert {k: v for k, v in one.items() if k not in ("output", "rejects")} == \
        {k: v for k, v in two.items() if k not in ("output", "rejects")}


def test_cli_bom_option(tmp_path: Path) -> None:
    with_bom, without = tmp_path / "a.csv", tmp_path / "b.csv"
    assert runner.invoke(app, ["sample", "-n", "3", "-o", str(with_bom)]).exit_code == 0
    assert runner.invoke(app, ["sample", "-n", "3", "-o", str(without),
                               "--no-bom"]).exit_code == 0
    assert with_bom.read_bytes() == b"\xef\xbb\xbf" + without.read_bytes()
    assert not without.read_bytes().startswith(b"\xef\xbb\xbf")
    result = runner.invoke(app, ["score", str(with_bom), "--on", "2024-06-01", "--no-bom"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "a.scored.csv").read_bytes().startswith(b"row,")
    assert (tmp_path / "a.scored.rejects.csv").read_bytes().startswith(b"row,")
