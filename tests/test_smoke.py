from datetime import date

import points


def test_bundled_schedule_loads_and_scores() -> None:
    card = points.score({"age": 30, "permit_months": 36}, "guangzhou/2021", on=date(2024, 6, 1))
    # 3 full years of permit at 8 = 24, age 18-40 = 30
    assert card.total == 54
