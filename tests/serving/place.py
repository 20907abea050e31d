"""A place to report into, built in the database a ``fengqiao serve`` under test will use.

Run as ``python -m tests.serving.place`` with that server's environment (its
``FENGQIAO_DATA_DIR`` and, on the PostgreSQL leg, ``DATABASE_URL``): an empty SQLite database
first gets its schema (as ``fengqiao serve --migrate`` would), then one township with two
grids, its police station and community police officer ``officer_a``, whose API token is
the last line printed.
"""

from __future__ import annotations

import os


def build() -> str:
    """The place and the officer; returns the officer's API token."""
    from rest_framework.authtoken.models import Token

    from tests.factories import (
        AccessGrantFactory,
        AssignmentFactory,
        BeatFactory,
        PersonFactory,
        RegionFactory,
        UnitFactory,
        UserFactory,
        square,
    )

    county = RegionFactory(code="330699", name="测试区", level="county")
    township = RegionFactory(code="330699001", name="甲镇", level="township", parent=county)
    village = RegionFactory(code="330699001001", name="甲村", level="community", parent=township)
    for number, lon in ((1, 120.00), (2, 120.01)):
        RegionFactory(
            code=f"330699001001G0{number}",
            name=f"甲村{number}网格",
            level="grid",
            parent=village,
            boundary=square(lon, 30.00),
        )
    bureau = UnitFactory(code="U330699", name="测试区公安分局", kind="bureau", jurisdiction=county)
    station = UnitFactory(code="U33069901", name="甲镇派出所", parent=bureau, jurisdiction=township)
    beat = BeatFactory(code="JA1", name="甲村警务区", unit=station)
    beat.areas.add(village)
    officer = UserFactory(username="officer_a", first_name="officer_a")
    person = PersonFactory(
        user=officer, name="officer_a", unit=station, role_codes=["community_police"]
    )
    AccessGrantFactory(user=officer, unit=station)
    AssignmentFactory(person=person, duty="community_police", beat=beat)
    return Token.objects.get_or_create(user=officer)[0].key


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
    import django

    django.setup()
    from django.db import connection

    from fengqiao.demo.schema import prepare_database

    if connection.vendor == "sqlite":
        prepare_database()
    print(build())


if __name__ == "__main__":
    main()
