"""Taking someone off duty ends their sign-ins at once: API tokens and sessions stop working
on the next request, whether the change came through org.services or around it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.audit.models import AuditEvent
from fengqiao.org import services
from fengqiao.org.models import Person
from tests.conftest import PASSWORD


def _token_client(user) -> tuple[APIClient, Token]:
    token = Token.objects.create(user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api, token


def _people(api):
    return api.get(reverse("api:person-list"))


def _assert_refused(response):
    # 403 rather than 401: session authentication comes first and sends no WWW-Authenticate.
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_taking_a_person_off_duty_deletes_their_tokens_and_sessions(client, world):
    api, token = _token_client(world.officer_a)
    assert _people(api).status_code == 200
    client.force_login(world.officer_a)
    assert client.get(reverse("org:people")).status_code == 200
    person = world.officer_a.person

    services.set_person_active(actor=world.county_admin, person=person, active=False)

    assert not Token.objects.filter(user=world.officer_a).exists()
    _assert_refused(_people(api))
    assert not Session.objects.filter(session_key=client.session.session_key).exists()
    assert client.get(reverse("org:people")).status_code == 302
    event = AuditEvent.objects.get(action="org.person_deactivated")
    assert event.changes["active"] == {"old": True, "new": False}
    assert event.changes["tokens_ended"] == 1 and event.changes["sessions_ended"] == 1


def test_an_inactive_persons_token_and_session_are_refused_even_if_the_rows_remain(client, world):
    api, token = _token_client(world.officer_a)
    client.force_login(world.officer_a)
    session_key = client.session.session_key
    # Around the service (a bulk update, a database console): the rows stay behind.
    Person.objects.filter(user=world.officer_a).update(active=False)
    assert Token.objects.filter(pk=token.pk).exists()

    response = _people(api)
    _assert_refused(response)
    assert "账号已停用" in response.json()["detail"]
    # The session is logged out on its next request, not merely ignored.
    assert client.get(reverse("org:people")).status_code == 302
    assert not Session.objects.filter(session_key=session_key).exists()
    # Back on duty, the old session does not come back.
    Person.objects.filter(user=world.officer_a).update(active=True)
    assert client.get(reverse("org:people")).status_code == 302


def test_an_inactive_person_cannot_log_in(client, world):
    Person.objects.filter(user=world.officer_a).update(active=False)
    response = client.post(reverse("login"), {"username": "officer_a", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_admin_takes_a_person_off_duty_through_the_service(client, world):
    api, _token = _token_client(world.grid_worker_a1)
    worker = world.grid_worker_a1.person
    client.force_login(world.chief)
    response = client.post(
        reverse("admin:org_person_change", args=[worker.pk]),
        {
            "name": worker.name,
            "phone": worker.phone,
            "roles": ["grid_worker"],
            "region": worker.region_id,
            "user": worker.user_id,
        },
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert not worker.active
    _assert_refused(_people(api))
    assert AuditEvent.objects.filter(action="org.person_deactivated").count() == 1


def test_a_chief_cannot_take_themselves_off_duty(client, world):
    me = world.chief.person
    client.force_login(world.chief)
    response = client.post(
        reverse("admin:org_person_change", args=[me.pk]),
        {"name": me.name, "phone": me.phone, "roles": ["station_chief"], "unit": me.unit_id},
    )
    assert response.status_code == 200 and "不能修改自己的" in response.content.decode()
    me.refresh_from_db()
    assert me.active
    with pytest.raises(ValidationError):
        services.set_person_active(actor=world.chief, person=me, active=False)


def test_disabling_an_account_in_the_admin_ends_its_sign_ins(client, world):
    api, _token = _token_client(world.officer_a)
    client.force_login(world.county_admin)
    response = client.post(
        reverse("admin:auth_user_change", args=[world.officer_a.pk]),
        {"username": "officer_a", "first_name": "officer_a"},
    )
    assert response.status_code == 302
    assert not get_user_model().objects.get(pk=world.officer_a.pk).is_active
    assert not Token.objects.filter(user=world.officer_a).exists()
    _assert_refused(_people(api))
    event = AuditEvent.objects.get(action="org.account_disabled")
    assert event.changes["is_active"] == {"old": True, "new": False}
