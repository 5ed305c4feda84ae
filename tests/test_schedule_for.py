"""`points.schedule_for(place, on)`: the version in force on a date, strict or lenient.

Dates: `effective_from` inclusive, `effective_until` exclusive. A version is replaced once a
version that supersedes it (directly or down a chain) has taken effect. Most tests write
small schedules into a temporary folder that stands in for the bundled one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

import points
from points import NoScheduleInForce, PointsError, ScheduleNotFound
from points.schedule import loader

Write = Callable[..., None]


@pytest.fixture
def bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Write:
    """A temporary bundled folder; returns a writer of minimal schedule versions."""
    shutil.copy(loader.bundled_dir() / "services.toml", tmp_path / "services.toml")
    monkeypatch.setattr(loader, "bundled_dir", lambda: tmp_path)

    def write(sid: str, start: str, until: str | None = None,
              supersedes: str | None = None) -> None:
        place, version = sid.split("/")
        lines = [
            "[schedule]", f'id = "{sid}"', f'place = "{place}"',
            'title = { zh = "测试", en = "Test" }', 'document = "none"',
            f"effective_from = {start}",
        ]
        if until:
            lines.append(f"effective_until = {until}")
        if supersedes:
            lines.append(f'supersedes = "{supersedes}"')
        (tmp_path / place).mkdir(exist_ok=True)
        (tmp_path / place / f"{version}.toml").write_text("\n".join(lines) + "\n", "utf-8")

    return write


def pick(place: str, on: date, strict: bool = True) -> str:
    return points.schedule_for(place, on, strict=strict).id


# --- the Guangzhou 2018 → 2021 boundary --------------------------------------------------


def test_guangzhou_2018_to_2021_boundary_in_the_bundle() -> None:
    if "guangzhou/2018" not in points.bundled_ids():
        pytest.skip("guangzhou/2018 is not bundled")
    assert pick("guangzhou", date(2018, 3, 29)) == "guangzhou/2018"  # first day, inclusive
    assert pick("guangzhou", date(2021, 11, 15)) == "guangzhou/2018"  # last day
    assert pick("guangzhou", date(2021, 11, 16)) == "guangzhou/2021"  # 2018 ends, exclusive
    assert pick("guangzhou", date(2026, 11, 15)) == "guangzhou/2021"
    with pytest.raises(NoScheduleInForce):
        pick("guangzhou", date(2026, 11, 16))  # 2021 expires; no successor is bundled


def test_guangzhou_boundary_with_stand_in_schedules(bundle: Write) -> None:
    bundle("gz/2018", "2018-03-29", "2021-11-16")
    bundle("gz/2021", "2021-11-16", "2026-11-16", supersedes="gz/2018")
    assert pick("gz", date(2021, 11, 15)) == "gz/2018"
    assert pick("gz", date(2021, 11, 16)) == "gz/2021"


def test_guangzhou_settlement_is_its_own_place() -> None:
    assert pick("guangzhou-settlement", date(2024, 10, 8)) == "guangzhou-settlement/2023"
    assert pick("guangzhou", date(2024, 10, 8)) == "guangzhou/2021"


def purpose_pick(place: str, on: date, purpose: str, strict: bool = True) -> str:
    return points.schedule_for(place, on, purpose=purpose, strict=strict).id


def test_the_settlement_schedule_is_found_for_guangzhou() -> None:
    # 穗府办规〔2023〕1号 took effect 2023-02-09 (provisional): from then on it serves the
    # settlement purpose of Guangzhou; before, the 2021 来穗 table's settlement purpose did
    assert purpose_pick("guangzhou", date(2023, 2, 8), "settlement") == "guangzhou/2021"
    assert purpose_pick("guangzhou", date(2023, 2, 9), "settlement") == \
        "guangzhou-settlement/2023"
    assert purpose_pick("guangzhou", date(2024, 6, 1), "settlement") == \
        "guangzhou-settlement/2023"
    # school admission and housing stay with the 来穗 table
    assert purpose_pick("guangzhou", date(2024, 6, 1), "school") == "guangzhou/2021"
    assert purpose_pick("guangzhou", date(2024, 6, 1), "housing") == "guangzhou/2021"
    assert purpose_pick("guangzhou", date(2020, 1, 1), "settlement") == "guangzhou/2018"
    # both end on 2026-11-16 (exclusive): nothing is in force after
    with pytest.raises(NoScheduleInForce, match="settlement"):
        purpose_pick("guangzhou", date(2026, 11, 16), "settlement")
    lenient = purpose_pick("guangzhou", date(2026, 11, 16), "settlement", strict=False)
    assert lenient == "guangzhou-settlement/2023"  # the latest that took effect


def test_a_purpose_no_version_defines() -> None:
    with pytest.raises(ScheduleNotFound, match="lottery"):
        points.schedule_for("guangzhou", date(2024, 6, 1), purpose="lottery")


def test_place_purpose_convention_with_stand_ins(bundle: Write, tmp_path: Path) -> None:
    bundle("gz/2021", "2021-11-16", "2026-11-16")
    bundle("gz-settlement/2023", "2023-02-09")
    for path in (tmp_path / "gz" / "2021.toml", tmp_path / "gz-settlement" / "2023.toml"):
        path.write_text(path.read_text("utf-8") + '\n[purposes.settlement]\nlabel = { zh = '
                        '"入户", en = "Settlement" }\nref = "x"\nstatus = "confirmed"\n',
                        "utf-8")
    assert purpose_pick("gz", date(2024, 1, 1), "settlement") == "gz-settlement/2023"
    assert pick("gz", date(2024, 1, 1)) == "gz/2021"  # without a purpose: the place alone
    s = points.load_schedule("gz-settlement/2023")
    assert loader.serves(s) == ("gz", "settlement")
    assert loader.serves(points.load_schedule("gz/2021")) is None


# --- strict and lenient ------------------------------------------------------------------


def test_strict_error_names_every_version_and_its_dates(bundle: Write) -> None:
    bundle("x/a", "2018-01-01", "2019-01-01")
    bundle("x/b", "2020-01-01", "2021-01-01")
    with pytest.raises(NoScheduleInForce) as info:
        pick("x", date(2019, 6, 1))  # in the gap
    err = info.value
    assert isinstance(err, PointsError)
    assert err.path == "on"
    assert err.value == date(2019, 6, 1)
    text = str(err)
    assert "'x'" in text and "2019-06-01" in text
    assert "x/a [2018-01-01, 2019-01-01)" in text
    assert "x/b [2020-01-01, 2021-01-01)" in text
    assert text.index("x/a") < text.index("x/b")  # oldest first


def test_strict_error_for_an_open_ended_version(bundle: Write) -> None:
    bundle("x/a", "2018-01-01")
    with pytest.raises(NoScheduleInForce, match=r"x/a \[2018-01-01, …\)"):
        pick("x", date(2017, 12, 31))
    assert pick("x", date(2018, 1, 1)) == "x/a"
    assert pick("x", date(2099, 1, 1)) == "x/a"


def test_lenient(bundle: Write) -> None:
    bundle("x/a", "2018-01-01", "2019-01-01")
    bundle("x/b", "2020-01-01", "2021-01-01")
    assert pick("x", date(2017, 1, 1), strict=False) == "x/a"  # before all: the earliest
    assert pick("x", date(2019, 6, 1), strict=False) == "x/a"  # gap: the latest started
    assert pick("x", date(2022, 1, 1), strict=False) == "x/b"  # after all: the latest
    assert pick("x", date(2020, 6, 1), strict=False) == "x/b"  # in force: the same as strict


# --- supersedes --------------------------------------------------------------------------


def test_an_overlap_goes_to_the_superseding_version(bundle: Write) -> None:
    bundle("x/a", "2018-01-01")  # no end date given
    bundle("x/b", "2021-01-01", supersedes="x/a")
    assert pick("x", date(2020, 12, 31)) == "x/a"
    assert pick("x", date(2021, 1, 1)) == "x/b"


def test_a_superseded_version_does_not_come_back(bundle: Write) -> None:
    # a (open-ended) is superseded by b, which expires with no successor: a stays replaced
    bundle("x/a", "2018-01-01")
    bundle("x/b", "2021-01-01", "2026-01-01", supersedes="x/a")
    assert pick("x", date(2025, 12, 31)) == "x/b"
    with pytest.raises(NoScheduleInForce, match=r"x/a \[2018-01-01, …\) \(superseded\)"):
        pick("x", date(2026, 1, 1))
    assert pick("x", date(2026, 1, 1), strict=False) == "x/b"


def test_a_chain_of_supersedes(bundle: Write) -> None:
    bundle("x/a", "2018-01-01")
    bundle("x/b", "2020-01-01", "2021-01-01", supersedes="x/a")
    bundle("x/c", "2022-01-01", supersedes="x/b")
    assert pick("x", date(2019, 1, 1)) == "x/a"
    assert pick("x", date(2020, 1, 1)) == "x/b"
    with pytest.raises(NoScheduleInForce):
        pick("x", date(2021, 6, 1))  # b has ended; a was replaced by b
    assert pick("x", date(2022, 1, 1)) == "x/c"


def test_a_correction_taking_effect_the_same_day(bundle: Write) -> None:
    bundle("x/a", "2021-11-16")
    bundle("x/a2", "2021-11-16", supersedes="x/a")
    assert pick("x", date(2021, 11, 16)) == "x/a2"


def test_supersedes_naming_a_version_not_bundled(bundle: Write) -> None:
    bundle("x/b", "2021-01-01", supersedes="x/gone")
    assert pick("x", date(2021, 1, 1)) == "x/b"


# --- inputs ------------------------------------------------------------------------------


def test_a_datetime_is_taken_as_its_date(bundle: Write) -> None:
    bundle("x/a", "2018-01-01", "2019-01-01")
    assert pick("x", datetime(2018, 12, 31, 23, 59)) == "x/a"
    with pytest.raises(NoScheduleInForce):
        pick("x", datetime(2019, 1, 1, 0, 0))


def test_unknown_place_lists_the_places(bundle: Write) -> None:
    bundle("x/a", "2018-01-01")
    bundle("y/a", "2018-01-01")
    with pytest.raises(ScheduleNotFound, match=r"places: x, y") as info:
        pick("x/a", date(2018, 1, 1))  # an id is not a place
    assert info.value.value == "x/a"


# --- the real bundle ---------------------------------------------------------------------


def test_every_bundled_file_holds_the_id_of_its_path() -> None:
    for sid in points.bundled_ids():
        s = points.load_schedule(sid)
        assert s.id == sid
        assert s.schedule.place == sid.split("/")[0]


def test_each_bundled_version_is_chosen_on_its_first_day_when_alone() -> None:
    ids = points.bundled_ids()
    for sid in ids:
        s = points.load_schedule(sid)
        place, day = s.schedule.place, s.schedule.effective_from
        others = [points.load_schedule(o) for o in ids
                  if o != sid and o.split("/")[0] == place]
        if any(o.in_force(day) for o in others):
            continue
        assert pick(place, day) == sid


def test_a_bundled_file_changed_or_gone_since_it_was_found(bundle: Write,
                                                           tmp_path: Path) -> None:
    # an id's file is found once; a change to it is read again, and its removal refused
    bundle("x/a", "2018-01-01")
    assert points.load_schedule("x/a").schedule.effective_until is None
    bundle("x/a", "2018-01-01", "2020-01-01")
    path = tmp_path / "x" / "a.toml"
    stamp = path.stat().st_mtime_ns + 10**9  # a second on, whatever the clock's grain
    os.utime(path, ns=(stamp, stamp))
    assert points.load_schedule("x/a").schedule.effective_until == date(2020, 1, 1)
    path.unlink()
    with pytest.raises(points.errors.ScheduleNotFound):
        points.load_schedule("x/a")
