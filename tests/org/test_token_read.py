"""An API token is read with its user, their staff profile and its posting in one query
compiled once per process; each request still gets its own token's user, and refused tokens
stay refused."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework import exceptions
from rest_framework.authtoken.models import Token

from fengqiao.org.authentication import OnDutyTokenAuthentication
from fengqiao.org.models import Person
from fengqiao.org.scope import Scope, person_of, scope_for

pytestmark = pytest.mark.django_db


def _sign_in(key: str):
    return OnDutyTokenAuthentication().authenticate_credentials(key)


def test_a_staff_request_signs_in_and_asks_permission_and_scope_in_two_queries(
    world, django_assert_num_queries
):
    token = Token.objects.create(user=world.officer_a)
    with django_assert_num_queries(2):
        user, signed_in = _sign_in(token.key)
        assert user.has_perm("intake.add_report")
        scope = scope_for(user)
    assert signed_in == token and user == world.officer_a
    assert person_of(user).unit == world.station_a
    assert scope == Scope(region_paths=(world.township_a.path,), unit_paths=(world.station_a.path,))


def test_each_token_signs_in_its_own_user(world):
    tokens = [Token.objects.create(user=user) for user in (world.officer_a, world.officer_b)]
    resident = Token.objects.create(user=world.resident)
    for _ in range(2):
        for token, station in zip(tokens, (world.station_a, world.station_b), strict=True):
            user, signed_in = _sign_in(token.key)
            assert signed_in.key == token.key and user.pk == token.user_id
            assert person_of(user).unit == station
            assert scope_for(user).unit_paths == (station.path,)
        user, _ = _sign_in(resident.key)
        assert user == world.resident and person_of(user) is None
        assert scope_for(user) == Scope() and not user.has_perm("intake.view_report")


def test_unknown_keys_are_refused(world):
    token = Token.objects.create(user=world.officer_a)
    for key in ("", "0" * 40, token.key.upper(), token.key[:-1], f"{token.key} ", "' OR 1=1 --"):
        with pytest.raises(exceptions.AuthenticationFailed):
            _sign_in(key)


def test_off_duty_and_disabled_accounts_tokens_are_refused(world):
    officer = Token.objects.create(user=world.officer_a)
    Person.objects.filter(user=world.officer_a).update(active=False)
    with pytest.raises(exceptions.AuthenticationFailed):
        _sign_in(officer.key)
    chief = Token.objects.create(user=world.chief)
    get_user_model().objects.filter(pk=world.chief.pk).update(is_active=False)
    with pytest.raises(exceptions.AuthenticationFailed):
        _sign_in(chief.key)
    # Refused for who they are, not for the token read: a colleague on duty still signs in.
    colleague = Token.objects.create(user=world.officer_b)
    assert _sign_in(colleague.key)[0] == world.officer_b
