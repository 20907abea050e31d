"""The daily facts refreshed after the commit by the process's own thread (``FACTS_DELAY``
above 0, as ``fengqiao serve`` and the demo run): the request that commits runs none of the
refresh, every key committed meanwhile is refreshed together, and what the thread keeps
equals a rebuild from scratch.

Real commits (``transactional_db``): the thread reads through its own connection."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from fengqiao.analytics import facts
from fengqiao.analytics.models import DailyFact
from fengqiao.intake import services
from fengqiao.places.selectors import locate


def _dispute(n: int, *, lon: float = 120.005, lat: float = 30.005, category="neighbourhood"):
    return services.submit_report(
        actor=None,
        sender="session:deferred",
        channel="web",
        kind="dispute",
        category=category,
        risk="blue",
        level=1,
        text="楼上每天半夜拖椅子，沟通多次没用",
        lon=lon,
        lat=lat,
        reporter_name="李大姐",
        reporter_phone=f"1381234{n:04d}",
        client_key=f"deferred-key-{n:04d}",
    )


def _all_facts() -> list[dict]:
    rows = DailyFact.objects.order_by("day", "grid_id", "category", "level")
    return [model_to_dict(row, exclude=["id", "updated_at"]) for row in rows]


@pytest.fixture
def deferred(world, transactional_db, settings):
    settings.FACTS_DELAY = 0.2
    locate(120.005, 30.005)
    yield world
    assert facts.deferred.wait(10), "the thread finished its refresh"


def test_the_committing_request_runs_none_of_the_refresh(deferred):
    with CaptureQueriesContext(connection) as queries:
        submission = _dispute(1)
    assert submission.created
    assert not any("analytics_dailyfact" in q["sql"] for q in queries.captured_queries)
    assert facts.deferred.wait(10)
    assert DailyFact.objects.filter(grid_id=submission.report.grid_id).exists()


def test_the_keys_committed_meanwhile_are_refreshed_together_and_equal_a_rebuild(
    deferred, monkeypatch, settings
):
    batches: list[int] = []
    refresh = facts.refresh
    monkeypatch.setattr(facts, "refresh", lambda keys: batches.append(len(keys)) or refresh(keys))
    settings.FACTS_DELAY = 60  # however slow the machine, the three land within the delay
    for n, category in enumerate(["neighbourhood", "property_management", "labour"], start=1):
        _dispute(n, category=category)
    facts.deferred.refresh_now()
    assert facts.deferred.wait(10)
    # Three reports within the delay: one refresh of their three keys.
    assert batches == [3]
    kept = _all_facts()
    assert sum(row["reports"] for row in kept) == 3
    facts.rebuild()
    assert _all_facts() == kept


def test_a_failed_refresh_is_logged_and_the_next_keys_still_refresh(deferred, monkeypatch, caplog):
    refresh = facts.refresh
    calls = iter([RuntimeError("database went away"), None])

    def flaky(keys):
        problem = next(calls)
        if problem is not None:
            raise problem
        return refresh(keys)

    monkeypatch.setattr(facts, "refresh", flaky)
    _dispute(1)
    assert facts.deferred.wait(10)
    assert "refreshing 1 keys failed" in caplog.text
    assert not DailyFact.objects.exists()  # lost until the nightly healing
    _dispute(2)
    assert facts.deferred.wait(10)
    # The same key measured again from the records: the first report is counted too.
    assert sum(DailyFact.objects.values_list("reports", flat=True)) == 2


def test_what_waits_at_exit_is_refreshed(deferred, settings):
    settings.FACTS_DELAY = 30  # the thread would sleep past the process's end
    _dispute(1)
    facts.deferred.drain()
    assert sum(DailyFact.objects.values_list("reports", flat=True)) == 1


# --- handed to the task worker (``FENGQIAO_FACTS_BY=tasks``, as ``fengqiao serve`` runs) --


def _refresh_tasks():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path="fengqiao.analytics.facts.refresh_facts")


def test_with_a_task_worker_the_keys_go_to_it_and_its_run_equals_a_rebuild(deferred, settings):
    settings.FACTS_BY = "tasks"
    settings.FACTS_DELAY = 60
    for n, category in enumerate(["neighbourhood", "labour"], start=1):
        _dispute(n, category=category)
    facts.deferred.refresh_now()
    assert facts.deferred.wait(10)
    # The web process wrote no figure: one queued task holds both keys.
    assert not DailyFact.objects.exists()
    (queued,) = _refresh_tasks()
    keys = queued.args_kwargs["kwargs"]["keys"]
    assert sorted(key[2] for key in keys) == ["labour", "neighbourhood"]

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    queued.refresh_from_db()
    kept = _all_facts()
    assert queued.status == "SUCCESSFUL" and queued.return_value == len(kept)
    assert sum(row["reports"] for row in kept) == 2
    facts.rebuild()
    assert _all_facts() == kept


@pytest.mark.parametrize(
    "rows",
    [[["2026-12-07", "7", "labour"]], [["2026-13-01", 7, "labour"]], [["2026-12-07", 7]]],
)
def test_a_task_with_keys_that_are_not_keys_fails_and_writes_nothing(rows, db):
    with pytest.raises((ValueError, TypeError)):
        facts.refresh_facts.call(keys=rows)
    assert not DailyFact.objects.exists()


def test_an_unknown_facts_by_stops_the_start_with_its_name(tmp_path):
    env = {**os.environ, "FENGQIAO_DATA_DIR": str(tmp_path), "FENGQIAO_FACTS_BY": "thread"}
    env["DJANGO_SETTINGS_MODULE"] = "fengqiao.settings"
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "FENGQIAO_FACTS_BY" in done.stderr and "'thread'" in done.stderr
