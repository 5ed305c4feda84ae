"""`points show`: merged schedules say where each entry comes from; pages are written safely."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import points
from points import _show as show
from points._show._format import _width
from points.cli import app
from points.schedule.model import AllOf, AnyOf, FactCondition, NotOf

runner = CliRunner()

CHILD = """
[schedule]
id = "testcity/2020"
place = "testcity"
title = { zh = "测试市", en = "Test city" }
document = "测试〔2020〕1号"
effective_from = 2020-01-01
extends = "nantong/2020"

[households.own_home]
zh = "自有住房"
en = "Own home, reworded"

[gates.employed]
label = { zh = "就业", en = "Employed" }
condition = { fact = "employed", eq = true }
ref = "测试 第1条"
status = "confirmed"

[[tiers]]
id = "settle_owned_home"
label = { zh = "自有住房落户", en = "Owned home" }
gates = ["owns_home"]
follow = ["spouse", "minor_children"]
register_in = ["own_home"]
ref = "测试 第2条"
status = "provisional"

[[tiers]]
id = "extra"
label = { zh = "新增", en = "Extra" }
gates = ["employed"]
ref = "测试 第3条"
status = "confirmed"
"""


def test_origins_of_a_two_level_merge() -> None:
    s = points.loads_schedule(CHILD)
    o = show.origins(s)
    # national/2016 → nantong/2020 → testcity/2020: the permit tier and its gates come from
    # the national decree, through Nantong unchanged
    assert o["tiers", "residence_permit"] == show.Origin("inherited", "national/2016")
    assert o["gates", "half_year_residence"] == show.Origin("inherited", "national/2016")
    # Nantong's own entries, unchanged
    assert o["tiers", "settle_rental"] == show.Origin("inherited", "nantong/2020")
    assert o["gates", "urban_social_insurance"] == show.Origin("inherited", "nantong/2020")
    # replaced by the child (same id, different content)
    assert o["tiers", "settle_owned_home"] == show.Origin("overridden", "nantong/2020")
    assert o["gates", "employed"] == show.Origin("overridden", "nantong/2020")
    assert o["households", "own_home"] == show.Origin("overridden", "nantong/2020")
    # new in the child
    assert o["tiers", "extra"] == show.Origin("own", "testcity/2020")


def test_merged_show_says_what_is_inherited() -> None:
    s = points.loads_schedule(CHILD)
    text = show.render(s)
    assert "from national/2016" in text
    assert "overrides nantong/2020" in text
    zh = show.render(s, lang="zh", markdown=True)
    assert "继承自 national/2016" in zh
    assert "覆盖 nantong/2020" in zh
    assert "未成年子女" in zh  # minor_children, a follow value added for Wusheng
    # the child's tiers: base tiers first in base order, the replaced one in place, new last
    assert [t.id for t in s.tiers][-1] == "extra"


def test_a_schedule_without_base_has_no_origin_column() -> None:
    page = show.render("guangzhou/2021", markdown=True)
    assert "| Origin |" not in page
    assert show.origins(points.load_schedule("guangzhou/2021"))["factors", "permit"] == \
        show.Origin("own", "guangzhou/2021")


def test_register_in_must_name_a_household() -> None:
    bad = CHILD.replace('register_in = ["own_home"]', 'register_in = ["no_such_place"]')
    with pytest.raises(points.ScheduleValidationError) as info:
        points.loads_schedule(bad)
    assert "names no household" in str(info.value)
    assert "no_such_place" in str(info.value)
    twice = CHILD.replace('register_in = ["own_home"]', 'register_in = ["own_home", "own_home"]')
    with pytest.raises(points.ScheduleValidationError, match="listed twice"):
        points.loads_schedule(twice)


def test_condition_in_words() -> None:
    c = AllOf.model_validate({"all": [
        {"fact": "residence_months", "ge": 6},
        {"any": [{"fact": "housing", "in": ["owned", "rental"]},
                 {"fact": "student", "eq": True}]},
        {"not": {"fact": "employed", "eq": False}},
    ]})
    assert show.condition_text(c, "en") == (
        "all of: (months lived in the city (residence_months) ≥ 6 months); "
        "(any of: (current housing (housing) is one of: owned home, registered rental); "
        "(enrolled full-time student (student))); "
        "(not (not: lawful stable employment or business (employed)))")
    assert show.condition_text(FactCondition(fact="age", le=45), "zh") == "年龄（age） ≤ 45岁"
    assert show.condition_text(AnyOf.model_validate({"any": [
        {"fact": "education", "ge": "associate"}]}), "zh") == "文化程度（education） ≥ 大专、高职"
    assert show.condition_text(NotOf.model_validate({"not": {"fact": "married", "eq": True}}),
                               "zh") == "不满足：（已婚（married））"


def test_cli_writes_pages_and_prunes_only_generated_ones(tmp_path: Path) -> None:
    stale = tmp_path / "gone-1999.md"
    stale.write_text(show.GENERATED_MARK + "\n\nold page\n", encoding="utf-8")
    handwritten = tmp_path / "notes.md"
    handwritten.write_text("# my notes\n", encoding="utf-8")
    result = runner.invoke(app, ["show", "--all", "--markdown", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert not stale.exists()
    assert handwritten.read_text(encoding="utf-8") == "# my notes\n"
    names = {p.name for p in tmp_path.glob("*.md")}
    assert {"README.md", "national-2016.md", "national-2016.zh.md", "notes.md"} <= names
    assert len(names) == 2 * len(points.bundled_ids()) + 2
    # a second run changes nothing
    before = {p: p.stat().st_mtime_ns for p in tmp_path.glob("*.md")}
    again = runner.invoke(app, ["show", "--all", "--out", str(tmp_path)])
    assert again.exit_code == 0
    assert "wrote" not in again.output
    assert {p: p.stat().st_mtime_ns for p in tmp_path.glob("*.md")} == before
    assert not list(tmp_path.glob(".*.tmp"))


def test_cli_one_schedule_one_language(tmp_path: Path) -> None:
    result = runner.invoke(app, ["show", "xining/2017", "--lang", "zh", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["xining-2017.zh.md"]


@pytest.mark.parametrize("args", [["show"], ["show", "national/2016", "--all"],
                                  ["show", "national/2016", "--lang", "fr"]])
def test_cli_usage_errors_exit_2(args: list[str]) -> None:
    assert runner.invoke(app, args).exit_code == 2


def test_cli_unknown_schedule_exits_1() -> None:
    result = runner.invoke(app, ["show", "nowhere/2000"])
    assert result.exit_code == 1
    assert "nowhere/2000" in result.output


def test_text_aligns_wide_characters() -> None:
    # the metadata block pads by display width, so the values line up under CJK keys
    text = show.render("national/2016", lang="zh")
    rows = [ln for ln in text.splitlines() if ln.startswith(("编号", "文号", "内容哈希"))]
    starts = {_width(ln[: ln.index(v)]) for ln, v in zip(
        rows, ("national/2016", "国务院令", "sha256:"), strict=True)}
    assert len(starts) == 1


def test_origins_follow_a_relative_base_path(tmp_path: Path) -> None:
    head = """
[schedule]
id = "testcity/{year}"
place = "testcity"
title = {{ zh = "测试市", en = "Test city" }}
document = "测试〔{year}〕1号"
effective_from = {year}-01-01
"""
    gate = """
[gates.employed]
label = { zh = "就业", en = "Employed" }
condition = { fact = "employed", eq = true }
ref = "测试 第1条"
status = "confirmed"
"""
    (tmp_path / "base.toml").write_text(head.format(year=2020) + gate, encoding="utf-8")
    child = tmp_path / "child.toml"
    child.write_text(head.format(year=2021) + 'extends = "base.toml"\n' + """
[[tiers]]
id = "extra"
label = { zh = "新增", en = "Extra" }
gates = ["employed"]
ref = "测试 第3条"
status = "confirmed"
""", encoding="utf-8")
    o = show.origins(points.load_schedule(child))
    assert o["gates", "employed"] == show.Origin("inherited", "testcity/2020")
    assert o["tiers", "extra"] == show.Origin("own", "testcity/2021")
