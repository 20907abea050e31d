"""A small world every suite shares: one county, townships A and B, and named users.

officer_a is the community police officer of township A (granted station A), officer_b the
same in township B, chief is station A's chief, county_admin administers the county,
resident has an account and no staff role.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, settings

from tests.factories import (
    AccessGrantFactory,
    AssignmentFactory,
    BeatFactory,
    BuildingFactory,
    PersonFactory,
    RegionFactory,
    UnitFactory,
    UserFactory,
    square,
)

PASSWORD = "pass-for-tests-1"
DEMO_SCALE = 0.02

# Property tests check what holds, not how fast: on a loaded 2-core CI machine Hypothesis's
# per-example deadline and its slow-generation health check failed tests that were correct.
settings.register_profile("fengqiao", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("fengqiao")


@dataclass
class World:
    county: object
    township_a: object
    township_b: object
    community_a: object
    community_b: object
    grid_a1: object
    grid_a2: object
    grid_b1: object
    building_a1: object
    building_b1: object
    bureau: object
    station_a: object
    station_b: object
    beat_a: object
    beat_b: object
    officer_a: object
    officer_b: object
    chief: object
    county_admin: object
    resident: object
    grid_worker_a1: object


def _staff(
    username, roles, *, unit=None, region=None, grant_unit=None, grant_region=None, is_staff=False
):
    user = UserFactory(username=username, is_staff=is_staff, first_name=username)
    person = PersonFactory(user=user, name=username, unit=unit, region=region, role_codes=roles)
    if grant_unit is not None:
        AccessGrantFactory(user=user, unit=grant_unit)
    if grant_region is not None:
        AccessGrantFactory(user=user, region=grant_region)
    return user, person


@pytest.fixture
def world(db) -> World:
    county = RegionFactory(code="330699", name="测试区", level="county")
    township_a = RegionFactory(code="330699001", name="甲镇", level="township", parent=county)
    township_b = RegionFactory(code="330699002", name="乙镇", level="township", parent=county)
    community_a = RegionFactory(
        code="330699001001", name="甲村", level="community", parent=township_a
    )
    community_b = RegionFactory(
        code="330699002001", name="乙社区", level="community", parent=township_b, urban=True
    )
    grid_a1 = RegionFactory(
        code="330699001001G01",
        name="甲村一网格",
        level="grid",
        parent=community_a,
        boundary=square(120.00, 30.00),
    )
    grid_a2 = RegionFactory(
        code="330699001001G02",
        name="甲村二网格",
        level="grid",
        parent=community_a,
        boundary=square(120.01, 30.00),
    )
    grid_b1 = RegionFactory(
        code="330699002001G01",
        name="乙社区一网格",
        level="grid",
        parent=community_b,
        boundary=square(120.10, 30.00),
    )
    building_a1 = BuildingFactory(
        code="B-A1", name="甲村1号", grid=grid_a1, lon=120.005, lat=30.005
    )
    building_b1 = BuildingFactory(
        code="B-B1", name="乙社区1幢", grid=grid_b1, lon=120.105, lat=30.005
    )
    bureau = UnitFactory(code="U330699", name="测试区公安分局", kind="bureau", jurisdiction=county)
    station_a = UnitFactory(
        code="U33069901", name="甲镇派出所", parent=bureau, jurisdiction=township_a
    )
    station_b = UnitFactory(
        code="U33069902", name="乙镇派出所", parent=bureau, jurisdiction=township_b
    )
    beat_a = BeatFactory(code="JA1", name="甲村警务区", unit=station_a)
    beat_a.areas.add(community_a)
    beat_b = BeatFactory(code="JB1", name="乙社区警务区", unit=station_b)
    beat_b.areas.add(community_b)

    officer_a, officer_a_person = _staff(
        "officer_a", ["community_police"], unit=station_a, grant_unit=station_a
    )
    officer_b, officer_b_person = _staff(
        "officer_b", ["community_police"], unit=station_b, grant_unit=station_b
    )
    chief, _ = _staff(
        "chief", ["station_chief"], unit=station_a, grant_unit=station_a, is_staff=True
    )
    county_admin, _ = _staff(
        "county_admin", ["admin"], unit=bureau, grant_unit=bureau, is_staff=True
    )
    resident = UserFactory(username="resident")
    grid_worker_a1, worker_person = _staff(
        "grid_worker_a1", ["grid_worker"], region=grid_a1, grant_region=grid_a1
    )
    AssignmentFactory(person=officer_a_person, duty="community_police", beat=beat_a)
    AssignmentFactory(person=officer_b_person, duty="community_police", beat=beat_b)
    AssignmentFactory(person=worker_person, duty="grid_worker", region=grid_a1)
    return World(
        county=county,
        township_a=township_a,
        township_b=township_b,
        community_a=community_a,
        community_b=community_b,
        grid_a1=grid_a1,
        grid_a2=grid_a2,
        grid_b1=grid_b1,
        building_a1=building_a1,
        building_b1=building_b1,
        bureau=bureau,
        station_a=station_a,
        station_b=station_b,
        beat_a=beat_a,
        beat_b=beat_b,
        officer_a=officer_a,
        officer_b=officer_b,
        chief=chief,
        county_admin=county_admin,
        resident=resident,
        grid_worker_a1=grid_worker_a1,
    )


def staff_user(username: str = "county_admin"):
    """One of the world's users by name, for helpers called without ``world``. The intake
    door checks who takes a report down and where; by default the county's administrator,
    whose jurisdiction covers both townships."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


@pytest.fixture
def transactional_db(transactional_db):
    """pytest-django's, plus: empty the audit trail before the flush that ends the test.

    The database refuses to delete or truncate audit rows (audit migration 0004) unless
    retention's permit is held; a flush only truncates tables that are already empty.
    """
    yield
    from django.db import transaction

    from fengqiao.audit.models import AuditAnchor, AuditEvent
    from fengqiao.audit.retention import _deletes_permitted

    with transaction.atomic(), _deletes_permitted():
        AuditEvent._base_manager.all().delete()
        AuditAnchor._base_manager.all().delete()


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Argon2 is right for production and far too slow for hundreds of test logins.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Lockout needs a request; the test client's login() has none. Lockout tests turn it on.
    settings.AXES_ENABLED = False
    # Figures right after the commit that changed them; tests/analytics/test_deferred_facts.py
    # covers the deferred refresh that serves with a delay.
    settings.FACTS_DELAY = 0


class SharedDemoCounty:
    """One small demo county, loaded in a transaction of its own and rolled back.

    Loading takes seconds, and the tests that use it only read it (each in its own rolled
    back transaction), so it is loaded once for each run of consecutive tests that ask for
    ``demo_county`` and rolled back before any other test: those see an empty database,
    whatever the order.
    """

    current: SharedDemoCounty | None = None

    def __init__(self, django_db_blocker):
        self._blocker = django_db_blocker
        self._atomic = None

    def load(self) -> None:
        if self._atomic is not None:
            return
        from django.core.management import call_command
        from django.db import connection, transaction
        from django.test import override_settings

        if connection.atomic_blocks:
            raise RuntimeError("the demo county must be loaded outside any transaction")

        # The tests' fast hasher must also hash the demo password, or logins would not match.
        fast_hashing = override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
        )
        with self._blocker.unblock(), fast_hashing:
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            try:
                call_command("load_demo", scale=DEMO_SCALE, verbosity=0)
                # PostgreSQL: check the deferred foreign keys of every demo row now. Left
                # pending, they were checked again at the end of every test (pytest-django
                # checks constraints before its rollback, and the rollback to the test's
                # savepoint makes them pending again): 1.8 s a test.
                connection.check_constraints()
            except BaseException:
                self.unload()
                raise

    def unload(self) -> None:
        if self._atomic is None:
            return
        from django.db import connection, transaction

        atomic, self._atomic = self._atomic, None
        with self._blocker.unblock():
            if connection.atomic_blocks[-1:] != [atomic]:
                raise RuntimeError("a transaction opened inside the demo county's is still open")
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="session")
def shared_demo_county(django_db_setup, django_db_blocker):
    county = SharedDemoCounty(django_db_blocker)
    SharedDemoCounty.current = county
    yield county
    county.unload()
    SharedDemoCounty.current = None


def _uses_demo_county(item) -> bool:
    return "demo_county" in getattr(item, "fixturenames", ())


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The tests that use the demo county run one after another (where the first one would
    run), so that it is loaded once."""
    demo = [item for item in items if _uses_demo_county(item)]
    if not demo:
        return
    first = items.index(demo[0])
    others = [item for item in items if not _uses_demo_county(item)]
    items[:] = others[:first] + demo + others[first:]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    # As a module-scoped fixture was: still there for the next test of the same module.
    try:
        return (yield)
    finally:
        county = SharedDemoCounty.current
        if county is not None and (
            nextitem is None
            or not _uses_demo_county(nextitem)
            and nextitem.getparent(pytest.Module) is not item.getparent(pytest.Module)
        ):
            county.unload()
