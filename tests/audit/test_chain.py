"""Each audit event carries the hash of the one before it; verify_audit names the first row
where that chain no longer holds (changed, removed or re-linked)."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from fengqiao.audit import services as audit
from fengqiao.audit.chain import CONTENT_FIELDS, event_hash, verify_chain
from fengqiao.audit.models import AuditEvent


def _drop_guards():
    """What someone with the database's password could do: take the triggers off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER audit_event_no_update ON audit_auditevent")
            cursor.execute("DROP TRIGGER audit_event_no_delete ON audit_auditevent")
        else:
            cursor.execute("DROP TRIGGER audit_event_no_update")
            cursor.execute("DROP TRIGGER audit_event_no_delete")


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _verify() -> str:
    """verify_audit's output; a broken chain raises CommandError with exit status 1."""
    from io import StringIO

    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


@pytest.fixture
def events(world):
    return [
        audit.record(actor=world.officer_a, action="test.one", obj=world.grid_a1),
        audit.record(actor=world.officer_b, action="test.two", obj=world.grid_b1, changes={"a": 1}),
        audit.record(actor=None, action="test.three", changes={"note": "夜间巡逻"}),
        audit.record(actor=world.chief, action="test.four", obj=world.grid_a2),
    ]


def test_each_event_links_to_the_one_before(events):
    stored = list(AuditEvent.objects.order_by("id"))
    assert stored[0].prev_hash == ""
    for before, event in zip(stored, stored[1:], strict=False):
        assert event.prev_hash == before.hash and len(event.hash) == 64
    assert [e.pk for e in stored] == [e.pk for e in events]


def test_the_hash_covers_the_stored_row(events):
    """What record() hashed is what the database gives back (time to the microsecond)."""
    for event in AuditEvent.objects.all():
        content = {name: getattr(event, name) for name in CONTENT_FIELDS}
        assert event_hash(prev_hash=event.prev_hash, **content) == event.hash


def test_an_intact_chain_verifies(events):
    assert verify_chain() is None
    output = _verify()
    assert "审计链完整" in output and "共 4 条" in output
    assert events[-1].hash in output


def test_changes_that_json_reshapes_still_verify(world):
    """Tuples, integer keys and whole floats come back from the database changed in form."""
    audit.record(actor=None, action="test.shapes", changes={"t": (1, 2), 3: "x", "f": 1.0})
    audit.record(actor=None, action="test.big", changes={"big": 1e20, "small": 1.5e-7})
    assert verify_chain() is None


def test_an_event_rolled_back_with_its_transaction_leaves_the_chain_intact(events):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=None, action="test.rolled_back")
        raise RuntimeError("the service failed after recording")
    audit.record(actor=None, action="test.after")
    assert verify_chain() is None


def test_a_changed_row_is_named(events):
    _drop_guards()
    target = events[1]
    _raw("UPDATE audit_auditevent SET changes = %s WHERE id = %s", ['{"a": 2}', target.pk])
    with pytest.raises(CommandError) as refused:
        _verify()
    assert refused.value.returncode == 1
    message = str(refused.value)
    assert f"第 {target.pk} 条" in message and "test.two" in message and "内容被改动" in message
    assert verify_chain().id == target.pk


def test_a_row_rewritten_with_a_fresh_hash_breaks_the_next_link(events):
    _drop_guards()
    target = events[1]
    content = {name: getattr(target, name) for name in CONTENT_FIELDS} | {"changes": {"a": 2}}
    forged = event_hash(prev_hash=target.prev_hash, **content)
    _raw(
        "UPDATE audit_auditevent SET changes = %s, hash = %s WHERE id = %s",
        ['{"a": 2}', forged, target.pk],
    )
    broken = verify_chain()
    assert broken.id == events[2].pk and broken.reason == "relinked"


def test_a_removed_middle_row_is_named(events):
    _drop_guards()
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    broken = verify_chain()
    assert broken.id == events[2].pk and broken.reason == "missing"
    with pytest.raises(CommandError, match="有记录被删除"):
        _verify()


def test_a_removed_first_row_is_named(events):
    _drop_guards()
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [events[0].pk])
    broken = verify_chain()
    assert broken.id == events[1].pk and broken.reason == "missing"


def test_concurrent_writers_do_not_fork_the_chain(transactional_db):
    """Writers that record and then linger in their transaction still form one line."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite's in-memory test database shares one cache; its IMMEDIATE "
            "transactions serialize writers on a file database (settings.py)"
        )

    def write(n: int) -> None:
        with transaction.atomic():
            audit.record(actor=None, action=f"test.writer{n}")
            time.sleep(0.05)

    assert _at_once(6, write) == []
    prev_hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(prev_hashes) == 6 and len(set(prev_hashes)) == 6
    assert verify_chain() is None


def _at_once(count: int, work) -> list[Exception]:
    """``work(n)`` for n in range(count), each on a thread and connection of its own, all
    released together; the errors they raised."""
    start = threading.Barrier(count)
    failures = []

    def run(n: int) -> None:
        try:
            start.wait()
            work(n)
        except Exception as error:  # noqa: BLE001 — returned to the test
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def _submit_dispute(n: int, grid_code: str):
    from fengqiao.intake import services as intake

    return intake.submit_report(
        actor=None,
        sender="session:chain",
        channel="web",
        kind="dispute",
        category="neighbourhood",
        risk="blue",
        level=1,
        text="楼上每天半夜拖椅子，沟通多次没用",
        grid_code=grid_code,
        reporter_name="李大姐",
        reporter_phone=f"1381234{n:04d}",
        client_key=f"chain-key-{n:04d}",
    )


def test_a_submission_links_its_events_to_the_head_it_read_with_its_rows(events, world):
    # On PostgreSQL the chain's head is read (and its lock taken) in the statement that
    # writes the case and the report, not when the batch is written.
    head = AuditEvent.objects.order_by("-id").first()
    report = _submit_dispute(1, world.grid_a1.code).report
    added = list(AuditEvent.objects.filter(id__gt=head.pk).order_by("id"))
    assert [e.action for e in added] == ["disputes.case_opened", "intake.report_submitted"]
    assert [e.object_id for e in added] == [str(report.case_id), str(report.pk)]
    assert added[0].prev_hash == head.hash and added[1].prev_hash == added[0].hash
    assert verify_chain() is None


def test_concurrent_submissions_do_not_fork_the_chain(transactional_db, world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writers with IMMEDIATE transactions (settings.py)")
    assert _at_once(4, lambda n: _submit_dispute(n, world.grid_a1.code)) == []
    prev_hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(prev_hashes) == 8 and len(set(prev_hashes)) == 8
    assert verify_chain() is None


def test_the_head_is_read_ahead_only_where_no_savepoint_could_give_the_lock_back(db):
    assert audit.head_reads() == []  # outside a batch
    with transaction.atomic(), audit.batched():
        reads = audit.head_reads()
        assert len(reads) == (1 if connection.vendor == "postgresql" else 0)
        with transaction.atomic():  # a savepoint: its rollback would release the lock
            assert audit.head_reads() == []
