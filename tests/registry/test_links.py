"""Cases and reports linked to the registry: a party by ID number, a reporter by phone, a
typed address by the standard address it means; shown on the registry pages, scoped."""

from __future__ import annotations

import pytest

from fengqiao.intake import services as intake
from fengqiao.registry import panels
from tests.conftest import staff_user
from tests.registry.conftest import ID_ZHANG, PHONE_ZHANG

pytestmark = pytest.mark.django_db


def _dispute(**extra):
    values = {
        "actor": staff_user(),
        "channel": "web",
        "kind": "dispute",
        "category": "neighbourhood",
        "risk": "blue",
        "level": 1,
        "text": "邻居家漏水到我家，协商多次没有结果",
        "lon": 120.005,
        "lat": 30.005,
        "reporter_name": "张三",
        "reporter_phone": PHONE_ZHANG,
    }
    return intake.submit_report(**{**values, **extra}).report


def _titles(user, kind, obj) -> dict[str, list[str]]:
    return {p.title: [text for text, _url in p.items] for p in panels.panels_for(user, kind, obj)}


def test_a_party_with_a_known_id_number_is_linked_to_the_resident(world, registry):
    report = _dispute(parties=[{"role": "applicant", "name": "张三", "id_number": ID_ZHANG}])
    party = report.case.parties.get()
    assert party.resident == registry.zhang
    shown = _titles(world.officer_a, "resident", registry.zhang)
    assert any(report.case.reference in text for text in shown["矛盾纠纷"])


def test_the_reporter_is_linked_by_phone_and_the_typed_address_by_its_standard_form(
    world, registry
):
    report = _dispute(address="甲镇甲村三组十二号")
    assert report.reporter_resident == registry.zhang
    assert report.std_address == registry.address_a
    assert report.case.std_address == registry.address_a
    shown = _titles(world.officer_a, "address", registry.address_a)
    assert any(report.tracking_code in text for text in shown["群众反映"])
    assert any(report.case.reference in text for text in shown["矛盾纠纷"])


def test_a_typed_address_that_is_not_in_the_registry_links_nothing(world, registry):
    report = _dispute(address="甲村99组1号", reporter_phone="13700001111")
    assert report.std_address is None and report.reporter_resident is None


def test_panels_show_nothing_from_outside_the_viewers_jurisdiction(world, registry):
    _dispute(parties=[{"role": "applicant", "name": "张三", "id_number": ID_ZHANG}])
    shown = _titles(world.officer_b, "resident", registry.zhang)
    assert shown["矛盾纠纷"] == [] and shown["群众反映"] == []
