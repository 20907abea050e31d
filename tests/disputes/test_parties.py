"""A case's parties: added and corrected by whoever works the case, person or organisation
(credit code checked), numbers sealed and masked, linked to the registry, on the timeline and
the audit trail without their full numbers; refused to everyone else with nothing changed.
"""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fengqiao.audit.models import AuditEvent
from fengqiao.disputes import parties, services
from fengqiao.disputes.credit_codes import check_character, normalize_credit_code
from fengqiao.disputes.models import Case, Party
from fengqiao.intake.services import submit_report
from tests.conftest import staff_user
from tests.registry.conftest import ID_ZHANG, registry  # noqa: F401 (the registry fixture)
from tests.snapshots import case_snapshot

# Real codes, as printed on business licences.
REAL_CODES = [
    "9144030071526726XG",
    "914403001922038216",
    "91330100799655058B",
    "91110108551385082Q",
    "12100000400000624D",
]
PHONE = "13812345678"
ID_NUMBER = "11010519491231002X"


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_credit_codes_pass(code):
    assert normalize_credit_code(code.lower()[:9] + " " + code[9:]) == code
    assert check_character(code[:17]) == code[17]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("9144030071526726XH", "校验位"),
        ("9144030071526726X", "18 位"),
        ("9144030071526726IG", "不能有字符 I"),
        ("91AB030071526726XG", "行政区划码"),
    ],
)
def test_a_wrong_credit_code_says_what_is_wrong(text, words):
    with pytest.raises(ValidationError) as error:
        normalize_credit_code(text)
    assert words in error.value.messages[0]


def test_a_blank_credit_code_is_blank():
    assert normalize_credit_code("  ") == ""


@pytest.fixture
def case(world) -> Case:
    case = submit_report(
        actor=staff_user(),
        channel="walk_in",
        kind="dispute",
        category="neighbourhood",
        risk="yellow",
        text="楼上物业公司不修漏水",
        lon=120.005,
        lat=30.005,
        reporter_name="王某",
    ).report.case
    return services.accept_case(case=case, actor=world.grid_worker_a1)


def test_the_handler_adds_a_person_and_an_organisation(world, case):
    person = parties.add_party(
        case=case,
        actor=world.grid_worker_a1,
        role="respondent",
        name=" 赵某 ",
        phone=PHONE,
        id_number=ID_NUMBER,
    )
    company = parties.add_party(
        case=case,
        actor=world.grid_worker_a1,
        role="third_party",
        kind="organisation",
        name="甲村物业服务有限公司",
        credit_code="91330100799655058b",
        representative="钱某",
        phone=PHONE,
    )
    assert person.name == "赵某" and person.phone_masked == "138****5678"
    assert person.id_masked.startswith("110") and person.id_number == ID_NUMBER
    assert company.credit_code == "91330100799655058B" and company.representative == "钱某"
    assert list(case.parties.values_list("role", flat=True)) == [
        "applicant",
        "respondent",
        "third_party",
    ]
    added = case.events.filter(kind="party_added")
    assert added.count() == 2
    audits = AuditEvent.objects.filter(action="disputes.party_added")
    assert audits.count() == 2
    written = json.dumps(list(added.values_list("payload", flat=True))) + json.dumps(
        list(audits.values_list("changes", flat=True)), ensure_ascii=False
    )
    assert PHONE not in written and ID_NUMBER not in written


def test_a_correction_keeps_what_changed_masked(world, case):
    party = parties.add_party(
        case=case, actor=world.grid_worker_a1, role="respondent", name="赵某", phone=PHONE
    )
    parties.update_party(
        party=party, actor=world.officer_a, name="赵某某", phone="13900001111", address="甲村3号"
    )
    party.refresh_from_db()
    assert party.name == "赵某某" and party.phone == "+8613900001111"
    event = case.events.get(kind="party_corrected")
    changes = event.payload["changes"]
    assert changes["name"] == ["赵某", "赵某某"]
    assert changes["phone"] == ["138****5678", "139****1111"]
    assert changes["address"] == ["", "甲村3号"]
    assert "role" not in changes
    written = json.dumps(event.payload) + json.dumps(
        AuditEvent.objects.get(action="disputes.party_corrected").changes
    )
    assert "13900001111" not in written and PHONE not in written


def test_a_correction_sent_twice_writes_once(world, case):
    party = parties.add_party(case=case, actor=world.grid_worker_a1, role="respondent", name="赵")
    for _ in range(2):
        parties.update_party(party=party, actor=world.grid_worker_a1, name="赵某")
    assert case.events.filter(kind="party_corrected").count() == 1


def test_the_same_party_sent_twice_is_added_once(world, case):
    values = {"role": "respondent", "name": "赵某", "phone": PHONE}
    parties.add_party(case=case, actor=world.grid_worker_a1, **values)
    before = case_snapshot(case)
    with pytest.raises(ValidationError) as error:
        parties.add_party(case=case, actor=world.grid_worker_a1, **values)
    assert "已是本案当事人" in error.value.message_dict["name"][0]
    assert case_snapshot(case) == before


def test_a_registry_resident_is_linked_by_id_number_also_when_corrected(world, case, registry):  # noqa: F811
    party = parties.add_party(
        case=case, actor=world.grid_worker_a1, role="respondent", name="张三", id_number=ID_ZHANG
    )
    assert party.resident == registry.zhang
    other = parties.add_party(case=case, actor=world.grid_worker_a1, role="third_party", name="张")
    assert other.resident is None
    parties.update_party(party=other, actor=world.grid_worker_a1, id_number=ID_ZHANG)
    assert other.resident == registry.zhang


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"kind": "organisation", "credit_code": "9144030071526726XH"}, "credit_code", "校验位"),
        ({"kind": "organisation", "representative": "钱某"}, "credit_code", "请填写"),
        ({"kind": "organisation", "credit_code": REAL_CODES[0]}, "representative", "请填写"),
        ({"credit_code": REAL_CODES[0]}, "credit_code", "自然人"),
        ({"id_number": "110105194912310021"}, "id_number", "校验位"),
        ({"phone": "12345"}, "phone", ""),
        ({"role": "witness"}, "role", "身份"),
        ({"name": " "}, "name", "姓名"),
    ],
)
def test_bad_values_are_refused_by_field_and_nothing_is_written(world, case, values, field, words):
    before = case_snapshot(case)
    with pytest.raises(ValidationError) as error:
        parties.add_party(
            case=case,
            actor=world.grid_worker_a1,
            **{"role": "respondent", "name": "某公司", **values},
        )
    assert words in error.value.message_dict[field][0]
    assert case_snapshot(case) == before


@pytest.mark.parametrize("who", ["officer_b", "resident"])
def test_outsiders_may_not_add_or_correct(world, case, who):
    party = case.parties.get()
    before = case_snapshot(case)
    actor = getattr(world, who)
    with pytest.raises(PermissionDenied):
        parties.add_party(case=case, actor=actor, role="respondent", name="赵某")
    with pytest.raises(PermissionDenied):
        parties.update_party(party=party, actor=actor, name="改名")
    with pytest.raises(PermissionDenied):
        parties.remove_party(party=party, actor=actor, reason="误登记")
    assert case_snapshot(case) == before


def test_a_party_entered_by_mistake_is_removed_with_a_reason(world, case):
    party = parties.add_party(case=case, actor=world.grid_worker_a1, role="respondent", name="错")
    with pytest.raises(ValidationError):
        parties.remove_party(party=party, actor=world.grid_worker_a1, reason=" ")
    parties.remove_party(party=party, actor=world.grid_worker_a1, reason="误登记")
    assert not Party.objects.filter(pk=party.pk).exists()
    assert case.events.get(kind="party_removed").note == "误登记"


# --- the case page ---------------------------------------------------------------------------


def _post(client, url, data):
    return client.post(url, data)


def test_the_page_adds_and_corrects_a_party(client, world, case):
    client.force_login(world.grid_worker_a1)
    page = client.get(reverse("disputes:case", args=[case.reference])).content.decode()
    add_url = reverse("disputes:party_add", args=[case.reference])
    assert add_url in page
    response = _post(
        client,
        add_url,
        {
            "party-role": "respondent",
            "party-kind": "organisation",
            "party-name": "甲村物业服务有限公司",
            "party-credit_code": REAL_CODES[2],
            "party-representative": "钱某",
        },
    )
    assert response.status_code == 302
    company = case.parties.get(kind="organisation")
    page = client.get(reverse("disputes:case", args=[case.reference])).content.decode()
    assert REAL_CODES[2] in page and "钱某" in page
    edit_url = reverse("disputes:party_edit", args=[case.reference, company.pk])
    response = _post(
        client,
        edit_url,
        {
            f"party-{company.pk}-role": "respondent",
            f"party-{company.pk}-kind": "organisation",
            f"party-{company.pk}-name": "甲村物业有限公司",
            f"party-{company.pk}-credit_code": REAL_CODES[2],
            f"party-{company.pk}-representative": "孙某",
        },
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.name == "甲村物业有限公司" and company.representative == "孙某"


def test_a_bad_credit_code_comes_back_beside_the_field_with_what_was_typed(client, world, case):
    client.force_login(world.grid_worker_a1)
    before = case_snapshot(case)
    response = _post(
        client,
        reverse("disputes:party_add", args=[case.reference]),
        {
            "party-role": "respondent",
            "party-kind": "organisation",
            "party-name": "甲村物业服务有限公司",
            "party-credit_code": "9144030071526726XH",
            "party-representative": "钱某",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "统一社会信用代码校验位错误" in body and "甲村物业服务有限公司" in body
    assert case_snapshot(case) == before


def test_a_forged_party_id_from_another_case_is_404(client, world, case):
    other = submit_report(
        actor=staff_user(),
        channel="walk_in",
        kind="dispute",
        category="neighbourhood",
        risk="yellow",
        text="另一起纠纷",
        lon=120.005,
        lat=30.005,
        reporter_name="孙某",
    ).report.case
    stranger = other.parties.get()
    client.force_login(world.grid_worker_a1)
    before = case_snapshot(other)
    url = reverse("disputes:party_edit", args=[case.reference, stranger.pk])
    response = _post(
        client, url, {f"party-{stranger.pk}-role": "respondent", f"party-{stranger.pk}-name": "改"}
    )
    assert response.status_code == 404
    assert case_snapshot(other) == before


@pytest.mark.parametrize("who", ["officer_b", "resident"])
def test_outsiders_get_no_party_page(client, world, case, who):
    client.force_login(getattr(world, who))
    before = case_snapshot(case)
    response = _post(
        client,
        reverse("disputes:party_add", args=[case.reference]),
        {"party-role": "respondent", "party-name": "赵某"},
    )
    assert response.status_code in (403, 404)
    assert case_snapshot(case) == before
