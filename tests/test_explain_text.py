"""Text for people: Chinese explanations in Chinese, columns aligned by display width, lines
wrapped between words to the width asked for, dates given as strings, logging."""

from __future__ import annotations

import itertools
import logging
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import points
from points._explain import _wrap, cell_width
from test_schedule_errors import BASE, edit

ON = date(2024, 6, 1)
SAMPLE = {"applicant_id": "A-1", "age": 42, "sex": "male", "has_permit": True, "permit_months": 2,
          "housing": "rental", "rental_months": 7, "employed": True, "pension_months": 3,
          "education": "master", "income_tax_3y": "116186", "hardship_industry": False}


def card(sid: str = "guangzhou-settlement/2023") -> points.ScoreCard:
    return points.score(SAMPLE, sid, on=ON)


def test_cell_width_counts_wide_characters_twice() -> None:
    assert cell_width("abc") == 3
    assert cell_width("年龄") == 4
    assert cell_width("（最高20分）") == 2 + 4 + 2 + 2 + 2  # full-width brackets are wide
    assert cell_width("e\u0301") == 1  # a combining accent takes no column


@pytest.mark.parametrize("sid", ["guangzhou-settlement/2023", "guangzhou/2021",
                                 "beijing/2016", "shanghai/2018"])
def test_chinese_explanation_has_no_english_words_of_its_own(sid: str) -> None:
    c = card(sid)
    text = c.explain("zh")
    for english in ("passed", "failed", "[sum]", "[highest]", " is ", "Tiers", "Total",
                    "Schedule", "points missing", "blocked", "not counted", "cap reached"):
        assert english not in text, english
    # tiers, purposes and gates by their Chinese labels, never by id
    for tier, zh, _en in c.tier_labels:
        assert zh in text
        assert not re.search(rf"\b{re.escape(tier)}\b", text.split("已达到的层级")[1])
    if c.purpose_label:
        assert f"用途：{c.purpose_label[0]}" in text
    for g in c.gates:
        assert g.label_zh in text
        assert g.reason_zh and g.reason_zh.startswith(("通过，", "未通过，"))


def test_chinese_gate_reason_and_why_not_are_chinese() -> None:
    c = card()
    age = next(g for g in c.gates if "年龄" in g.label_zh)
    assert age.reason_zh == "通过，年龄 ≤ 45岁（年龄为42岁）"
    hardship = next(ln for ln in c.lines if ln.fact == "hardship_industry_months")
    assert hardship.why_not == "hardship_industry is false"
    assert hardship.why_not_zh == "现从事特殊艰苦行业一线工作为否"
    text = c.explain("zh")
    assert "（不计入：现从事特殊艰苦行业一线工作为否" in text.replace("\n", "").replace(" ", "")


def test_card_json_keeps_the_chinese_texts() -> None:
    c = card()
    back = points.ScoreCard.from_dict(c.to_dict())
    assert back == c
    assert back.explain("zh") == c.explain("zh")


def test_a_card_from_older_json_still_explains() -> None:
    data = card().to_dict()
    for key in ("purpose_label", "tier_labels"):
        del data[key]
    for g in data["gates"]:
        del g["reason_zh"]
    for ln in data["lines"]:
        del ln["why_not_zh"]
    text = points.ScoreCard.from_dict(data).explain("zh")
    assert "总分" in text and "passed:" in text  # the English reason is all it has


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_points_column_aligned_by_display_width(lang: str) -> None:
    text = card().explain(lang, width=200)
    ends = set()
    for line in text.splitlines():
        m = re.match(r"^(  \S.*?\S?\s+-?\d+\.\d\d)  \[", line)
        if m:
            ends.add(cell_width(m.group(1)))
    assert len(ends) == 1, ends  # every points value ends in the same column


@pytest.mark.parametrize("width", [60, 80, 100, 120])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_explanation_fits_the_width_and_breaks_between_words(width: int, lang: str) -> None:
    text = card().explain(lang, width=width)
    lines = text.splitlines()
    assert all(cell_width(line) <= width for line in lines), max(map(cell_width, lines))
    # never the middle of a word or number: every run of letters and digits is one of the
    # unwrapped text's
    runs = re.compile(r"[A-Za-z0-9.]+")
    whole = set(runs.findall(card().explain(lang, width=10_000)))
    assert set(runs.findall(text)) <= whole


def test_default_width_is_100() -> None:
    lines = card().explain("en").splitlines()
    assert max(map(cell_width, lines)) <= 100
    assert max(map(cell_width, lines)) > 90  # it uses the width, not a narrower one


_WORD = st.text(st.sampled_from("abcdefghij0123456789"), min_size=1, max_size=12) | \
    st.text(st.sampled_from("积分入户年龄条件"), min_size=1, max_size=6)


@given(st.lists(_WORD, min_size=1, max_size=40), st.integers(20, 80))
def test_wrap_keeps_every_character_within_the_width(words: list[str], width: int) -> None:
    text = " ".join(words)
    lines = _wrap(text, width, 4)
    assert all(cell_width(x) <= width for x in lines)
    assert "".join(x.strip().replace(" ", "") for x in lines) == text.replace(" ", "")
    # ASCII words no longer than a line are never split
    for a, b in itertools.pairwise(lines):
        tail, head = a.split(" ")[-1], b.strip().split(" ")[0]
        if tail.isascii() and head.isascii() and tail + head in words:
            assert cell_width(tail + head) > width - 4


def test_explain_refuses_other_languages() -> None:
    with pytest.raises(points.InputError, match='lang is "zh" or "en"'):
        card().explain("fr")


# --- dates given as strings ---------------------------------------------------------------


def test_on_as_an_iso_string_is_the_date() -> None:
    by_text = points.score(SAMPLE, "guangzhou/2021", on="2024-06-01")
    assert by_text.on == ON
    assert by_text == points.score(SAMPLE, "guangzhou/2021", on=ON)
    assert points.score(SAMPLE, "guangzhou/2021", on=datetime(2024, 6, 1, 23)).on == ON


@pytest.mark.parametrize("bad", ["2024-13-01", "20240601", "2024-06-01T00:00", "", 20240601,
                                 1.5])
def test_on_that_is_not_a_date_is_an_input_error(bad: object) -> None:
    with pytest.raises(points.InputError, match="YYYY-MM-DD") as info:
        points.score(SAMPLE, "guangzhou/2021", on=bad)  # type: ignore[arg-type]
    assert info.value.value == bad


# --- logging -------------------------------------------------------------------------------


def test_the_library_logs_to_the_points_logger_with_a_null_handler(
        caplog: pytest.LogCaptureFixture) -> None:
    assert any(isinstance(h, logging.NullHandler) for h in logging.getLogger("points").handlers)
    with caplog.at_level(logging.INFO, logger="points"):
        s = points.loads_schedule(edit('id = "testville/2024"', 'id = "testville/2025"', BASE),
                                  source="t.toml")
    (rec,) = [r for r in caplog.records if r.name == "points.schedule.loader"]
    assert rec.levelno == logging.INFO
    assert rec.getMessage() == f"loaded schedule testville/2025 ({s.content_hash[:19]}) from t.toml"


@given(st.decimals(allow_nan=False, allow_infinity=False).filter(
    lambda d: len(d.as_tuple().digits) <= 28)  # `normalize` rounds beyond 28 digits
       | st.decimals(min_value=-10**6, max_value=10**6, places=2))
def test_decimal_text_is_the_normalised_plain_form(value: Decimal) -> None:
    """Words of a decimal: trailing zeros dropped, never an exponent, as the slow form
    (every fact has at most 15 digits and its places)."""
    from points._explain import decimal_text

    text = decimal_text(value)
    assert text == f"{value.normalize():f}"
    assert "E" not in text


@pytest.mark.parametrize(("value", "text"), [
    ("46145.00", "46145"), ("0.00", "0"), ("100", "100"), ("1E+3", "1000"),
    ("12.50", "12.5"), ("-0.50", "-0.5"), ("0.0000001", "0.0000001")])
def test_decimal_text_examples(value: str, text: str) -> None:
    from points._explain import decimal_text

    assert decimal_text(Decimal(value)) == text
