"""The demo registry: every home in the showcase town has its address, house and people,
the numbers are valid and findable, key people are under care, the cases agree."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, F

from fengqiao.disputes.models import Party
from fengqiao.identity import normalize_id_number
from fengqiao.org.scope import scope_to
from fengqiao.places.models import Building
from fengqiao.privacy import mask_phone
from fengqiao.registry import sealing
from fengqiao.registry.address_text import AddressParts
from fengqiao.registry.models import (
    Address,
    Establishment,
    House,
    KeyPerson,
    Occupancy,
    Resident,
)
from fengqiao.registry.search import search
from fengqiao.registry.services import PlaceNames, address_row

pytestmark = pytest.mark.usefixtures("demo_county")


@pytest.fixture
def db_access(db):
    return db


@pytest.fixture
def police(db_access):
    return get_user_model().objects.get(username="police")


def _homes_buildings():
    return Building.objects.filter(
        use__in=[Building.Use.RESIDENTIAL, Building.Use.FARMHOUSE],
        pk__in=Address.objects.values("building"),
    )


def test_every_home_building_in_the_showcase_town_has_a_door_address_and_houses(db_access):
    buildings = _homes_buildings()
    assert buildings.count() > 100
    town = buildings.first().grid.path.split("/")[4]
    in_town = Building.objects.filter(
        use__in=[Building.Use.RESIDENTIAL, Building.Use.FARMHOUSE], grid__path__contains=town
    )
    assert in_town.count() == buildings.count()
    doors = set(Address.objects.filter(kind="door").values_list("building", flat=True))
    with_houses = set(House.objects.values_list("address__building", flat=True))
    for building in in_town:
        assert building.pk in doors, building.address
        assert building.pk in with_houses, building.address


def test_addresses_have_the_text_and_keys_the_services_give(db_access):
    names = PlaceNames()
    for address in Address.objects.select_related("grid").order_by("?")[:50]:
        row = address_row(address.grid, _parts_of(address), names_=names)
        assert (row.full_text, row.tail, row.key, row.scope_path) == (
            address.full_text,
            address.tail,
            address.key,
            address.scope_path,
        )
        assert address.kind == ("room" if address.room else "door")


def _parts_of(address):
    return AddressParts(
        road=address.road,
        door_number=address.door_number,
        compound=address.compound,
        village_group=address.village_group,
        building_no=address.building_no,
        unit_no=address.unit_no,
        floor=address.floor,
        room=address.room,
    )


def test_about_one_in_twenty_residents_is_floating_and_homes_hold_about_three(db_access):
    residents = Resident.objects.count()
    floating = Resident.objects.filter(residence_type="floating")
    assert residents > 1000
    assert 0.03 <= floating.count() / residents <= 0.08
    assert not floating.filter(hukou_place__startswith="浙江省绍兴市青枫县").exists()
    occupied = House.objects.annotate(n=Count("residents")).filter(n__gt=0)
    assert 2.4 <= residents / occupied.count() <= 3.2
    homes = House.objects.exclude(use="business")
    assert homes.filter(use="rented").count() / homes.count() == pytest.approx(0.15, abs=0.04)
    assert House.objects.filter(use="vacant", residents__isnull=False).count() == 0


def test_every_id_number_is_valid_and_found_by_its_hash(db_access):
    sample = list(Resident.objects.order_by("?")[:200])
    for resident in sample:
        number = resident.id_number
        assert normalize_id_number(number) == number
        assert resident.birth_date is not None and resident.id_last4 == number[-4:]
        assert Resident.objects.get(id_hash=sealing.digest(number)) == resident
    assert Resident.objects.values("id_hash").annotate(n=Count("id")).filter(n__gt=1).count() == 0


def test_sealed_phones_match_the_model(db_access):
    for resident in Resident.objects.exclude(phone_sealed="").order_by("?")[:100]:
        phone = resident.phone
        assert resident.phone_masked == mask_phone(phone)
        assert resident.phone_hash == sealing.digest(phone)
        assert resident.phone_last4 == phone[-4:]


def test_every_resident_has_an_open_occupancy_of_their_house(db_access):
    residents = Resident.objects.filter(house__isnull=False)
    open_stays = Occupancy.objects.filter(moved_out=None, house=F("resident__house"))
    assert open_stays.count() == residents.count() > 0


def test_the_officer_finds_residents_of_the_beat_by_initials_and_pinyin(police):
    mine = scope_to(police, Resident.objects.all())
    assert mine.exists()
    resident = mine.order_by("id")[len(mine) // 2]
    found = search(police, resident.name_initials, limit=1000)
    assert found.kind == "pinyin" and found.residents
    assert set(found.residents) <= set(mine)
    by_pinyin = search(police, resident.name_pinyin, limit=1000)
    assert resident in by_pinyin.residents
    assert resident in search(police, resident.name, limit=1000).residents


def test_key_people_are_in_the_beats_care_and_a_few_are_overdue(db_access):
    from django.utils import timezone

    records = KeyPerson.objects.select_related("resident", "officer")
    assert records.count() > 10
    assert {"severe_mental_disorder", "elderly_alone"} <= set(
        records.values_list("kind", flat=True)
    )
    overdue = records.filter(next_visit_due__lt=timezone.localdate())
    assert 0 < overdue.count() < 0.3 * records.count()
    for record in records[:50]:
        assert record.officer is not None
        assert record.scope_path == record.resident.scope_path
    elderly = records.filter(kind="elderly_alone")
    assert all(r.resident.birth_date.year <= timezone.localdate().year - 69 for r in elderly)


def test_demo_parties_with_id_numbers_are_registered_residents(db_access):
    parties = Party.objects.exclude(id_sealed="")
    assert parties.count() > 10
    for party in parties:
        assert party.id_hash == sealing.digest(party.id_number)
        resident = Resident.objects.get(id_hash=party.id_hash)
        assert party.resident_id == resident.pk
        assert (resident.name, resident.phone) == (party.name, party.phone)
        assert resident.scope_path == party.scope_path


def test_units_along_the_streets_have_valid_credit_codes(db_access):
    from fengqiao.registry.checks import credit_code

    units = Establishment.objects.all()
    kinds = set(units.values_list("kind", flat=True))
    assert {"shop", "restaurant", "school", "kindergarten"} <= kinds
    for unit in units[:100]:
        assert credit_code(unit.credit_code) == unit.credit_code
        assert unit.scope_path == unit.address.scope_path
