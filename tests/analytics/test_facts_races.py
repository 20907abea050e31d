"""Two commits that touch the same day, grid and category refresh its facts at once; the
later one must neither fail the user's request nor leave the row wrong."""

from __future__ import annotations

from django.forms.models import model_to_dict

from fengqiao.analytics import facts
from fengqiao.analytics.models import DailyFact
from tests.analytics import indicator_cases
from tests.analytics.indicator_cases import build
from tests.races import lands_after

clock = indicator_cases.clock


def _rows() -> list[dict]:
    rows = DailyFact.objects.order_by("day", "grid_id", "category", "level")
    return [model_to_dict(row, exclude=["id", "updated_at"]) for row in rows]


def _keys() -> set[facts.Key]:
    return set(DailyFact.objects.values_list("day", "grid_id", "category"))


def test_a_refresh_that_meets_another_refresh_of_its_key_measures_again(world, clock):
    build(world, clock)
    facts.rebuild()
    expected = _rows()
    keys = _keys()
    DailyFact.objects.all().delete()
    # The other refresh writes the same keys between this one's delete and its insert.
    with lands_after("DELETE", "analytics_dailyfact", write=lambda: facts.refresh(keys)) as matched:
        facts.refresh(keys)
    assert matched, "the other refresh landed inside this one"
    assert _rows() == expected
