"""Every write of the ladder refuses an actor of another township, through the service
itself, and writes nothing: parties, mediation, supervision, the case leader, verification,
hand-offs, re-routing, the typical-case library, replies to the reporter and duplicates.

Township A's officer and station chief (the strongest township roles) act on township B's
records, each named directly, as a forged id in a form or API call would name them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from fengqiao.disputes import handoffs, parties, routing, services, supervision, typical
from fengqiao.disputes import verification as verifying
from fengqiao.disputes.mediation import services as mediation
from fengqiao.disputes.models import Case, Handoff, Party
from fengqiao.intake import services as intake
from fengqiao.org.models import Person
from tests.security.conftest import furnish
from tests.snapshots import case_snapshot

REFUSED = (PermissionDenied, Http404, ValidationError)
SOON = timezone.localdate() + dt.timedelta(days=5)


def _session(w, b, actor):
    return mediation.record_session(
        case=b.case,
        actor=actor,
        held_at=timezone.now() - dt.timedelta(hours=1),
        place="乙村调解室",
        mediators=[Person.objects.get(user=actor)],
        record="越界记录",
        outcome="continued",
    )


# (name, who acts: "officer" or "chief", the write aimed at township B)
WRITES = [
    ("add_party", "officer", lambda w, a, b, actor: parties.add_party(
        case=b.case, actor=actor, role="respondent", name="越界当事人")),
    ("update_party", "officer", lambda w, a, b, actor: parties.update_party(
        party=b.party, actor=actor, name="越界改名")),
    ("remove_party", "officer", lambda w, a, b, actor: parties.remove_party(
        party=b.party, actor=actor, reason="越界删除")),
    ("record_session", "officer", lambda w, a, b, actor: _session(w, b, actor)),
    ("issue_supervision", "chief", lambda w, a, b, actor: supervision.issue_supervision(
        case=b.case, actor=actor, reason="越界督办", due_on=SOON, card="red")),
    ("name_leader", "chief", lambda w, a, b, actor: supervision.name_leader(
        case=b.case, actor=actor, leader=Person.objects.get(user=w.chief), reason="越界")),
    ("verify", "chief", lambda w, a, b, actor: verifying.verify_case(case=b.case, actor=actor)),
    ("reject_verification", "chief", lambda w, a, b, actor: verifying.reject_verification(
        case=b.case, actor=actor, reason="越界回退")),
    ("close", "chief", lambda w, a, b, actor: services.close_or_verify(case=b.case, actor=actor)),
    ("hand_off", "officer", lambda w, a, b, actor: handoffs.hand_off(
        case=b.case, actor=actor, kind="handoff", body="street_office", body_name="城管",
        request="越界转办", due_on=SOON)),
    ("answer_handoff", "officer", lambda w, a, b, actor: handoffs.answer(
        handoff=b.handoff, actor=actor, answer="越界答复", outcome="done",
        answered_by_name="某")),
    ("cancel_handoff", "officer", lambda w, a, b, actor: handoffs.cancel(
        handoff=b.handoff, actor=actor, reason="越界撤回")),
    ("reassign_into_a", "officer", lambda w, a, b, actor: routing.reassign_case(
        case=b.case, actor=actor, reason="拉到甲镇", grid=w.grid_a1)),
    ("reassign_a_into_b", "officer", lambda w, a, b, actor: routing.reassign_case(
        case=a.case, actor=actor, reason="推到乙镇", grid=w.grid_b1)),
    ("choose_typical", "chief", lambda w, a, b, actor: typical.choose_typical(
        case=b.typical.case, actor=actor, title="越界", summary="越界入库")),
    ("reply_to_reporter", "officer", lambda w, a, b, actor: intake.reply_to_reporter(
        report=b.report, actor=actor, text="越界答复")),
    ("mark_duplicate", "officer", lambda w, a, b, actor: intake.mark_duplicate(
        report=b.report, actor=actor, of=a.report, reason="越界标记")),
]  # fmt: skip


@pytest.mark.parametrize(("write", "who"), [(name, who) for name, who, _ in WRITES])
def test_a_ladder_write_on_another_townships_records_is_refused_and_writes_nothing(
    world, write, who
):
    a, b = furnish(world, "a"), furnish(world, "b")
    if write in ("verify", "reject_verification"):
        # Township B's case waits for verification, asked for by B's own officer.
        Case.objects.filter(pk=b.case.pk).update(level=2)
        services.close_or_verify(case=Case.objects.get(pk=b.case.pk), actor=world.officer_b)
    b.case.refresh_from_db()
    actor = world.officer_a if who == "officer" else world.chief
    run = next(call for name, _, call in WRITES if name == write)
    cases = [b.case, a.case]
    before = [case_snapshot(case) for case in cases]
    party = Party.objects.filter(pk=b.party.pk).values().get()
    handoff = Handoff.objects.filter(pk=b.handoff.pk).values().get()
    with pytest.raises(REFUSED):
        run(world, a, b, actor)
    assert [case_snapshot(case) for case in cases] == before
    assert Party.objects.filter(pk=b.party.pk).values().get() == party
    assert Handoff.objects.filter(pk=b.handoff.pk).values().get() == handoff


# The control: the same writes by township B's own officer go through, so the refusals
# above are the wall between townships, not writes that could never succeed.
OWN_TOWNSHIP = [
    "add_party",
    "update_party",
    "remove_party",
    "record_session",
    "hand_off",
    "answer_handoff",
    "cancel_handoff",
    "reply_to_reporter",
]


@pytest.mark.parametrize("write", OWN_TOWNSHIP)
def test_the_same_write_by_the_townships_own_officer_goes_through(world, write):
    a, b = furnish(world, "a"), furnish(world, "b")
    run = next(call for name, _, call in WRITES if name == write)
    run(world, a, b, world.officer_b)
