"""``insert_together`` writes new rows of several models in one statement on PostgreSQL (one
after another on SQLite), with the values, keys and signals ``save`` would give them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fengqiao.disputes.models import Case, CaseEvent, CaseSequence, Party
from fengqiao.inserts import Read, Take, insert_together


def _case(world, reference: str) -> Case:
    return Case(
        reference=reference,
        category="neighbourhood",
        risk="blue",
        level=1,
        channel="web",
        title="楼上噪音",
        narrative="楼上每天半夜拖椅子",
        grid=world.grid_a1,
        received_at=timezone.now(),
        scope_path=world.grid_a1.path,
    )


def _rows(world, reference: str = "T-0001"):
    case = _case(world, reference)
    party = Party(case=case, role="applicant", name="李大姐", scope_path=case.scope_path)
    handler = Case.handlers.through(case=case, person=world.grid_worker_a1.person)
    event = CaseEvent(
        case=case,
        at=dt.datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=dt.UTC),
        kind="received",
        to_state="received",
        payload={"level": 1, "handlers": ["网格员"], "ratio": 2.0},
    )
    return case, party, handler, event


def test_rows_naming_an_earlier_new_row_get_its_key_in_one_statement(world):
    case, party, handler, event = _rows(world)
    with CaptureQueriesContext(connection) as statements:
        insert_together([case, party, handler, event])
    assert len(statements) == (1 if connection.vendor == "postgresql" else 4)
    assert case.pk is not None and not case._state.adding
    stored = Case.objects.get(pk=case.pk)
    assert stored.reference == "T-0001" and stored.scope_path == world.grid_a1.path
    assert list(stored.parties.values_list("pk", "name")) == [(party.pk, "李大姐")]
    assert list(stored.handlers.all()) == [world.grid_worker_a1.person]
    assert list(stored.events.values_list("pk", flat=True)) == [event.pk]
    # The objects name the case as save leaves them: its key set, the object still held.
    with CaptureQueriesContext(connection) as reads:
        assert party.case_id == event.case_id == handler.case_id == case.pk
        assert party.case is case and event.case is case
    assert len(reads) == 0


def test_values_are_stored_as_save_stores_them(world):
    case, _party, _handler, event = _rows(world)
    insert_together([case, event])
    twin = CaseEvent(
        case=case, at=event.at, kind=event.kind, to_state="received", payload=event.payload
    )
    twin.save()
    written, saved = (
        CaseEvent.objects.filter(pk=pk).values("at", "kind", "to_state", "payload").get()
        for pk in (event.pk, twin.pk)
    )
    assert written == saved
    assert written["at"] == event.at and written["payload"]["handlers"] == ["网格员"]
    # auto_now is filled in as save fills it in.
    assert Case.objects.get(pk=case.pk).updated_at is not None


def test_every_row_is_announced_once_as_created(world):
    heard = []

    def listener(sender, instance, created, **kwargs):
        heard.append((sender, instance.pk, created))

    for model in (Case, Party, CaseEvent):
        post_save.connect(listener, sender=model, dispatch_uid=f"test-inserts-{model.__name__}")
    try:
        case, party, handler, event = _rows(world)
        insert_together([case, party, handler, event])
    finally:
        for model in (Case, Party, CaseEvent):
            post_save.disconnect(sender=model, dispatch_uid=f"test-inserts-{model.__name__}")
    assert heard == [(Case, case.pk, True), (Party, party.pk, True), (CaseEvent, event.pk, True)]


def test_a_failed_row_writes_none_of_them(world):
    insert_together([_case(world, "T-0001")])
    case, party, _handler, event = _rows(world, reference="T-0001")  # the same reference
    cases, events = Case.objects.count(), CaseEvent.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_together([case, party, event])
    assert (Case.objects.count(), CaseEvent.objects.count()) == (cases, events)
    assert not Party.objects.filter(name="李大姐").exists()


def test_a_read_runs_in_the_same_statement(world):
    found = []
    case, _party, _handler, event = _rows(world)
    with CaptureQueriesContext(connection) as statements:
        insert_together([case, event], reads=[Read("%s + 1", [41], found.append)])
    assert found == [42]
    assert len(statements) == (1 if connection.vendor == "postgresql" else 3)


def test_a_take_changes_its_row_first_and_the_rows_carry_its_value(world):
    """PostgreSQL: the take is a WITH item the case's reference reads inside the statement;
    SQLite: it runs first and ``found`` puts the plain value in the case before the insert.
    Either way the stored reference and the one in memory are the take's value."""
    CaseSequence.objects.create(county_code="X", year=2026, last=41)
    case, _party, _handler, event = _rows(world)
    table = CaseSequence._meta.db_table
    found = []

    def take_found(value):
        found.append(value)
        case.reference = f"T-{value}"

    case.reference = RawSQL("(SELECT 'T-' || last FROM counter)", [])
    take = Take(
        "counter",
        f"UPDATE {table} SET last = last + 1 WHERE county_code = %s RETURNING last",
        ["X"],
        take_found,
    )
    with CaptureQueriesContext(connection) as statements:
        insert_together([case, event], takes=[take])
    assert found == [42] and case.reference == "T-42"
    assert Case.objects.get(pk=case.pk).reference == "T-42"
    assert CaseSequence.objects.get(county_code="X").last == 42
    assert len(statements) == (1 if connection.vendor == "postgresql" else 3)


def test_a_take_rolls_back_with_the_rows(world):
    CaseSequence.objects.create(county_code="X", year=2026, last=41)
    first, second = _case(world, "T-0001"), _case(world, "T-0001")  # a unique reference
    insert_together([first])
    table = CaseSequence._meta.db_table
    take = Take(
        "counter",
        f"UPDATE {table} SET last = last + 1 WHERE county_code = %s RETURNING last",
        ["X"],
        lambda value: None,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_together([second, CaseEvent(case=second, at=timezone.now())], takes=[take])
    assert CaseSequence.objects.get(county_code="X").last == 41


def test_a_row_naming_one_of_several_new_rows_is_refused(world):
    first, second = _case(world, "T-0001"), _case(world, "T-0002")
    event = CaseEvent(case=second, at=timezone.now(), kind="received")
    with pytest.raises(ValueError, match="insert them apart"):
        insert_together([first, second, event])
    assert not Case.objects.exists()


def test_a_saved_row_is_refused(world):
    case = _case(world, "T-0001")
    case.save()
    with pytest.raises(ValueError, match="already saved"):
        insert_together([case])
