"""The audit trail only grows: no code path, ORM or raw SQL, changes an event."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet
from django.test import RequestFactory

from fengqiao.audit import services as audit
from fengqiao.audit.context import origin
from fengqiao.audit.middleware import AuditOriginMiddleware
from fengqiao.audit.models import AppendOnlyError, AuditEvent
from tests.factories import UserFactory


@pytest.fixture
def event(world):
    return audit.record(actor=world.officer_a, action="test.looked", obj=world.grid_a1)


def test_record_keeps_who_what_which_record_and_where_in_the_tree(event, world):
    event.refresh_from_db()
    assert event.actor == world.officer_a and event.actor_name == "officer_a"
    assert event.object_type == "places.region" and event.object_id == str(world.grid_a1.pk)
    assert event.region_path == world.grid_a1.path


def test_saving_an_existing_event_again_is_refused(event):
    event.action = "test.rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()


def test_the_orm_refuses_update_and_delete(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.looked"


def test_the_database_refuses_a_raw_update(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["x", event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.looked"


def test_the_database_refuses_a_raw_delete(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_no_queryset_can_delete_past_the_database(event):
    """The custom queryset refuses in Python; the plain ones behind it reach the trigger."""
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent._base_manager.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        QuerySet(AuditEvent).filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        QuerySet(AuditEvent).filter(pk=event.pk).update(action="x")
    assert AuditEvent.objects.get(pk=event.pk).action == "test.looked"


def test_postgresql_refuses_to_truncate_the_trail(event):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_deleting_an_account_keeps_its_events(world):
    user = UserFactory(username="leaver")
    event = audit.record(actor=user, action="test.looked", obj=world.grid_a1)
    user_id = user.pk
    user.delete()
    kept = AuditEvent.objects.get(pk=event.pk)
    assert kept.actor_id == user_id and kept.actor_name == "leaver"


def test_a_request_marks_its_events_with_address_and_path(world):
    request = RequestFactory().post("/somewhere/", REMOTE_ADDR="10.1.2.3")

    def view(request):
        audit.record(actor=world.officer_a, action="test.web")
        return None

    AuditOriginMiddleware(view)(request)
    assert AuditEvent.objects.get(action="test.web").origin == "web 10.1.2.3 POST /somewhere/"


def test_commands_and_jobs_name_their_origin(world):
    with origin("command import_grids"):
        audit.record(actor=None, action="test.job")
    event = AuditEvent.objects.get(action="test.job")
    assert event.origin == "command import_grids" and event.actor is None


def test_the_audit_admin_shows_a_chief_only_his_jurisdiction_and_cannot_edit(client, world):
    from django.urls import reverse

    audit.record(actor=world.officer_a, action="test.in_a", obj=world.grid_a1)
    outside = audit.record(actor=world.officer_b, action="test.in_b", obj=world.grid_b1)
    client.force_login(world.chief)
    page = client.get(reverse("admin:audit_auditevent_changelist")).content.decode()
    assert "test.in_a" in page and "test.in_b" not in page
    detail = client.get(reverse("admin:audit_auditevent_change", args=[outside.pk]))
    assert detail.status_code == 404
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
