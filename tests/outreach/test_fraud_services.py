"""Anti-fraud records through their services: events and warnings, what is refused and why
(in Chinese, next to the field), scope, idempotency per sender, audit rows, and a warned
person's phone kept sealed and shown in full only for a logged reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.outreach import fraud_services as services
from fengqiao.outreach.models import Campaign, FraudWarning, OutreachEvent
from tests.snapshots import db_snapshot

pytestmark = pytest.mark.django_db


def talk(world, actor=None, **values):
    defaults = {
        "actor": actor or world.officer_a,
        "kind": "talk",
        "title": "老年人防范养老诈骗宣讲",
        "grid": world.grid_a1,
        "held_on": timezone.localdate(),
        "people_reached": 80,
        "app_installs": 12,
        "leaflets": 100,
    }
    return services.record_event(**(defaults | values))


def warning(world, actor=None, **values):
    defaults = {
        "actor": actor or world.officer_a,
        "grid": world.grid_a1,
        "warned_at": timezone.now() - dt.timedelta(hours=1),
        "level": "high",
        "method": "call",
        "person_name": "王阿姨",
        "phone": "138 0057 1234",
        "outcome": "dissuaded",
        "payment_stopped": True,
        "amount_stopped": "35,000.00",
    }
    return services.record_warning(**(defaults | values))


def refused(call, *args, **kwargs) -> dict[str, list[str]]:
    before = db_snapshot()
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    assert db_snapshot() == before
    return caught.value.message_dict


# --- events -------------------------------------------------------------------------------


def test_an_officer_records_a_talk_with_its_audit_row(world):
    event, made = talk(world)
    assert made
    assert (event.people_reached, event.app_installs, event.leaflets) == (80, 12, 100)
    assert event.recorded_by.user == world.officer_a
    assert event.scope_path == world.grid_a1.path
    row = AuditEvent.objects.get(action="outreach.event_recorded")
    assert row.actor == world.officer_a and row.object_id == str(event.pk)
    assert row.changes["people_reached"] == 80 and row.changes["app_installs"] == 12


def test_a_grid_worker_records_an_event_in_their_own_grid_only(world):
    event, _made = talk(world, actor=world.grid_worker_a1, kind="door_to_door")
    assert event.kind == "door_to_door"
    errors = refused(talk, world, actor=world.grid_worker_a1, grid=world.grid_a2)
    assert errors == {"grid": ["这个网格不在您的管辖范围"]}


def test_an_event_in_the_other_township_is_refused(world):
    errors = refused(talk, world, grid=world.grid_b1)
    assert errors["grid"] == ["这个网格不在您的管辖范围"]


def test_an_event_must_name_a_grid_not_a_community(world):
    errors = refused(talk, world, grid=world.community_a)
    assert "请选择到网格一级" in errors["grid"][0]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"people_reached": -5}, "people_reached", "覆盖人数不能是负数"),
        ({"leaflets": -1}, "leaflets", "发放资料份数不能是负数"),
        ({"people_reached": "八十"}, "people_reached", "覆盖人数应为整数"),
        (
            {"people_reached": 10, "app_installs": 12},
            "app_installs",
            "App安装数（12）不能多于覆盖人数（10）",
        ),
        ({"title": "  "}, "title", "请填写活动主题"),
        ({"kind": "party"}, "kind", "请选择活动形式（宣讲、摆摊宣传、上门宣传或其他）"),
        ({"held_on": None}, "held_on", "请填写活动日期"),
    ],
)
def test_bad_event_input_is_refused_by_field_in_chinese(world, values, field, message):
    errors = refused(talk, world, **values)
    assert errors[field] == [message]


def test_an_event_cannot_be_dated_in_the_future_or_over_a_year_back(world):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert refused(talk, world, held_on=tomorrow)["held_on"] == [
        "活动日期不能晚于今天：活动办完后再登记"
    ]
    long_ago = timezone.localdate() - dt.timedelta(days=400)
    assert refused(talk, world, held_on=long_ago)["held_on"] == ["只能补登一年以内的活动"]


def test_someone_without_the_permission_records_nothing(world):
    before = db_snapshot()
    with pytest.raises(PermissionDenied):
        talk(world, actor=world.resident)
    assert db_snapshot() == before


def test_the_same_key_from_the_same_sender_records_one_event(world):
    first, made = talk(world, client_key="event-key-0001")
    again, made_again = talk(world, client_key="event-key-0001", people_reached=99)
    assert made and not made_again and again.pk == first.pk
    assert OutreachEvent.objects.count() == 1
    assert AuditEvent.objects.filter(action="outreach.event_recorded").count() == 1
    # The same key from someone else is their own, new event.
    other, made_other = talk(world, actor=world.chief, client_key="event-key-0001")
    assert made_other and other.pk != first.pk


def test_an_event_filed_under_a_campaign_must_lie_in_its_grids_and_dates(world):
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        kind=Campaign.Kind.ANTI_FRAUD,
        name="甲镇反诈宣传月",
        station=world.station_a,
        starts_on=today - dt.timedelta(days=10),
        ends_on=today,
    )
    campaign.grids.set([world.grid_a1])
    event, _made = talk(world, campaign=campaign)
    assert event.campaign == campaign
    assert refused(talk, world, campaign=campaign, grid=world.grid_a2)["campaign"] == [
        "这个活动不包括所选网格"
    ]
    errors = refused(talk, world, campaign=campaign, held_on=today - dt.timedelta(days=20))
    assert "日期不在这个活动的起止日期" in errors["campaign"][0]
    visits = Campaign.objects.create(
        kind=Campaign.Kind.VISIT,
        name="甲镇大走访",
        station=world.station_a,
        starts_on=today,
        ends_on=today,
    )
    visits.grids.set([world.grid_a1])
    assert refused(talk, world, campaign=visits)["campaign"] == ["只能归入反诈宣传活动"]


# --- warnings -----------------------------------------------------------------------------


def test_a_warning_with_a_stopped_payment_is_recorded_sealed_and_audited(world):
    made_warning, made = warning(world)
    assert made
    stored = FraudWarning.objects.get()
    assert stored.amount_stopped == Decimal("35000.00") and stored.payment_stopped
    assert stored.phone == "+8613800571234"
    assert "1380057" not in stored.phone_sealed and stored.phone_masked.startswith("138")
    assert "****" in stored.phone_masked
    row = AuditEvent.objects.get(action="outreach.warning_recorded")
    assert row.actor == world.officer_a and row.object_id == str(made_warning.pk)
    assert row.changes["amount_stopped"] == "35000.00"
    assert "13800571234" not in str(row.changes)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"payment_stopped": False, "amount_stopped": "500"},
            "amount_stopped",
            "没有紧急止付时不填止付金额；如已止付，请勾选“紧急止付”",
        ),
        ({"amount_stopped": "0"}, "amount_stopped", "已紧急止付，请填写止付金额（元）"),
        ({"amount_stopped": "-100"}, "amount_stopped", "止付金额不能是负数"),
        ({"amount_stopped": "12.345"}, "amount_stopped", "止付金额最多保留两位小数（精确到分）"),
        ({"amount_stopped": "三万"}, "amount_stopped", "止付金额应为数字，单位元（如 35000.00）"),
        ({"amount_lost": "2000"}, "amount_lost", "只有结果为“已被骗”时才填写损失金额"),
        ({"amount_lost": "-1", "outcome": "already_lost"}, "amount_lost", "损失金额不能是负数"),
        ({"phone": "12345"}, "phone", "“12345”是服务号码，不是个人电话"),
        ({"phone": ""}, "phone", "短信或电话劝阻请填写被劝阻人的电话"),
        ({"person_name": ""}, "person_name", "请填写被劝阻人姓名"),
        ({"level": "red"}, "level", "请选择预警等级（高、中、低风险）"),
        ({"method": "wechat"}, "method", "请选择劝阻方式（短信、电话或上门）"),
        ({"outcome": "maybe"}, "outcome", "请选择劝阻结果"),
        ({"warned_at": None}, "warned_at", "请填写劝阻时间"),
    ],
)
def test_bad_warning_input_is_refused_by_field_in_chinese(world, values, field, message):
    errors = refused(warning, world, **values)
    assert errors[field] == [message]


def test_a_bad_phone_says_what_a_good_one_looks_like(world):
    errors = refused(warning, world, phone="1380057")
    assert "手机号为 11 位" in errors["phone"][0]


def test_a_warning_cannot_be_in_the_future(world):
    later = timezone.now() + dt.timedelta(hours=2)
    assert refused(warning, world, warned_at=later)["warned_at"] == ["劝阻时间不能晚于现在"]


def test_a_visit_without_a_phone_and_a_loss_when_already_defrauded_are_fine(world):
    made_warning, _made = warning(
        world,
        method="visit",
        phone="",
        outcome="already_lost",
        payment_stopped=False,
        amount_stopped="",
        amount_lost="8000.5",
    )
    assert made_warning.amount_lost == Decimal("8000.50") and made_warning.phone_masked == ""


def test_warnings_are_for_police_only_and_inside_their_township(world):
    before = db_snapshot()
    with pytest.raises(PermissionDenied):
        warning(world, actor=world.grid_worker_a1)
    assert db_snapshot() == before
    assert refused(warning, world, grid=world.grid_b1)["grid"] == ["这个网格不在您的管辖范围"]
    assert refused(warning, world, actor=world.officer_b)["grid"] == ["这个网格不在您的管辖范围"]


def test_the_same_warning_key_twice_records_once(world):
    first, _made = warning(world, client_key="warn-key-0001")
    again, made_again = warning(world, client_key="warn-key-0001", amount_stopped="1")
    assert not made_again and again.pk == first.pk
    assert FraudWarning.objects.count() == 1
    assert AuditEvent.objects.filter(action="outreach.warning_recorded").count() == 1


def test_a_bad_client_key_is_refused(world):
    assert "client_key" in refused(warning, world, client_key="bad key!")


# --- the full phone -----------------------------------------------------------------------


def test_the_full_phone_is_shown_for_a_reason_and_logged(world):
    made_warning, _made = warning(world)
    with pytest.raises(ValidationError) as caught:
        services.reveal_phone(actor=world.officer_a, warning=made_warning, reason="看")
    assert "reason" in caught.value.message_dict
    phone = services.reveal_phone(
        actor=world.officer_a, warning=made_warning, reason="回访核实止付情况"
    )
    assert phone == "+8613800571234"
    row = AuditEvent.objects.get(action="registry.revealed")
    assert row.actor == world.officer_a and row.changes["reason"] == "回访核实止付情况"


def test_officer_b_cannot_see_the_full_phone_of_a_township_a_warning(world):
    made_warning, _made = warning(world)
    assert not services.may_reveal_phone(world.officer_b, made_warning)
    with pytest.raises(PermissionDenied):
        services.reveal_phone(actor=world.officer_b, warning=made_warning, reason="越界查看电话")
    assert not AuditEvent.objects.filter(action="registry.revealed").exists()
