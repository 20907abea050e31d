"""A residence-permit service at each township's station, and a helper to book a slot."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from fengqiao.services import catalogue
from fengqiao.services import services as svc
from fengqiao.services.rules import slots_on

PHONE = "13812345678"
ID_NUMBER = "330699198001010014"
MATERIALS = ["居民身份证", "租房合同", "居住登记凭证"]


def make_service(world, which: str = "a", **overrides):
    actor = world.chief if which == "a" else world.county_admin
    values = {
        "station": getattr(world, f"station_{which}"),
        "kind": "residence_permit",
        "name": "居住证申领",
        "who_may_apply": "在本地居住满半年，有稳定就业、住所或就读的",
        "materials": MATERIALS,
        "time_limit_days": 15,
        "promised_days": 10,
        "channels": ["online", "kiosk", "window", "door"],
        "one_visit": True,
        "slot_capacity": 2,
    }
    values.update(overrides)
    return catalogue.save_service(actor=actor, **values)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # The applications' rate limits count in the cache, which outlives a test's transaction.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def permit(world):
    return make_service(world, "a")


@pytest.fixture
def permit_b(world):
    return make_service(world, "b")


def next_slot(days_ahead: int = 1) -> dt.datetime:
    """The first slot of the first working day at least ``days_ahead`` days from today."""
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    while not slots_on(day):
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, slots_on(day)[0], tzinfo=timezone.get_current_timezone())


def book(service, *, sender="session:test", slot=None, channel="window", key=None, **extra):
    values = {
        "sender": sender,
        "service": service,
        "channel": channel,
        "applicant_name": "王小明",
        "phone": PHONE,
        "id_number": ID_NUMBER,
        "booked_for": slot if slot is not None else (next_slot() if channel == "window" else None),
        "client_key": key,
    }
    values.update(extra)
    application, _created = svc.apply(**values)
    return application
