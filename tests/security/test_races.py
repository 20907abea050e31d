"""Two people acting on the same case at once: the loser is told to reload (409 on the page),
never a 500, and the winner's record is the only one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fengqiao.disputes import services
from fengqiao.disputes.mediation import services as mediation
from fengqiao.disputes.models import (
    Agreement,
    Case,
    CaseEvent,
    JudicialConfirmation,
    Signature,
)
from fengqiao.intake.services import submit_report
from tests.disputes.test_mediation import _draft, _session
from tests.disputes.test_mediation_pages import _terms
from tests.races import lands_after

PENDING_CHECK = ('FROM "disputes_agreement"', '"effective_on" IS NULL')


@pytest.fixture
def mediating(world) -> Case:
    """王某's report about the noise next door, accepted, one session held."""
    case = submit_report(
        channel="web",
        kind="dispute",
        category="neighbourhood",
        text="邻居装修噪音，协商未果",
        lon=120.005,
        lat=30.005,
        reporter_name="王某",
    ).report.case
    services.add_party(case=case, actor=world.grid_worker_a1, role="respondent", name="赵某")
    services.accept_case(case=case, actor=world.grid_worker_a1)
    _session(world, case)
    return Case.objects.get(pk=case.pk)


def _draft_form(case: Case) -> dict:
    respondent = case.parties.get(role="respondent")
    return {
        "draft-committee": "甲村人民调解委员会",
        "draft-facts": "楼上夜间拖椅子，影响休息",
        "draft-issues": "夜间噪音及赔偿",
        "draft-parties": [p.pk for p in case.parties.all()],
        **_terms([{"obligation": "赔偿损失", "obligor": respondent.pk, "amount": "500"}]),
    }


def test_two_drafts_posted_at_once_the_second_is_told_to_reload_with_409(client, world, mediating):
    client.force_login(world.officer_a)
    url = reverse("disputes:mediation", args=[mediating.reference, "draft"])
    other = lambda: _draft(world, mediating)  # noqa: E731 - the grid worker's draft
    with lands_after(*PENDING_CHECK, write=other) as raced:
        response = client.post(url, _draft_form(mediating))
    assert raced
    assert response.status_code == 409
    assert "请刷新后再操作" in response.content.decode()
    agreement = Agreement.objects.get(case=mediating)
    assert agreement.number == f"{mediating.reference}-1"
    drafted = CaseEvent.objects.filter(case=mediating, kind="agreement_drafted")
    assert drafted.count() == 1


def test_a_draft_racing_another_is_case_changed_from_the_service(world, mediating):
    other = lambda: _draft(world, mediating)  # noqa: E731
    with (
        lands_after(*PENDING_CHECK, write=other) as raced,
        pytest.raises(services.CaseChanged),
    ):
        _draft(world, mediating, committee="另一调委会")
    assert raced
    assert list(Agreement.objects.values_list("committee", flat=True)) == ["甲村人民调解委员会"]


def test_the_same_signature_recorded_twice_at_once_is_case_changed(world, mediating):
    agreement = _draft(world, mediating)
    party = mediating.parties.get(role="applicant")

    def sign():
        return mediation.sign_agreement(
            agreement=agreement, actor=world.grid_worker_a1, signer=party
        )

    with (
        lands_after('FROM "disputes_signature"', '"party_id"', write=sign) as raced,
        pytest.raises(services.CaseChanged),
    ):
        sign()
    assert raced
    assert Signature.objects.filter(agreement=agreement).count() == 1
    assert Agreement.objects.get(pk=agreement.pk).effective_on is None


def test_a_judicial_confirmation_recorded_twice_at_once_is_case_changed(world, mediating):
    agreement = mediation.draft_agreement(
        case=mediating,
        actor=world.grid_worker_a1,
        oral=True,
        terms=[{"obligation": "赔偿 300 元", "amount": 300}],
    )

    def apply():
        return mediation.record_judicial_confirmation(
            agreement=agreement,
            actor=world.grid_worker_a1,
            applied_on=agreement.effective_on,
            court="测试区人民法院",
        )

    with (
        lands_after('FROM "disputes_judicialconfirmation"', write=apply) as raced,
        pytest.raises(services.CaseChanged),
    ):
        apply()
    assert raced
    assert JudicialConfirmation.objects.filter(agreement=agreement).count() == 1
