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


# --- the whole policy: own and derived facts, conditions, branches, several facts ---------

NEW_CITY = Path(__file__).resolve().parent / "schedules" / "new_city.toml"


def test_show_names_own_facts_with_their_levels_and_bounds() -> None:
    md = show.render(NEW_CITY, markdown=True)
    assert "## Facts of this schedule" in md
    assert ("| `listening` | listening level | level |  | `none` 无 / none; `band5` 五级 / "
            "band 5 (also 5级); `band7` 七级 / band 7 (also 7级); `band9` 九级 / band 9 "
            "(also 9级) | `none` |") in md
    assert "| `work_years` | years of skilled work | int | 0–10 count |  | 0 |" in md
    assert "| `job_offer` | job offer from a New City employer | bool |  |  | no |" in md
    zh = show.render(NEW_CITY, lang="zh")
    assert "本方案自定义事实\n----------------\n" in zh
    assert ("listening  听力等级\n    类型: level\n    取值: none 无 / none; band5 五级 / "
            "band 5（又作 5级）") in zh
    assert ("work_years  相关工作经验年限\n    类型: int\n    取值范围: 0–10 count\n"
            "    未填时: 0") in zh
    # standard facts read only through a derived fact are listed with the standard ones
    assert "| `married` | married | bool |  |  |" in md


def test_show_words_derived_facts() -> None:
    md = show.render(NEW_CITY, markdown=True)
    assert ("| `no_spouse` | no spouse (never married, divorced, widowed) | `not married` | "
            "not married | `married` |") in md
    assert ("| `language_7` | all four abilities at band 7 or above | `listening >= \"band7\" "
            "and reading >= \"band7\" and writing >= \"band7\" and speaking >= \"band7\"` | "
            "listening level ≥ band7 and reading level ≥ band7 and writing level ≥ band7 and "
            "speaking level ≥ band7 | `listening`, `reading`, `writing`, `speaking` |") in md
    zh = show.render(NEW_CITY, lang="zh")
    assert ("language_7  四项语言均达七级\n    表达式: listening >= \"band7\" and reading >= "
            "\"band7\" and writing >= \"band7\" and speaking >= \"band7\"\n"
            "    文字说明: 听力等级 ≥ 七级 且 阅读等级 ≥ 七级 且 "
            "写作等级 ≥ 七级 且 口语等级 ≥ 七级") in zh
    assert ("no_spouse  无配偶（未婚、离异、丧偶）\n    表达式: not married\n"
            "    文字说明: 非 已婚") in zh


def test_show_gives_when_several_facts_and_the_table_column() -> None:
    text = show.render(NEW_CITY)
    assert ("language_with_spouse  Language (with spouse)\n"
            "    Fact: listening, reading, writing, speaking (each scored, added up)\n") in text
    assert "education_language  Education with language\n    Fact: education by language_9\n" \
        in text
    assert "    Applies when: all four abilities at band 7 or above (language_7)\n" in text
    assert "    Applies when: years of skilled work (work_years) ≥ 3\n" in text
    assert "    Applies when: gate truthful: No false statement\n" in text
    # a group's when
    assert ("single  Without a spouse\n    Combine: sum\n    Cap: —\n    Group: —\n"
            "    Members: age_single, language_single\n"
            "    Applies when: no spouse (never married, divorced, widowed) (no_spouse)\n") in text
    zh = show.render(NEW_CITY, lang="zh", markdown=True)
    assert ("| `language_single` | 语言能力（无配偶） | `listening`, `reading`, `writing`, "
            "`speaking`（分别计分后相加） |") in zh
    assert "| `education_language` | 学历与语言组合 | `education` 按 `language_9` |" in zh
    assert "| 相关工作经验年限（`work_years`） ≥ 3 |" in zh
    assert "| 条件 `truthful`: 无虚假材料记录 |" in zh


def test_show_lists_branches() -> None:
    md = show.render(NEW_CITY, markdown=True)
    assert ("## Branches\n\n### `family` Family status\n\n- **How many apply**: exactly one\n"
            "- **Members**:\n"
            "  - `with_spouse` With an accompanying spouse (when: spouse comes along "
            "(`spouse_coming`))\n"
            "  - `single` Without a spouse (when: no spouse (never married, divorced, widowed) "
            "(`no_spouse`))\n") in md
    zh = show.render(NEW_CITY, lang="zh")
    assert ("family 家庭状况\n    适用项数: 恰有一项\n    成员:\n"
            "      - with_spouse 有随迁配偶（适用条件: 配偶随迁（spouse_coming））\n") in zh
    assert "branches.family" in md  # counted among the entries citing the document


SMALL = """
[schedule]
id = "toy/show"
place = "toy"
title = { zh = "玩具", en = "Toy" }
document = "toy"
effective_from = 2024-01-01
required_facts = ["sex"]

[facts.offers]
label = { zh = "录用通知数", en = "job offers" }
kind = "count"
max = 4
required = true

[facts.grade]
label = { zh = "等级", en = "grade" }
kind = "level"
levels = [{ id = "low", zh = "低", en = "low" }, { id = "high", zh = "高", en = "high" }]
optional = true

[groups.a]
label = { zh = "甲", en = "A" }
when = "married"
ref = "t"
status = "confirmed"

[groups.b]
label = { zh = "乙", en = "B" }
when = { fact = "age", ge = 40 }
ref = "t"
status = "confirmed"

[branches.ab]
label = { zh = "甲乙", en = "A or B" }
members = ["a", "b"]
exactly = "at_most_one"
ref = "t"
status = "confirmed"

[factors.best]
label = { zh = "最好", en = "Best" }
facts = ["offers", "blood_donations_5y"]
combine = "highest"
rule = "rate"
rate = 1
group = "a"
ref = "t"
status = "confirmed"

[factors.g]
label = { zh = "等级分", en = "Grade points" }
fact = "grade"
rule = "levels"
points = { high = 5 }
group = "b"
ref = "t"
status = "confirmed"
"""


def test_show_required_optional_and_at_most_one() -> None:
    s = points.loads_schedule(SMALL)
    md = show.render(s, markdown=True)
    assert "| Facts an applicant must give | `sex`, `offers` |" in md
    assert "| `offers` | job offers | int | 0–4 count |  | required |" in md
    assert "| `grade` | grade | level |  | `low` 低 / low; `high` 高 / high | absent |" in md
    assert "- **How many apply**: at most one" in md
    assert "| `offers`, `blood_donations_5y` (each scored, the highest counts) |" in md
    assert "| age in full years (`age`) ≥ 40 years |" in md
    zh = show.render(s, lang="zh", markdown=True)
    assert "| 申请人必须填写的事实 | `sex`, `offers` |" in zh
    assert "| `offers` | 录用通知数 | int | 0–4 count |  | 必须填写 |" in zh
    assert "| `grade` | 等级 | level |  | `low` 低 / low; `high` 高 / high | 视为未提供 |" in zh
    assert "- **适用项数**: 至多一项" in zh
    assert "`offers`, `blood_donations_5y`（分别计分，取最高）" in zh
    # without any `when`, no empty column
    assert "Applies when" not in show.render("beijing/2016", markdown=True).split(
        "## Groups")[0]
