"""records.toml: the bundled file loads; a bad one fails loud naming file, line and key;
`points.score(records=)` merges the derived facts and the card explains them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import points
from points.errors import PointsError, RecordsError, RecordSpecError
from points.records import bundled_spec, facts_from_records, load_spec, loads_spec

HEAD = '[records]\nformat = 1\n'
KIND = ('[kinds.blood]\nlabel = { zh = "献血", en = "Blood" }\nshape = "event"\n')


def test_the_bundled_file_derives_facts_of_the_vocabulary() -> None:
    spec = bundled_spec()
    assert set(spec.facts) <= set(points.FACTS)
    assert {"permit_months", "pension_months", "volunteer_hours_year5", "income_tax_3y",
            "housing", "education", "criminal_record"} <= set(spec.facts)
    # every open choice is marked and explained
    for d in spec.facts.values():
        assert d.note


@pytest.mark.parametrize("text,line,path,words", [
    (HEAD + KIND + '[facts.blood_donations_5y]\nderive = "count"\nrecord = "blood"\n'
     'window = { kind = "ever" }\nprovisional = true\nnote = "x"\nwindoe = 1\n',
     12, "facts.blood_donations_5y.windoe", "unknown key"),
    (HEAD + KIND + '[facts.blood_donations_5y]\nderive = "tally"\n',
     7, "facts.blood_donations_5y.derive", "derive is one of"),
    (HEAD + KIND + '[facts.blood_donations_5y]\nderive = "count"\nrecord = "bloood"\n'
     'window = { kind = "ever" }\nprovisional = true\nnote = "x"\n',
     8, "facts.blood_donations_5y.record", "is not a record kind"),
    (HEAD + KIND + '[facts.blood_count]\nderive = "count"\nrecord = "blood"\n'
     'window = { kind = "ever" }\nprovisional = true\nnote = "x"\n',
     6, "facts.blood_count", "is not a fact of points.FACTS"),
    (HEAD + KIND + '[facts.blood_donations_5y]\nderive = "count"\nrecord = "blood"\n'
     'window = { kind = "months", months = 60 }\nprovisional = true\nnote = "x"\n',
     9, "facts.blood_donations_5y.window.kind", "needs months, skip_months"),
    (HEAD + KIND + '[facts.blood_donations_5y]\nderive = "count"\nrecord = "blood"\n'
     'window = { kind = "ever" }\nnote = "x"\n',
     6, "facts.blood_donations_5y.provisional", "missing required key"),
    (HEAD + KIND + '[facts.education]\nderive = "count"\nrecord = "blood"\n'
     'window = { kind = "ever" }\nprovisional = true\nnote = "x"\n',
     6, "facts.education", "is of kind level"),
    (HEAD + KIND + '[facts.permit_months]\nderive = "months"\nrecord = "blood"\n'
     'count = "cumulative"\npartial_month = "any"\nprovisional = true\nnote = "x"\n',
     8, "facts.permit_months.record", "reads interval records"),
    (HEAD + KIND + '[facts.permit_months]\nderive = "months"\nrecord = "blood"\n'
     'count = "cumulative"\nrun = "current"\npartial_month = "any"\nprovisional = true\n'
     'note = "x"\n', 9, "facts.permit_months.count", "takes no run"),
    (HEAD + KIND + 'fields = { hours = { type = "int", required = true, default = 3, '
     'label = { zh = "时", en = "h" } } }\n', 6, "kinds.blood.fields.hours.default",
     "default is for fields that are not required"),
    (HEAD + KIND + '[facts.blood_donations_5y]\nderive = "count"\nrecord = "blood"\n'
     'where = { colour = "red" }\nwindow = { kind = "ever" }\nprovisional = true\n'
     'note = "x"\n', 9, "facts.blood_donations_5y.where.colour", "is not a field"),
])
def test_a_bad_file_names_file_line_and_key(text: str, line: int, path: str,
                                            words: str) -> None:
    with pytest.raises(RecordSpecError) as info:
        loads_spec(text, source="mine.toml")
    err = info.value
    assert isinstance(err, PointsError)
    found = [(p.file, p.line, p.path) for p in err.problems]
    assert ("mine.toml", line, path) in found, found
    assert words in str(err)


def test_a_file_too_large_or_not_toml(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (1 << 20) + b"\n")
    with pytest.raises(RecordSpecError, match="too large"):
        load_spec(big)
    bad = tmp_path / "bad.toml"
    bad.write_text(HEAD + "[kinds\n", encoding="utf-8")
    with pytest.raises(RecordSpecError, match=r"bad.toml:3"):
        load_spec(bad)
    with pytest.raises(RecordSpecError, match="cannot read"):
        load_spec(tmp_path / "missing.toml")


def test_a_file_of_your_own_changes_one_derivation(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text(
        'extends = "points"\n[facts.permit_months]\nderive = "months"\nrecord = "permit"\n'
        'count = "cumulative"\npartial_month = "full"\nprovisional = true\n'
        'note = "cumulative calendar months"\n', encoding="utf-8")
    spec = load_spec(mine)
    recs = [{"kind": "permit", "start": "2020-01-01", "end": "2020-12-31"},
            {"kind": "permit", "start": "2021-03-01", "end": "2021-03-31"}]
    assert facts_from_records(recs, on=date(2024, 6, 1), spec=spec).facts[
        "permit_months"] == 13
    assert facts_from_records(recs, on=date(2024, 6, 1)).facts["permit_months"] == 0


RECORDS = [
    {"kind": "permit", "record_id": "P1", "start": "2020-06-15", "end": "2021-06-14"},
    {"kind": "permit", "record_id": "P2", "start": "2021-06-15"},
    {"kind": "insurance", "record_id": "I1", "type": "pension", "start": "2019-03-01"},
    {"kind": "rental", "record_id": "R1", "type": "rental", "start": "2020-06-15"},
    {"kind": "home", "record_id": "H0", "property_id": "X", "start": "2001-01-01",
     "end": "2002-01-01"},
]
APPLICANT = {"birth_date": "1990-05-01", "permit_months": 12, "employed": True,
             "education": "bachelor_degree"}


def test_score_with_records_equals_score_with_the_facts_they_give() -> None:
    on = date(2024, 6, 15)
    card = points.score(APPLICANT, "guangzhou/2021", on=on, records=RECORDS)
    facts = facts_from_records(RECORDS, on=on).facts
    # permit 48 → 32; rental 47 → 15; pension 2019-03..2024-06 = 64 → 10; age 30;
    # education 30
    assert facts["permit_months"] == 48 and facts["pension_months"] == 64
    plain = points.score({**APPLICANT, **facts}, "guangzhou/2021", on=on)
    assert card.total == plain.total == 117
    assert [ln.points for ln in card.lines] == [ln.points for ln in plain.lines]
    assert plain.derivations == ()
    by = {d.fact: d for d in card.derivations}
    assert by["permit_months"].given == 12 and by["permit_months"].records == ("P1", "P2")
    text = card.explain()
    assert "Facts from records:" in text and "replaces the given 12" in text
    assert "由记录得出的事实" in card.explain("zh")
    again = points.ScoreCard.from_dict(card.to_dict())
    assert again == card and again.derivations == card.derivations
    assert "derivations" not in plain.to_dict()


def test_records_after_the_date_are_ignored_not_refused() -> None:
    later = [*RECORDS, {"kind": "penalty", "record_id": "X", "type": "criminal",
                        "date": "2030-01-01"}]
    r = facts_from_records(later, on=date(2024, 6, 15))
    assert r.rejects == () and r.facts["criminal_records_5y"] == 0
    assert r.records_read == r.records_used == 6


def test_overlapping_ownership_refuses_the_applicant() -> None:
    recs = [{"kind": "home", "record_id": "H1", "property_id": "A", "start": "2020-01-01"},
            {"kind": "home", "record_id": "H2", "property_id": "A", "start": "2022-01-01",
             "end": "2023-01-01"},
            {"kind": "home", "record_id": "H3", "property_id": "B", "start": "2022-01-01"}]
    with pytest.raises(RecordsError) as info:
        facts_from_records(recs, on=date(2024, 6, 1))
    assert info.value.problems == (
        ("H2", "home", "property_id", "A", "overlaps record H1 with the same property_id"),)
    with pytest.raises(RecordsError):
        points.score(APPLICANT, "guangzhou/2021", on=date(2024, 6, 1), records=recs)
