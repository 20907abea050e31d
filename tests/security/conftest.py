"""Townships A and B, furnished: one record of every kind a URL can name, all written through
the services by each township's own staff, so the walk can ask for B's records as someone from
township A, and read A's own pages for personal numbers shown in full."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fengqiao.analytics import briefs, detectors
from fengqiao.analytics import flags as analytics_flags
from fengqiao.analytics.models import Flag
from fengqiao.community import services as community
from fengqiao.community.notices import services as notices
from fengqiao.dispatch import patrol_services as patrols
from fengqiao.dispatch import services as dispatch
from fengqiao.dispatch.models import DutyUnit
from fengqiao.disputes import handoffs, typical
from fengqiao.disputes import services as disputes
from fengqiao.intake import services as intake
from fengqiao.org.models import Assignment, Team
from fengqiao.outreach import campaign_services, visit_services
from fengqiao.outreach.models import VisitTask
from fengqiao.registry import care, tenants
from fengqiao.registry import services as registry
from fengqiao.registry.address_text import parse
from fengqiao.registry.models import ImportJob, RegistryChange
from fengqiao.services import catalogue as service_catalogue
from fengqiao.services import services as service_applications

# A real 1×1 PNG: photos are sniffed and measured before they are kept.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
# Valid GB 11643 numbers and mobile numbers, one set per township.
NUMBERS = {
    "a": ("330699198001010014", "330699197503030029", "13812345678"),
    "b": ("330699199005150027", "330699198502020018", "13998765432"),
}


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@dataclass
class Township:
    prefix: str
    id_number: str
    phone: str
    report: object
    report_photo: object
    case: object
    party: object
    group: object
    message: object
    message_photo: object
    broadcast: object
    alert: object
    sighting: object
    address: object
    house: object
    resident: object
    duplicate: object
    establishment: object
    key_person: object
    tenant_report: object
    registry_change: object
    import_job: object
    assignment: object
    handoff: object
    typical: object
    brief: object
    flag: object
    incident: object
    duty_unit: object
    patrol_route: object
    checkin: object
    service: object
    application: object
    campaign: object
    visit_task: object
    fraud_event: object
    fraud_warning: object

    def markers(self) -> list[str]:
        """Strings that only this township's records contain."""
        p = self.prefix
        return [
            self.report.tracking_code,
            self.case.reference,
            self.incident.number,
            f"{p}镇夜巡路线",
            f"{p}镇纠纷当事人",
            f"{p}社区专属群",
            f"{p}社区的消息",
            f"{p}社区寻人启事",
            f"{p}镇实有人口",
            f"{p}镇小卖部",
            f"{p}镇居住证申领",
            f"{p}镇办事群众",
            self.application.tracking_code,
            f"{p}镇秋季大走访",
            f"{p}镇被劝阻人",
        ]

    def full_numbers(self) -> list[str]:
        """The personal numbers on this township's records, as stored and as typed."""
        return [self.id_number, self.phone, f"+86{self.phone}"]


def furnish(world, which: str) -> Township:
    """One record of every kind in township ``which`` ("a" or "b"), made by its officer."""
    officer = getattr(world, f"officer_{which}")
    grid, building = getattr(world, f"grid_{which}1"), getattr(world, f"building_{which}1")
    prefix = {"a": "甲", "b": "乙"}[which]
    id_number, second_id, phone = NUMBERS[which]
    admin = world.county_admin
    report = intake.submit_report(
        actor=officer,
        channel="walk_in",
        kind="dispute",
        category="neighbourhood",
        risk="yellow",
        text=f"{prefix}社区两户为楼道堆物争吵",
        building=building,
        reporter_name=f"{prefix}镇纠纷当事人",
        reporter_phone=phone,
        parties=[
            {
                "role": "applicant",
                "name": f"{prefix}镇纠纷当事人",
                "phone": phone,
                "id_number": id_number,
            }
        ],
        photos=[png()],
    ).report
    case = report.case
    party = case.parties.get()
    group = community.create_group(
        actor=officer, name=f"{prefix}社区专属群", level="building", region=grid, building=building
    )
    message = community.post_message(
        actor=officer, group=group, text=f"{prefix}社区的消息：明天停水", photos=[png()]
    )
    broadcast = notices.send_broadcast(
        actor=officer,
        title=f"{prefix}社区防诈提醒",
        text=f"{prefix}社区的消息：谨防冒充客服",
        groups=[group],
    )
    alert = notices.raise_alert(
        actor=officer,
        kind="missing_person",
        title=f"{prefix}社区寻人启事",
        description=f"{prefix}社区寻人启事：老人走失",
        grids=[grid],
        photo=png(),
    )
    sighting = notices.report_sighting(
        actor=officer, alert=alert, text=f"{prefix}社区的消息：在菜场见过", photo=png()
    )
    text = f"{prefix}街8号幸福小区1幢2单元302室"
    address, _created = registry.register_address(
        actor=admin, grid=grid, parts=parse(text), building=building, raw_text=text
    )
    house = registry.register_house(actor=admin, address=address, use="rented")
    name = f"{prefix}镇实有人口"
    resident = registry.register_resident(
        actor=admin, house=house, name=name, id_number=id_number, phone=phone
    )
    duplicate = registry.register_resident(actor=admin, house=house, name=name, id_number=second_id)
    establishment = registry.register_establishment(
        actor=admin, address=address, name=f"{prefix}镇小卖部", kind="shop"
    )
    registry.add_employee(actor=admin, establishment=establishment, resident=resident)
    key_person = care.enrol_key_person(actor=admin, resident=resident, kind="elderly_alone")
    tenant_report, _created = tenants.report_tenant(
        actor=officer, kind="move_in", house=house, name=name, id_number=id_number, phone=phone
    )
    # A ground submission waiting for this township's police (registry.editing).
    registry_change = RegistryChange.objects.create(
        kind="correct",
        resident=resident,
        values={"name": name, "numbers": []},
        shown={"note": {"old": "", "new": name}},
        submitted_by=officer,
        scope_path=resident.scope_path,
    )
    import_job = ImportJob.objects.create(
        kind="residents", filename=f"{prefix}镇.csv", content=b"", created_by=officer
    )
    disputes.accept_case(case=case, actor=officer)
    handoff = _hand_off(case, officer, getattr(world, f"township_{which}"), prefix)
    return Township(
        prefix=prefix,
        id_number=id_number,
        phone=phone,
        report=report,
        report_photo=report.photos.get(),
        case=case,
        party=party,
        group=group,
        message=message,
        message_photo=message.photos.get(),
        broadcast=broadcast,
        alert=alert,
        sighting=sighting,
        address=address,
        house=house,
        resident=resident,
        duplicate=duplicate,
        establishment=establishment,
        key_person=key_person,
        tenant_report=tenant_report,
        registry_change=registry_change,
        import_job=import_job,
        assignment=Assignment.objects.get(person__user=officer),
        handoff=handoff,
        typical=(chosen := _typical_case(world, officer, building, prefix)),
        brief=_brief(getattr(world, f"station_{which}")),
        flag=_flag(chosen.case),
        incident=_incident(officer, grid, prefix, phone),
        duty_unit=_duty_unit(getattr(world, f"station_{which}"), officer, prefix),
        patrol_route=(
            route := _patrol_route(getattr(world, f"station_{which}"), officer, building, prefix)
        ),
        checkin=_checkin(route, officer, getattr(world, f"township_{which}"), prefix),
        service=(service := _service(world, which, prefix)),
        application=_door_request(service, officer, building, prefix, phone, id_number),
        visit_task=(
            task := _visit_task(officer, getattr(world, f"station_{which}"), grid, house, prefix)
        ),
        campaign=task.campaign,
        fraud_event=(fraud := _fraud_records(officer, grid, prefix, phone))[0],
        fraud_warning=fraud[1],
    )


def _incident(officer, grid, prefix: str, phone: str):
    """A 110 transfer in the township, with the caller's phone."""
    incident, _created = dispatch.receive_110(
        actor=officer,
        number=f"110{grid.code[-8:]}".replace("G", "9"),
        received_at=timezone.now() - dt.timedelta(minutes=2),
        text=f"{prefix}社区的消息：有人在店门口争吵",
        caller_name=f"{prefix}镇纠纷当事人",
        caller_phone=phone,
        grid_code=grid.code,
    )
    return incident


def _duty_unit(station, officer, prefix: str):
    unit = DutyUnit.objects.create(
        call_sign=f"{prefix}镇巡逻一组", kind="patrol_car", station=station, status="available"
    )
    unit.members.set([officer.person])
    return unit


def _patrol_route(station, officer, building, prefix: str):
    """A night patrol route over the building's grid, its one point at the building."""
    return patrols.save_route(
        actor=officer,
        name=f"{prefix}镇夜巡路线",
        station=station,
        region=building.grid,
        points=[{"name": f"{prefix}镇一号楼", "lon": building.lon, "lat": building.lat}],
    )


def _checkin(route, officer, township, prefix: str):
    """The officer's check-in at the route's point, on a shift of the township's
    joint-defence team (群防群治队) running now."""
    team = Team.objects.create(
        name=f"{prefix}镇群防群治队", kind=Team.Kind.JOINT_DEFENCE, region=township
    )
    team.members.set([officer.person])
    now = timezone.localtime()
    start, end = now - dt.timedelta(hours=1), now + dt.timedelta(hours=1)
    patrols.plan_shift(
        actor=officer,
        route=route,
        date=start.date(),
        start=start.time().replace(second=0, microsecond=0),
        end=end.time().replace(second=0, microsecond=0),
        team=team,
    )
    point = route.points.get()
    checkin, _created = patrols.check_in(
        actor=officer, point=point, lon=point.lon, lat=point.lat, note=f"{prefix}镇巡逻正常"
    )
    return checkin


def _fraud_records(officer, grid, prefix: str, phone: str):
    """An anti-fraud talk in the grid and a warning with a stopped payment (the warned
    person's phone sealed)."""
    from fengqiao.outreach import fraud_services

    event, _made = fraud_services.record_event(
        actor=officer,
        kind="talk",
        title=f"{prefix}社区的消息：反诈宣讲",
        grid=grid,
        held_on=timezone.localdate(),
        people_reached=40,
        app_installs=6,
    )
    warning, _made = fraud_services.record_warning(
        actor=officer,
        grid=grid,
        warned_at=timezone.now() - dt.timedelta(minutes=5),
        level="high",
        method="call",
        person_name=f"{prefix}镇被劝阻人",
        phone=phone,
        outcome="dissuaded",
        payment_stopped=True,
        amount_stopped="35000",
    )
    return event, warning


def _visit_task(officer, station, grid, house, prefix: str):
    """A household visit campaign (大走访) over the grid, and the officer's visit to the
    house's household."""
    campaign = campaign_services.save_campaign(
        actor=officer,
        kind="visit",
        name=f"{prefix}镇秋季大走访",
        station=station,
        grids=[grid],
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=30),
    )
    task = VisitTask.objects.unscoped_for_jobs().get(campaign=campaign, house=house)
    visit_services.record_visit(
        actor=officer,
        task=task,
        outcome="met",
        people_home=2,
        situation=f"{prefix}社区的消息：走访正常",
    )
    return task


def _service(world, which: str, prefix: str):
    """A residence-permit service of the township's station, kept by the county's admin."""
    return service_catalogue.save_service(
        actor=world.county_admin,
        station=getattr(world, f"station_{which}"),
        kind="residence_permit",
        name=f"{prefix}镇居住证申领",
        materials=["居民身份证", "租房合同"],
        time_limit_days=15,
        channels=["online", "window", "door"],
    )


def _door_request(service, officer, building, prefix: str, phone: str, id_number: str):
    """A resident's door-to-door request at the building, routed to the officer, visited,
    completed and rated: finished, so its code's cancel and rating are refused."""
    application, _created = service_applications.apply(
        sender=f"session:walk-{prefix}",
        service=service,
        channel="door",
        applicant_name=f"{prefix}镇办事群众",
        phone=phone,
        id_number=id_number,
        building=building,
        address_detail="1单元101室",
        door_reason="elderly",
    )
    application = service_applications.accept(actor=officer, application=application)
    application = service_applications.record_visit(
        actor=officer, application=application, note="上门采集照片"
    )
    application = service_applications.complete(actor=officer, application=application)
    service_applications.rate(tracking_code=application.tracking_code, satisfaction=5)
    return application


def _hand_off(case, officer, township, prefix: str):
    """A hand-off of the case to the township's street office, which has accounts."""
    team = Team.objects.create(name=f"{prefix}镇城管中队", kind=Team.Kind.AGENCY, region=township)
    return handoffs.hand_off(
        case=case,
        actor=officer,
        kind="handoff",
        body="street_office",
        team=team,
        request=f"{prefix}社区的消息：请修复路灯",
        due_on=timezone.localdate() + dt.timedelta(days=7),
    )


def _typical_case(world, officer, building, prefix: str):
    """A second case of the township, closed and chosen for the county's library."""
    case = intake.submit_report(
        actor=officer,
        channel="walk_in",
        kind="dispute",
        category="neighbourhood",
        risk="blue",
        text=f"{prefix}社区两户为晾衣杆争吵",
        building=building,
        reporter_name=f"{prefix}镇纠纷当事人",
    ).report.case
    disputes.accept_case(case=case, actor=officer)
    disputes.transition(case=case, actor=officer, action="close", note="双方和解")
    if case.state == "verifying":  # resolved above level 1: someone else checks it
        disputes.transition(case=case, actor=world.county_admin, action="verify")
    return typical.choose_typical(
        case=case,
        actor=world.county_admin,
        title="晾衣杆引发的邻里纠纷",
        summary="两户为晾衣杆位置争吵，经调解和解。",
        keywords="晾衣 邻里",
    )


def _flag(case):
    """The flag the detectors raise on a case closed minutes after it was registered (the
    typical case above is)."""
    day = timezone.localdate()
    found = [f for f in detectors.quick_closes(day, day) if f.case_refs == [case.reference]]
    analytics_flags.save(found)
    return Flag.objects.unscoped_for_jobs().get(key=f"case:{case.pk}")


def _brief(station):
    """The station's brief of last week, as the task worker produces it."""
    return briefs.produce(unit=station, kind="week", period=briefs.last_period("week"))


@pytest.fixture
def township_b(world) -> Township:
    return furnish(world, "b")


@pytest.fixture
def township_a(world) -> Township:
    return furnish(world, "a")
