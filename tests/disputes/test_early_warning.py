"""Early warning: related cases, and the rules that raise a grade and say why."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.disputes import services
from fengqiao.disputes.early_warning import related_cases
from fengqiao.disputes.mediation import services as mediation
from fengqiao.disputes.models import Case, Notification
from fengqiao.intake.services import submit_report
from fengqiao.org.models import Person
from tests.conftest import staff_user


def _case(*, phone="13900001111", name="王某", channel="walk_in", lon=120.005, **extra) -> Case:
    values = {
        "actor": staff_user(),
        "channel": channel,
        "kind": "dispute",
        "category": "neighbourhood",
        "risk": "blue",
        "level": 1,
        "text": "邻居家空调外机滴水，商量过几次",
        "lon": lon,
        "lat": 30.005,
        "reporter_name": name,
        "reporter_phone": phone,
    }
    return submit_report(**{**values, **extra}).report.case


def _rule_events(case: Case) -> list[dict]:
    return [e.payload for e in case.events.filter(kind="auto_regrade")]


def test_cases_sharing_a_phone_are_related_wherever_they_are(world):
    first = _case(lon=120.005)
    other_place = _case(lon=120.015, category="contract", text="借了两千块钱一直没还")
    unrelated = _case(phone="13700002222", name="孙某", lon=120.015, category="labour")
    found = {r.case.pk: r.reasons for r in related_cases(other_place)}
    assert "same_phone" in found[first.pk]
    assert unrelated.pk not in found


def test_the_same_name_in_the_same_village_is_related_and_elsewhere_is_not(world):
    here = _case(phone="", name="李建国")
    again = _case(phone="", name="李建国", category="contract", text="欠钱不还的事又吵起来")
    far = _case(phone="", name="李建国", lon=120.105, category="contract")
    found = {r.case.pk: r.reasons for r in related_cases(again)}
    assert "same_name_village" in found[here.pk]
    assert far.pk not in found or "same_name_village" not in found[far.pk]


def test_a_second_dispute_between_the_same_parties_within_90_days_raises_the_grade(world):
    first = _case()
    second = _case(category="contract", text="又因为借钱的事吵起来了")
    second.refresh_from_db()
    assert second.risk == "yellow"
    (event,) = _rule_events(second)
    assert event["rule"] == "repeat_parties" and first.reference in event["refs"]
    assert AuditEvent.objects.filter(action="disputes.auto_regrade", object_id=str(second.pk))


def test_an_earlier_dispute_long_ago_does_not_raise_the_grade(world):
    first = _case()
    Case.objects.filter(pk=first.pk).update(received_at=timezone.now() - dt.timedelta(days=200))
    second = _case(category="contract", text="又因为借钱的事吵起来了")
    second.refresh_from_db()
    assert second.risk == "blue" and not _rule_events(second)


def test_a_third_police_call_about_the_same_people_makes_it_red(world):
    for _ in range(2):
        _case(channel="alarm_110")
    third = _case(channel="alarm_110")
    third.refresh_from_db()
    assert third.risk == "red"
    assert "police_calls" in {e["rule"] for e in _rule_events(third)}
    warned = Notification.objects.filter(case=third, key="raised:police_calls:red")
    assert "officer_a" in {n.recipient.name for n in warned}


def test_a_red_flag_in_a_new_note_makes_the_case_red_and_says_why(world):
    case = _case()
    services.accept_case(case=case, actor=world.grid_worker_a1, note="对方扬言要杀了他全家")
    case.refresh_from_db()
    assert case.risk == "red"
    (event,) = _rule_events(case)
    assert event["rule"] == "red_signal" and "杀" in event["words"]


def test_a_note_that_denies_the_danger_raises_nothing(world):
    case = _case()
    services.accept_case(case=case, actor=world.grid_worker_a1, note="双方没有动刀，也没人受伤")
    case.refresh_from_db()
    assert case.risk == "blue" and not _rule_events(case)


def test_two_failed_mediations_make_the_case_red(world):
    case = services.accept_case(case=_case(), actor=world.grid_worker_a1)
    mediator = Person.objects.get(user=world.grid_worker_a1)
    for reason in ("一方拒绝到场", "赔偿数额差距大"):
        mediation.record_session(
            case=Case.objects.get(pk=case.pk),
            actor=world.grid_worker_a1,
            held_at=timezone.now() - dt.timedelta(hours=1),
            place="甲村调解室",
            mediators=[mediator],
            attendees="王某",
            record="双方各执一词",
            outcome="failed",
            failure_reason=reason,
        )
    case.refresh_from_db()
    assert case.risk == "red"
    assert "failed_mediations" in {e["rule"] for e in _rule_events(case)}


def test_lowering_a_raised_grade_needs_a_reason(world):
    import pytest
    from django.core.exceptions import ValidationError

    case = _case()
    services.accept_case(case=case, actor=world.officer_a, note="他说要砍死对方")
    case.refresh_from_db()
    with pytest.raises(ValidationError):
        services.regrade_case(case=case, actor=world.officer_a, risk="yellow", reason=" ")


def test_the_case_page_lists_related_cases_with_their_reasons(client, world):
    first = _case()
    second = _case(category="contract", text="借钱的事又吵起来")
    client.force_login(world.officer_a)
    page = client.get(reverse("disputes:case", args=[second.reference])).content.decode()
    assert "关联案件与历史" in page and first.reference in page and "同一电话" in page
    assert "风险预警升级" in page


def test_the_watch_list_ranks_red_first_with_reasons_next_steps_and_the_week(client, world):
    calm = _case(phone="13600003333", name="周某", category="labour", text="工资晚发了几天")
    raised = _case()
    services.accept_case(case=raised, actor=world.officer_a, note="对方扬言要同归于尽")
    yellow = _case(phone="13500004444", name="吴某", risk="yellow", category="consumer")
    client.force_login(world.chief)
    page = client.get(reverse("disputes:watch")).content.decode()
    assert "民转刑风险名单" in page and "近 7 天" in page
    assert page.index(raised.reference) < page.index(yellow.reference)
    assert calm.reference not in page  # blue: not on the list
    assert "新记录中出现红色风险信号" in page and "下一步" in page
    # Next steps carry the grade's own time limits (taxonomy.json's default_time_limits).
    assert "24 小时内制定化解方案" in page  # red, accepted: professional team within 24 h
    assert "24 小时内受理并联系双方" in page  # yellow, received: first action within 24 h


def test_people_in_several_watched_cases_are_listed_once_with_their_cases(client, world):
    first = _case(risk="yellow")
    second = _case(risk="yellow", category="contract", text="借钱的事又吵起来")
    client.force_login(world.officer_a)
    page = client.get(reverse("disputes:watch")).content.decode()
    assert "多起案件涉及的人员" in page
    assert "139****1111" in page and first.reference in page and second.reference in page


def test_ground_workers_do_not_get_the_watch_list(client, world):
    client.force_login(world.grid_worker_a1)
    assert client.get(reverse("disputes:watch")).status_code == 403
