"""Retention: prune_audit removes events older than six months through the one permitted
path, leaving an anchor, and the chain still verifies from there."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from fengqiao.audit import services as audit
from fengqiao.audit.chain import verify_chain
from fengqiao.audit.models import AppendOnlyError, AuditAnchor, AuditEvent
from fengqiao.audit.retention import latest_allowed_cutoff


def _record_at(monkeypatch, when: dt.datetime, action: str):
    with monkeypatch.context() as clock:
        clock.setattr(timezone, "now", lambda: when)
        return audit.record(actor=None, action=action)


@pytest.fixture
def history(world, monkeypatch):
    """Two events from last year, one from eight months ago, two from this week."""
    now = timezone.now()
    return {
        "old": [
            _record_at(monkeypatch, now - dt.timedelta(days=400), "test.old1"),
            _record_at(monkeypatch, now - dt.timedelta(days=390), "test.old2"),
        ],
        "older_than_cut": _record_at(monkeypatch, now - dt.timedelta(days=240), "test.mid"),
        "recent": [
            audit.record(actor=world.officer_a, action="test.recent1", obj=world.grid_a1),
            audit.record(actor=None, action="test.recent2"),
        ],
    }


def _prune(before: dt.date) -> str:
    out = StringIO()
    call_command("prune_audit", "--before", before.isoformat(), stdout=out)
    return out.getvalue()


def _verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_a_date_within_six_months_is_refused_and_nothing_is_removed(history):
    too_recent = latest_allowed_cutoff() + dt.timedelta(days=1)
    with pytest.raises(CommandError, match="至少保留六个月"):
        _prune(too_recent)
    assert AuditEvent.objects.count() == 5 and not AuditAnchor.objects.exists()


def test_six_months_is_counted_in_calendar_months():
    assert latest_allowed_cutoff(dt.date(2026, 8, 31)) == dt.date(2026, 2, 28)
    assert latest_allowed_cutoff(dt.date(2026, 3, 15)) == dt.date(2025, 9, 15)


def test_prune_removes_the_old_events_and_the_chain_verifies_from_the_anchor(history):
    cut = timezone.localdate() - dt.timedelta(days=300)
    output = _prune(cut)
    assert "已清理 2 条" in output
    old_ids = [event.pk for event in history["old"]]
    assert not AuditEvent.objects.filter(pk__in=old_ids).exists()
    kept = [history["older_than_cut"], *history["recent"]]
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in kept]).count() == 3
    anchor = AuditAnchor.objects.get()
    assert anchor.last_event_id == old_ids[-1] and anchor.pruned == 2
    assert anchor.last_hash == history["old"][-1].hash
    pruned = AuditEvent.objects.get(action="audit.pruned")
    assert pruned.changes["last_hash"] == anchor.last_hash
    assert verify_chain() is None
    assert "自清理锚点" in _verify()


def test_a_second_prune_moves_the_anchor_and_the_chain_still_verifies(history):
    _prune(timezone.localdate() - dt.timedelta(days=300))
    _prune(latest_allowed_cutoff())
    assert not AuditEvent.objects.filter(pk=history["older_than_cut"].pk).exists()
    assert AuditAnchor.objects.count() == 2
    assert verify_chain() is None


def test_nothing_old_enough_prunes_nothing(history):
    assert "没有早于" in _prune(timezone.localdate() - dt.timedelta(days=500))
    assert AuditEvent.objects.count() == 5 and not AuditAnchor.objects.exists()


def test_after_a_prune_deletes_are_refused_again(history):
    _prune(timezone.localdate() - dt.timedelta(days=300))
    survivor = history["recent"][0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [survivor.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditanchor")
    with pytest.raises(AppendOnlyError):
        AuditAnchor.objects.all().delete()
    assert AuditEvent.objects.filter(pk=survivor.pk).exists() and AuditAnchor.objects.exists()


def test_rows_cut_by_hand_after_the_anchor_are_named(history):
    _prune(timezone.localdate() - dt.timedelta(days=300))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER audit_event_no_delete ON audit_auditevent")
        else:
            cursor.execute("DROP TRIGGER audit_event_no_delete")
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [history["older_than_cut"].pk])
    broken = verify_chain()
    assert broken.id == history["recent"][0].pk and broken.reason == "missing"


def test_an_anchor_forged_to_hide_a_cut_is_named(history):
    """Cutting the oldest rows and writing an anchor by hand: no audit.pruned records it."""
    last_old = history["old"][-1]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER audit_event_no_delete ON audit_auditevent")
        else:
            cursor.execute("DROP TRIGGER audit_event_no_delete")
        cursor.execute("DELETE FROM audit_auditevent WHERE id <= %s", [last_old.pk])
    AuditAnchor.objects.create(
        before=timezone.now(),
        last_event_id=last_old.pk,
        last_hash=last_old.hash,
        last_at=last_old.at,
        pruned=2,
    )
    assert verify_chain().reason == "anchor"
    with pytest.raises(CommandError, match="清理锚点"):
        _verify()
