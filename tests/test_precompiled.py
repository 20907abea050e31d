"""Reads compiled once per process (``fengqiao.precompiled``): each call gets its own
values' rows, exactly what the queryset itself returns, on both databases."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F

from fengqiao.org.models import Assignment
from fengqiao.places.models import Region
from fengqiao.precompiled import precompiled

pytestmark = pytest.mark.django_db


def _counting(build):
    """``build`` precompiled, with how many times it was really built."""
    calls = []

    def counted(*args):
        calls.append(args)
        return build(*args)

    return precompiled(counted), calls


def _regions(codes, level):
    return (
        Region.objects.filter(code__in=codes, level=level)
        .select_related("parent")
        .annotate(parent_code=F("parent__code"))
        .order_by("code")
    )


def test_each_call_gets_its_own_values_rows_from_sql_built_once(world):
    regions, calls = _counting(_regions)
    grids = regions(["330699001001G01", "330699002001G01"], "grid")
    assert [(r.code, r.parent.code, r.parent_code) for r in grids] == [
        ("330699001001G01", "330699001001", "330699001001"),
        ("330699002001G01", "330699002001", "330699002001"),
    ]
    towns = regions(["330699001", "330699001001"], "township")
    assert [r.code for r in towns] == ["330699001"]
    assert regions(["nothing", "330699"], "county")[0].name == "测试区"
    assert len(calls) == 1  # one shape: two codes and a level

    # A list of another length is another statement, built once too.
    assert [r.code for r in regions(["330699"], "county")] == ["330699"]
    assert len(calls) == 2


def test_a_compiled_read_returns_what_the_queryset_returns(world):
    regions = precompiled(_regions)
    for codes, level in [
        (["330699001001G01", "330699001001G02"], "grid"),
        (["330699001001G02", "330699002001G01"], "grid"),
        (["330699001001", "330699002001"], "community"),
    ]:
        compiled = [(r.pk, r.name, r.parent_id, r.parent.name) for r in regions(codes, level)]
        direct = [(r.pk, r.name, r.parent_id, r.parent.name) for r in _regions(codes, level)]
        assert compiled == direct and compiled


def test_dates_values_lists_and_trailing_arguments(world):
    @precompiled
    def active(day, duty, *person_ids):
        rows = Assignment.objects.filter(starts_on__lte=day, duty=duty)
        if person_ids:
            rows = rows.filter(person_id__in=person_ids)
        return rows.order_by("pk").values_list("person__name", flat=True)

    Assignment.objects.update(starts_on=dt.date(2026, 1, 10))
    officer = world.officer_a.person.pk
    assert active(dt.date(2026, 1, 9), "community_police") == []
    assert active(dt.date(2026, 1, 10), "community_police") == ["officer_a", "officer_b"]
    assert active(dt.date(2026, 2, 1), "grid_worker") == ["grid_worker_a1"]
    assert active(dt.date(2026, 2, 1), "community_police", officer) == ["officer_a"]


def test_none_and_empty_lists_are_run_uncompiled_with_their_own_meaning(world):
    regions, calls = _counting(
        lambda codes, parent: Region.objects.filter(code__in=codes, parent_id=parent)
    )
    assert regions([], world.county.pk) == []
    assert [r.code for r in regions(["330699001"], None)] == []
    assert [r.code for r in regions(["330699"], None)] == ["330699"]
    assert calls == [([], world.county.pk), (["330699001"], None), (["330699"], None)]


def test_an_argument_a_lookup_transforms_is_refused_not_run_with_the_wrong_value(world):
    prefixed = precompiled(lambda prefix: Region.objects.filter(code__startswith=prefix))
    with pytest.raises(ImproperlyConfigured, match="parameter of its own"):
        prefixed("330699")


@pytest.mark.django_db(transaction=True)
def test_a_read_compiled_in_one_thread_runs_on_another_threads_connection(world):
    regions = precompiled(_regions)
    assert regions(["330699"], "county")[0].code == "330699"
    seen = []

    def other():
        from django.db import connection

        try:
            seen.append([r.code for r in regions(["330699001"], "township")])
        finally:
            connection.close()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert seen == [["330699001"]]


def test_what_a_caller_sends_cannot_make_the_process_keep_ever_more_sql(world, monkeypatch):
    from fengqiao import precompiled as module

    regions, calls = _counting(lambda *codes: Region.objects.filter(code__in=codes))
    many = [f"X{n}" for n in range(module.MAX_ITEMS)] + ["330699"]
    assert [r.code for r in regions(*many)] == ["330699"]
    assert [r.code for r in regions(*many)] == ["330699"]
    assert len(calls) == 2  # too long to keep: built each time, answered all the same

    monkeypatch.setattr(module, "MAX_SHAPES", 2)
    for n in range(1, 5):
        assert [r.code for r in regions(*["330699"] * n)] == ["330699"]
    assert len(calls) == 2 + 2 + 2  # two shapes kept; the third and fourth built each time
    regions("330699", "330699")
    regions("330699", "330699", "330699")
    assert len(calls) == 2 + 2 + 2 + 1
