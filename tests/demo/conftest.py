"""One small demo county per test module, loaded once and rolled back afterwards."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

DEMO_SCALE = 0.02


@pytest.fixture(scope="module")
def demo_county(django_db_setup, django_db_blocker):
    # The tests' fast hasher must also hash the demo password, or logins would not match.
    fast_hashing = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    )
    with django_db_blocker.unblock(), fast_hashing, transaction.atomic():
        call_command("load_demo", scale=DEMO_SCALE, verbosity=0)
        yield
        transaction.set_rollback(True)
