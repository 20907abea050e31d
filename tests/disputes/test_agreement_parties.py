"""An agreement binds its parties: it takes effect only when every one of them has signed,
a refusal ends it (a new one may be drafted), only a mediator who attended a session signs
as mediator, and the PDF has a row and a copy for each of its parties."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from fengqiao.audit.models import AuditEvent
from fengqiao.disputes import parties, services
from fengqiao.disputes.mediation import paperwork
from fengqiao.disputes.mediation import selectors as mediation_selectors
from fengqiao.disputes.mediation import services as mediation
from fengqiao.disputes.models import Agreement, Case
from fengqiao.org.models import Person
from tests.disputes.test_documents import text_of
from tests.disputes.test_mediation import _case, _mediator, _session
from tests.snapshots import case_snapshot

CODE = "91330100799655058B"


@pytest.fixture
def case(world) -> Case:
    """王某 (applicant) against 赵某 (respondent), the property company as third party; one
    session mediated by the grid worker."""
    case = _case(world)
    parties.add_party(
        case=case,
        actor=world.grid_worker_a1,
        role="third_party",
        kind="organisation",
        name="甲村物业服务有限公司",
        credit_code=CODE,
        representative="钱某",
    )
    _session(world, case)
    return Case.objects.get(pk=case.pk)


def _draft(world, case, **extra) -> Agreement:
    respondent = case.parties.get(role="respondent")
    values = {
        "case": case,
        "actor": world.grid_worker_a1,
        "committee": "甲村人民调解委员会",
        "facts": "赵某家漏水，物业未及时维修",
        "issues": "维修及赔偿",
        "terms": [{"obligation": "赔偿王某损失", "obligor": respondent, "amount": "300"}],
    }
    return mediation.draft_agreement(**{**values, **extra})


def _sign_all_but(world, agreement, *, skip=()):
    for party in mediation_selectors.parties_of(agreement):
        if party.name not in skip:
            mediation.sign_agreement(agreement=agreement, actor=world.grid_worker_a1, signer=party)


def test_it_takes_effect_only_when_every_party_has_signed(world, case):
    agreement = _draft(world, case)
    assert {p.name for p in agreement.parties.all()} == {"王某", "赵某", "甲村物业服务有限公司"}
    _sign_all_but(world, agreement, skip={"甲村物业服务有限公司"})
    mediation.sign_agreement(
        agreement=agreement, actor=world.grid_worker_a1, signer=_mediator(world)
    )
    mediation.apply_seal(agreement=agreement, actor=world.grid_worker_a1)
    agreement.refresh_from_db()
    assert agreement.effective_on is None
    assert mediation_selectors.missing_for_effect(agreement) == ["当事人甲村物业服务有限公司的签名"]
    company = case.parties.get(kind="organisation")
    mediation.sign_agreement(
        agreement=agreement, actor=world.grid_worker_a1, signer=company, method="seal"
    )
    agreement.refresh_from_db()
    assert agreement.effective_on is not None
    assert Case.objects.get(pk=case.pk).state == "follow_up"


def test_the_pdf_has_a_row_and_a_copy_for_every_party_to_it(world, case):
    agreement = _draft(world, case)
    text = text_of(paperwork.print_agreement(case=case, actor=world.grid_worker_a1))
    for words in ("申请人", "王某", "被申请人", "赵某", "第三人", "甲村物业服务有限公司", CODE):
        assert words in text
    assert "钱某" in text
    assert "本协议一式4份" in text
    assert agreement.parties.count() == 3


def test_an_agreement_may_name_fewer_parties_and_only_they_sign(world, case):
    two = list(case.parties.exclude(kind="organisation"))
    agreement = _draft(world, case, parties=two)
    company = case.parties.get(kind="organisation")
    before = case_snapshot(case)
    with pytest.raises(ValidationError) as error:
        mediation.sign_agreement(agreement=agreement, actor=world.grid_worker_a1, signer=company)
    assert "不是这份协议的当事人" in error.value.message_dict["signer"][0]
    assert case_snapshot(case) == before
    text = text_of(paperwork.print_agreement(case=case, actor=world.grid_worker_a1))
    assert "甲村物业服务有限公司" not in text and "本协议一式3份" in text


def test_an_obligor_must_be_a_party_to_the_agreement(world, case):
    applicant = case.parties.get(role="applicant")
    company = case.parties.get(kind="organisation")
    before = case_snapshot(case)
    with pytest.raises(ValidationError) as error:
        _draft(
            world,
            case,
            parties=[applicant, case.parties.get(role="respondent")],
            terms=[{"obligation": "维修水管", "obligor": company}],
        )
    assert "不是这份协议的当事人" in error.value.message_dict["terms"][0]
    assert case_snapshot(case) == before


def test_an_agreement_needs_two_parties_and_only_this_cases(world, case):
    other = _case(world)
    before = case_snapshot(case)
    with pytest.raises(ValidationError) as error:
        _draft(world, case, parties=[case.parties.get(role="applicant")])
    assert "至少要有两方当事人" in error.value.message_dict["parties"][0]
    with pytest.raises(ValidationError) as error:
        _draft(world, case, parties=[*case.parties.all(), other.parties.first()])
    assert "本案当事人" in error.value.message_dict["parties"][0]
    assert case_snapshot(case) == before


def test_a_refusal_ends_the_agreement_and_a_new_one_may_be_drafted(world, case):
    agreement = _draft(world, case)
    respondent = case.parties.get(role="respondent")
    before = case_snapshot(case)
    with pytest.raises(ValidationError) as error:
        mediation.refuse_agreement(
            agreement=agreement, actor=world.grid_worker_a1, party=respondent, reason=" "
        )
    assert "note" in error.value.message_dict
    assert case_snapshot(case) == before

    mediation.refuse_agreement(
        agreement=agreement, actor=world.grid_worker_a1, party=respondent, reason="不同意赔偿金额"
    )
    agreement.refresh_from_db()
    assert agreement.refused_on is not None and agreement.effective_on is None
    assert case.events.filter(kind="agreement_refused").get().note == "不同意赔偿金额"
    assert AuditEvent.objects.filter(action="disputes.agreement_refused").count() == 1
    # Nothing more goes on it: not a signature, not the seal, not a second refusal.
    applicant = case.parties.get(role="applicant")
    with pytest.raises(ValidationError):
        mediation.sign_agreement(agreement=agreement, actor=world.grid_worker_a1, signer=applicant)
    with pytest.raises(ValidationError):
        mediation.refuse_agreement(
            agreement=agreement, actor=world.grid_worker_a1, party=applicant, reason="也不同意"
        )
    with pytest.raises(ValidationError):
        mediation.apply_seal(agreement=agreement, actor=world.grid_worker_a1)
    assert Case.objects.get(pk=case.pk).state == "mediating"

    second = _draft(world, case)
    assert second.number.endswith("-2") and second.refused_on is None


def test_refused_is_not_a_way_of_signing(world, case):
    agreement = _draft(world, case)
    with pytest.raises(ValidationError) as error:
        mediation.sign_agreement(
            agreement=agreement,
            actor=world.grid_worker_a1,
            signer=case.parties.first(),
            method="refused",
        )
    assert "method" in error.value.message_dict


def test_a_handler_who_attended_no_session_may_not_sign_as_mediator(world, case):
    officer = Person.objects.get(user=world.officer_a)
    case.handlers.add(officer)
    assert officer not in mediation_selectors.mediators_of(case)
    agreement = _draft(world, case)
    before = case_snapshot(case)
    with pytest.raises(ValidationError) as error:
        mediation.sign_agreement(agreement=agreement, actor=world.grid_worker_a1, signer=officer)
    assert "没有主持过本案的调解" in error.value.message_dict["signer"][0]
    assert case_snapshot(case) == before


def test_the_signer_list_on_the_page_is_the_agreements_parties_and_attending_mediators(
    client, world, case
):
    officer = Person.objects.get(user=world.officer_a)
    case.handlers.add(officer)
    two = list(case.parties.exclude(kind="organisation"))
    _draft(world, case, parties=two)
    client.force_login(world.grid_worker_a1)
    page = client.get(f"/cases/{case.reference}/").content.decode()
    keys = [f'data-signer="party-{p.pk}"' for p in two]
    assert all(key in page for key in keys)
    company = case.parties.get(kind="organisation")
    assert f'data-signer="party-{company.pk}"' not in page
    assert f'data-signer="person-{_mediator(world).pk}"' in page
    assert f'data-signer="person-{officer.pk}"' not in page


def test_a_refusal_from_the_page_needs_its_reason_and_keeps_the_form_open(client, world, case):
    agreement = _draft(world, case)
    respondent = case.parties.get(role="respondent")
    client.force_login(world.grid_worker_a1)
    key = f"party-{respondent.pk}"
    url = f"/cases/{case.reference}/mediation/sign/"
    response = client.post(url, {"target": key, f"sign-{key}-method": "refused"})
    assert response.status_code == 400
    assert "请记录当事人拒绝签字的理由" in response.content.decode()
    response = client.post(
        url, {"target": key, f"sign-{key}-method": "refused", f"sign-{key}-note": "金额太高"}
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.refused_on is not None
    services.ensure_may(world.grid_worker_a1, case, "reach_agreement")
