"""Every bundled schedule loads, passes `points check`, shows, and has an up-to-date docs page.

The docs pages in docs/schedules/ are generated from the TOML files. When this test says a
page is stale or missing, regenerate them all with:

    points show --all --markdown --out docs/schedules
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import points
from points import _show as show
from points.cli import app

DOCS = Path(__file__).resolve().parents[1] / "docs" / "schedules"
REGENERATE = "regenerate with: points show --all --markdown --out docs/schedules"
IDS = points.bundled_ids()
runner = CliRunner()


def test_the_seed_schedules_are_bundled() -> None:
    for sid in ("national/2016", "nantong/2020", "wusheng/2016", "liaocheng/2022",
                "xining/2017", "guangzhou/2021"):
        assert sid in IDS


@pytest.mark.parametrize("sid", IDS)
def test_loads_under_its_own_id(sid: str) -> None:
    s = points.load_schedule(sid)
    assert s.id == sid
    assert s.schedule.place == sid.split("/")[0]
    assert s.content_hash.startswith("sha256:")


@pytest.mark.parametrize("sid", IDS)
def test_check_exits_0(sid: str) -> None:
    result = runner.invoke(app, ["check", sid])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"ok {sid}:")
    assert "warning" not in result.output.lower()


@pytest.mark.parametrize("sid", IDS)
@pytest.mark.parametrize("args", [[], ["--lang", "zh"], ["--markdown"],
                                  ["--markdown", "--lang", "zh"]])
def test_show_names_every_entry_with_its_reference(sid: str, args: list[str]) -> None:
    result = runner.invoke(app, ["show", sid, *args])
    assert result.exit_code == 0, result.output
    text = result.output
    s = points.load_schedule(sid)
    for table in ("factors", "groups", "deductions", "gates", "purposes"):
        for key, spec in getattr(s, table).items():
            assert key in text, f"{table}.{key} missing"
            assert spec.ref in text, f"reference of {table}.{key} missing"
    for t in s.tiers:
        assert t.id in text
        assert t.ref in text
        for sid_ in t.services:
            assert sid_ in text
    if s.ranking is not None:
        assert s.ranking.ref in text
    zh = "--lang" in args
    assert s.schedule.title.text("zh" if zh else "en") in text
    if any(spec.status == "provisional" for spec in s.gates.values()):
        assert ("待核实" if zh else "PROVISIONAL") in text


@pytest.mark.parametrize("sid", IDS)
def test_docs_pages_are_current(sid: str) -> None:
    for lang in ("en", "zh"):
        path = DOCS / show.page_name(sid, lang)
        assert path.is_file(), f"{path} is missing: {REGENERATE}"
        expected = show.render(sid, lang=lang, markdown=True)
        assert path.read_text(encoding="utf-8") == expected, f"{path} is stale: {REGENERATE}"


def test_docs_index_is_current_and_no_page_is_orphaned() -> None:
    index = DOCS / "README.md"
    assert index.is_file(), REGENERATE
    assert index.read_text(encoding="utf-8") == show.pages(IDS)["README.md"], \
        f"{index} is stale: {REGENERATE}"
    expected = set(show.pages(IDS))
    orphans = [p.name for p in DOCS.glob("*.md") if show.is_generated(p)
               and p.name not in expected]
    assert not orphans, f"pages of schedules no longer bundled: {orphans}; {REGENERATE}"


def test_wusheng_page_says_its_year_counts_are_provisional() -> None:
    # the plan gives no year counts: the docs page must say the values are placeholders
    for lang, word in (("en", "PROVISIONAL"), ("zh", "待核实")):
        page = show.render("wusheng/2016", lang=lang, markdown=True)
        assert "PLACEHOLDER" in page
        for gate in ("residence_1y", "residence_3y", "insurance_1y", "insurance_3y",
                     "child_junior_3y", "child_senior_3y"):
            assert f"`gates.{gate}`" in page.split("\n## ", 2)[1]  # listed in the summary
        assert word in page


def test_a_bundled_id_is_found_once_and_its_schedule_kept() -> None:
    # a service names its schedule by id on every call: the file is found once, the
    # schedule loaded once (again only if the file changed)
    from points.schedule import loader

    first = points.load_schedule("guangzhou/2021")
    found = loader._bundled_path.cache_info().hits
    assert points.load_schedule("guangzhou/2021") is first
    assert loader._bundled_path.cache_info().hits == found + 1


@pytest.mark.parametrize("ref", ["guangzhou/1999", "not an id"])
def test_an_unknown_id_is_refused_every_time(ref: str) -> None:
    for _ in range(2):  # a refusal is not kept as if it were a file
        with pytest.raises(points.errors.ScheduleNotFound) as info:
            points.load_schedule(ref)
        assert info.value.value == ref
