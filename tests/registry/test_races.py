"""Two people registering the same thing at once: the second gets the first's record or a
message on the field, never a 500 from the unique constraint; and a merge that would
break one is refused before it writes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from fengqiao.audit.models import AuditEvent
from fengqiao.registry import care, services
from fengqiao.registry.address_text import parse
from fengqiao.registry.models import Address, Establishment, House, KeyPerson, Resident
from tests.races import lands_after

CREDIT_CODE = "91330699MA2B3C4D5"


def _address(world, text: str = "3组15号"):
    return services.register_address(
        actor=world.county_admin, grid=world.grid_a1, parts=parse(text), raw_text=text
    )


def test_an_address_registered_twice_at_once_is_one_address(world):
    with lands_after('FROM "registry_address"', '"key" =', write=lambda: _address(world)) as raced:
        address, created = _address(world)
    assert raced
    assert not created and Address.objects.get() == address
    assert AuditEvent.objects.filter(action="registry.address.created").count() == 1


def test_a_house_registered_twice_at_once_is_refused_on_its_label(world, registry):
    def register():
        return services.register_house(
            actor=world.county_admin, address=registry.address_a, label="西"
        )

    with (
        lands_after('FROM "registry_house"', '"label" =', write=register) as raced,
        pytest.raises(ValidationError) as refused,
    ):
        register()
    assert raced
    assert refused.value.message_dict == {"label": ["这个地址已登记了同一标识的房屋"]}
    assert House.objects.filter(address=registry.address_a, label="西").count() == 1


def test_a_credit_code_registered_twice_at_once_is_refused_on_the_code(world, registry):
    from fengqiao.registry import checks

    code = CREDIT_CODE + checks.credit_check_character(CREDIT_CODE)

    def register():
        return services.register_establishment(
            actor=world.county_admin,
            address=registry.address_a,
            name="甲村超市",
            kind="shop",
            credit_code=code,
        )

    with (
        lands_after('FROM "registry_establishment"', '"credit_code" =', write=register) as raced,
        pytest.raises(ValidationError) as refused,
    ):
        register()
    assert raced
    assert refused.value.message_dict == {"credit_code": ["这个统一社会信用代码已经登记过"]}
    assert Establishment.objects.filter(credit_code=code).count() == 1


def test_a_person_enrolled_twice_at_once_is_refused_on_the_kind(world, registry):
    def enrol():
        return care.enrol_key_person(
            actor=world.officer_a, resident=registry.zhang, kind="elderly_alone"
        )

    with (
        lands_after('FROM "registry_keyperson"', '"active"', write=enrol) as raced,
        pytest.raises(ValidationError) as refused,
    ):
        enrol()
    assert raced
    assert refused.value.message_dict == {"kind": ["此人已在该类重点人群中"]}
    assert KeyPerson.objects.filter(resident=registry.zhang).count() == 1


def test_merging_two_records_under_care_of_the_same_kind_is_refused_and_changes_nothing(
    world, registry
):
    duplicate = services.register_resident(
        actor=world.county_admin,
        house=registry.house_a,
        name="张叁",
        id_number="330699198001010057",
    )
    for person in (registry.zhang, duplicate):
        care.enrol_key_person(actor=world.officer_a, resident=person, kind="elderly_alone")
    audits = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.merge_residents(
            actor=world.county_admin, keep=registry.zhang, duplicate=duplicate, reason="同一人"
        )
    assert "请先结束其中一条关注记录再合并" in refused.value.messages[0]
    assert Resident.objects.filter(pk=duplicate.pk).exists()
    assert KeyPerson.objects.filter(resident=duplicate).count() == 1
    assert AuditEvent.objects.count() == audits
