"""Factories for the foundation's models. Build data here, not in fixture files."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from fengqiao.org.models import AccessGrant, Assignment, Beat, Person, Role, Unit
from fengqiao.places.models import Building, Region


def square(lon: float, lat: float, size: float = 0.01) -> dict:
    """A GeoJSON square polygon with its south-west corner at (lon, lat)."""
    ring = [
        [lon, lat],
        [lon + size, lat],
        [lon + size, lat + size],
        [lon, lat + size],
        [lon, lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"R{n:06d}")
    name = factory.Sequence(lambda n: f"区域{n}")
    level = "county"


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    code = factory.Sequence(lambda n: f"B{n:06d}")
    name = factory.Sequence(lambda n: f"{n}号楼")
    lon = 120.0
    lat = 30.0


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pass-for-tests-1")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:05d}")
    name = factory.Sequence(lambda n: f"单位{n}")
    kind = Unit.Kind.STATION


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"人员{n}")
    phone = factory.Sequence(lambda n: f"+86138{n:08d}")

    @factory.post_generation
    def role_codes(self, create, extracted, **kwargs):
        for code in extracted or ():
            self.roles.add(Role.objects.get(code=code))


class BeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beat

    code = factory.Sequence(lambda n: f"J{n:05d}")
    name = factory.Sequence(lambda n: f"警务区{n}")


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    starts_on = dt.date(2026, 1, 1)


class AccessGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessGrant
