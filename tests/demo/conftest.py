"""The small demo county, shared by consecutive tests that use it (tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def demo_county(shared_demo_county, django_db_blocker):
    shared_demo_county.load()
    with django_db_blocker.unblock():
        yield
