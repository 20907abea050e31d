"""Flags an inspector would want: each detector fires on its pattern and not on normal work,
reruns never write a flag twice, and only someone outside the flagged unit may confirm or
dismiss one, with a note, once."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from fengqiao.analytics import detectors, flags
from fengqiao.analytics.models import Flag
from fengqiao.analytics.tasks import detect_flags as detect_flags_task
from fengqiao.audit.models import AuditEvent
from fengqiao.disputes.mediation import services as mediation
from fengqiao.disputes.models import CaseEvent
from fengqiao.org.models import Person
from tests.analytics import gaming_cases as g
from tests.conftest import _staff
from tests.snapshots import db_snapshot

pytestmark = pytest.mark.django_db

RECORD = "双方就装修噪音问题达成一致，赵某承诺晚八点后不再施工并赔偿王某损失五百元整"


def _detect(kind: str) -> list[Flag]:
    today = timezone.localdate()
    flags.detect(today - dt.timedelta(days=30), today, kinds=[kind])
    return list(Flag.objects.unscoped_for_jobs().filter(kind=kind).order_by("pk"))


def _person(user) -> Person:
    return Person.objects.get(user=user)


def _session(world, case, *, record=RECORD, held_at=None):
    return mediation.record_session(
        case=case,
        actor=world.grid_worker_a1,
        held_at=held_at or timezone.now() - dt.timedelta(hours=1),
        place="甲村调解室",
        mediators=[_person(world.grid_worker_a1)],
        record=record,
        outcome="continued",
    )


# --- detectors --------------------------------------------------------------------------------


def test_a_case_resolved_minutes_after_it_was_registered_is_flagged_once(world):
    quick = g.report(world).case
    g.close(world, g.accept(world, quick))
    g.settled_case(world, hours=3)  # registered three hours before it was settled: normal

    found = _detect(Flag.Kind.QUICK_CLOSE)

    assert [f.case_refs for f in found] == [[quick.reference]]
    flag = found[0]
    assert flag.unit == world.station_a and flag.person == _person(world.county_admin)
    assert flag.scope_path == world.grid_a1.path
    assert flag.period_day == timezone.localdate()
    assert flag.evidence["minutes"] < detectors.QUICK_CLOSE_MINUTES
    assert flag.evidence["threshold_minutes"] == detectors.QUICK_CLOSE_MINUTES
    # Run again: the same flag, not a second one.
    assert _detect(Flag.Kind.QUICK_CLOSE) == found


def test_return_visits_logged_in_a_burst_are_flagged_and_a_few_are_not(world):
    cases = [g.accept(world, g.report(world).case) for _ in range(detectors.BURST_SIZE)]
    for case in cases[:-1]:
        g.visit(world, case)
    assert _detect(Flag.Kind.VISIT_BURST) == []  # one short of a burst

    g.visit(world, cases[-1])
    [flag] = _detect(Flag.Kind.VISIT_BURST)

    assert flag.person == _person(world.grid_worker_a1)
    assert flag.evidence["visits"] == detectors.BURST_SIZE
    assert sorted(flag.case_refs) == sorted(c.reference for c in cases)
    assert flag.unit == world.station_a and flag.scope_path == world.grid_a1.path


def test_near_identical_records_across_cases_by_one_hand_are_flagged(world):
    first, second, third = (g.accept(world, g.report(world).case) for _ in range(3))
    _session(world, first)
    _session(world, first)  # the same text twice in one case: not a copy across cases
    assert _detect(Flag.Kind.SAME_TEXT) == []

    _session(world, second, record=RECORD.replace("五百", "伍百"))  # ratio ≥ 95
    _session(world, third, record="双方对赔偿金额分歧较大，约定下周再行调解，期间不得再起冲突")
    [flag] = _detect(Flag.Kind.SAME_TEXT)

    assert sorted(flag.case_refs) == sorted([first.reference, second.reference])
    assert flag.person == _person(world.grid_worker_a1)
    assert flag.evidence["lowest_ratio"] >= detectors.SAME_TEXT_RATIO
    assert flag.evidence["records"] == 3


def test_short_records_alike_across_cases_are_not_flagged(world):
    for _ in range(2):
        _session(world, g.accept(world, g.report(world).case), record="已电话联系双方，情绪稳定")
    assert _detect(Flag.Kind.SAME_TEXT) == []


def test_one_phone_rating_several_cases_all_five_is_flagged(world):
    shill = [
        g.settled_case(world, phone="13900002222") for _ in range(detectors.RATINGS_ONE_PHONE_MIN)
    ]
    mixed = [
        g.settled_case(world, phone="13900003333") for _ in range(detectors.RATINGS_ONE_PHONE_MIN)
    ]
    few = [g.settled_case(world, phone="13900004444") for _ in range(2)]
    for made in shill + few:
        g.rate(made, 5)
    for made, rating in zip(mixed, (5, 5, 4), strict=True):
        g.rate(made, rating)

    [flag] = _detect(Flag.Kind.RATINGS_ONE_PHONE)

    assert sorted(flag.case_refs) == sorted(r.case.reference for r in shill)
    assert flag.evidence["phone"] == shill[0].phone_masked
    assert "13900002222" not in str(flag.evidence) and flag.evidence["ratings"] == 3
    assert flag.unit == world.station_a


def test_a_rating_from_a_handlers_own_phone_is_flagged(world):
    made = g.report(world)
    handler = made.case.handlers.order_by("pk").first()
    assert handler is not None
    own = g.settled_case(world, phone=handler.phone.removeprefix("+86"))
    stranger = g.settled_case(world, phone="13900005555")
    g.rate(own, 5)
    g.rate(stranger, 5)

    [flag] = _detect(Flag.Kind.RATINGS_OWN)

    assert flag.case_refs == [own.case.reference]
    assert flag.person == handler and flag.evidence["same"] == "phone"


def test_records_written_long_after_the_time_they_state_are_flagged(world):
    case = g.age(g.accept(world, g.report(world).case), hours=10 * 24)
    late = _session(world, case, held_at=timezone.now() - dt.timedelta(days=5))
    _session(world, case, record="当日调解，双方同意继续协商，约定三日后再谈具体赔偿事宜")
    visited = g.visit(world, case, visited_at=timezone.now() - dt.timedelta(days=4))
    g.visit(world, case)  # recorded as made

    found = {f.key: f for f in _detect(Flag.Kind.BACKDATED)}

    assert set(found) == {f"session:{late.pk}", f"visit:{visited.pk}"}
    session_flag = found[f"session:{late.pk}"]
    assert session_flag.person == _person(world.grid_worker_a1)
    assert session_flag.evidence["hours_late"] >= detectors.BACKDATE_HOURS
    assert session_flag.evidence["before_case"] is False
    assert found[f"visit:{visited.pk}"].evidence["record"] == "visit"


def test_a_timeline_entry_dated_before_the_entries_written_ahead_of_it_is_flagged(world):
    case = g.accept(world, g.report(world).case)
    odd = CaseEvent.objects.create(
        case=case, at=timezone.now() - dt.timedelta(days=2), kind="note", note="补录"
    )
    [flag] = _detect(Flag.Kind.BACKDATED)
    assert flag.key == f"event:{odd.pk}" and flag.evidence["record"] == "timeline"
    assert flag.case_refs == [case.reference]


def test_the_command_and_the_task_run_every_detector(world):
    quick = g.report(world).case
    g.close(world, g.accept(world, quick))
    out = io.StringIO()
    today = timezone.localdate()
    call_command("detect_flags", "--from", today.isoformat(), "--to", today.isoformat(), stdout=out)
    assert "quick_close: 1" in out.getvalue()
    assert detect_flags_task.call() == dict.fromkeys(detectors.DETECTORS, 0)
    assert Flag.objects.unscoped_for_jobs().count() == 1


def test_the_command_names_a_bad_date(world):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--from"):
        call_command("detect_flags", "--from", "2026-13-01")


# --- deciding -------------------------------------------------------------------------------


@pytest.fixture
def flag(world) -> Flag:
    quick = g.report(world).case
    g.close(world, g.accept(world, quick))
    [found] = _detect(Flag.Kind.QUICK_CLOSE)
    return found


def _unchanged(flag: Flag, before) -> None:
    flag.refresh_from_db()
    assert flag.status == Flag.Status.OPEN and flag.decided_by is None
    assert db_snapshot() == before


def test_the_bureau_analyst_confirms_a_flag_with_a_note_audited(world, flag):
    analyst = g.analyst(world)
    flags.confirm_flag(actor=analyst, flag=flag, note="抽查回访，当事人称未调解")
    flag.refresh_from_db()
    assert flag.status == Flag.Status.CONFIRMED and flag.decided_by == analyst
    assert flag.decision_note == "抽查回访，当事人称未调解" and flag.decided_at is not None
    event = AuditEvent.objects.get(action="analytics.flag_confirmed")
    assert event.object_id == str(flag.pk) and event.actor == analyst
    # A rerun of the detectors leaves the decision as it is.
    _detect(Flag.Kind.QUICK_CLOSE)
    flag.refresh_from_db()
    assert flag.status == Flag.Status.CONFIRMED


def test_a_second_decision_loses_and_writes_nothing(world, flag):
    analyst = g.analyst(world)
    flags.dismiss_flag(actor=analyst, flag=flag, note="核实无误：当场调解后补登记")
    other = g.analyst(world, username="analyst2")
    before = db_snapshot()
    with pytest.raises(flags.FlagDecided):
        # ``flag`` is the copy the second inspector's page loaded while it was still open.
        flags.confirm_flag(actor=other, flag=flag, note="确认")
    assert db_snapshot() == before
    flag.refresh_from_db()
    assert flag.status == Flag.Status.DISMISSED


def test_the_flagged_units_chief_cannot_decide(world, flag):
    before = db_snapshot()
    with pytest.raises(PermissionDenied):
        flags.confirm_flag(actor=world.chief, flag=flag, note="已核实")
    _unchanged(flag, before)


def test_an_analyst_posted_in_the_flagged_unit_cannot_decide(world, flag):
    insider = g.analyst(world, username="insider", unit=world.station_a)
    before = db_snapshot()
    with pytest.raises(PermissionDenied):
        flags.dismiss_flag(actor=insider, flag=flag, note="本所核实无问题")
    _unchanged(flag, before)


def test_nobody_decides_a_flag_about_themselves(world, flag):
    flag.person = _person(g.analyst(world))
    flag.unit = world.station_b
    flag.save()
    analyst = flag.person.user
    before = db_snapshot()
    with pytest.raises(PermissionDenied):
        flags.dismiss_flag(actor=analyst, flag=flag, note="是我本人")
    _unchanged(flag, before)


def test_a_flag_outside_the_actors_jurisdiction_is_404(world, flag):
    outsider, _person_b = _staff(
        "analyst_b", ["analyst"], region=world.township_b, grant_region=world.township_b
    )
    before = db_snapshot()
    with pytest.raises(Http404):
        flags.confirm_flag(actor=outsider, flag=flag, note="越界")
    _unchanged(flag, before)


def test_a_decision_needs_a_note(world, flag):
    analyst = g.analyst(world)
    before = db_snapshot()
    with pytest.raises(ValidationError) as error:
        flags.confirm_flag(actor=analyst, flag=flag, note="  ")
    assert "note" in error.value.message_dict
    _unchanged(flag, before)


# --- the page ----------------------------------------------------------------------------------


def _client(client, user):
    client.force_login(user)
    return client


def test_the_analyst_reads_a_flag_with_its_evidence_and_cases_and_may_decide(client, world, flag):
    body = _client(client, g.analyst(world)).get(reverse("analytics:flags")).content.decode()
    assert "立案后数分钟即结案" in body and "相隔（分钟）" in body
    assert reverse("disputes:case", args=[flag.case_refs[0]]) in body
    assert 'name="decision" value="confirm"' in body


def test_the_chief_reads_his_stations_flags_but_has_no_decision_form(client, world, flag):
    response = _client(client, world.chief).get(reverse("analytics:flags"))
    body = response.content.decode()
    assert response.status_code == 200 and flag.case_refs[0] in body
    assert 'name="decision"' not in body


def test_the_flags_page_filters_by_status_and_kind(client, world, flag):
    page = _client(client, g.analyst(world))
    url = reverse("analytics:flags")
    assert (
        flag.case_refs[0]
        in page.get(url, {"status": "open", "kind": "quick_close"}).content.decode()
    )
    assert flag.case_refs[0] not in page.get(url, {"status": "confirmed"}).content.decode()
    assert flag.case_refs[0] not in page.get(url, {"kind": "same_text"}).content.decode()


def test_a_grid_worker_and_an_officer_are_refused_the_page(client, world, flag):
    for user in (world.grid_worker_a1, world.officer_a):
        assert _client(client, user).get(reverse("analytics:flags")).status_code == 403


def test_confirming_on_the_page(client, world, flag):
    page = _client(client, g.analyst(world))
    response = page.post(
        reverse("analytics:flags"),
        {"flag": flag.pk, "decision": "confirm", "note": "抽查回访属实"},
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == Flag.Status.CONFIRMED and flag.decision_note == "抽查回访属实"
    assert "已确认" in page.get(response["Location"]).content.decode()


def test_a_decision_without_a_note_is_shown_beside_the_flag_and_writes_nothing(client, world, flag):
    page = _client(client, g.analyst(world))
    before = db_snapshot()
    response = page.post(reverse("analytics:flags"), {"flag": flag.pk, "decision": "dismiss"})
    assert response.status_code == 400 and "请填写核实说明" in response.content.decode()
    _unchanged(flag, before)


def test_the_page_refuses_the_chief_and_hides_another_townships_flag(client, world, flag):
    outsider, _person_b = _staff(
        "analyst_b", ["analyst"], region=world.township_b, grant_region=world.township_b
    )
    before = db_snapshot()
    body = {"flag": flag.pk, "decision": "confirm", "note": "越界"}
    assert _client(client, world.chief).post(reverse("analytics:flags"), body).status_code == 403
    assert _client(client, outsider).post(reverse("analytics:flags"), body).status_code == 404
    _unchanged(flag, before)


def test_the_same_supervision_reason_on_several_cases_is_not_a_copied_record(world):
    from fengqiao.disputes import supervision

    reason = "请在期限内办结并反馈办理情况，逾期未办结的将按规定亮牌扣分"
    for _ in range(2):
        supervision.issue_supervision(
            case=g.accept(world, g.report(world).case),
            actor=world.county_admin,
            reason=reason,
            due_on=timezone.localdate() + dt.timedelta(days=3),
        )
    assert _detect(Flag.Kind.SAME_TEXT) == []
