"""Township B, furnished: one record of every kind a URL can name, all written through the
services by B's own staff, so the walk can ask for each of them as someone from township A."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fengqiao.community import notices
from fengqiao.community import services as community
from fengqiao.disputes import services as disputes
from fengqiao.intake import services as intake
from fengqiao.org.models import Assignment
from fengqiao.registry import care, tenants
from fengqiao.registry import services as registry
from fengqiao.registry.address_text import parse
from fengqiao.registry.models import ImportJob

# A real 1×1 PNG: photos are sniffed and measured before they are kept.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
ID_B = "330699199005150027"
ID_B2 = "330699198502020018"
PHONE_B = "13998765432"


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@dataclass
class TownshipB:
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
    import_job: object
    assignment: object

    def markers(self) -> list[str]:
        """Strings that only township B's records contain: none may reach A's staff."""
        return [
            self.report.tracking_code,
            self.case.reference,
            "乙镇纠纷当事人",
            "乙社区专属群",
            "乙社区的消息",
            "乙社区寻人启事",
            "乙镇实有人口",
            "乙镇小卖部",
        ]


@pytest.fixture
def township_b(world) -> TownshipB:
    officer, admin = world.officer_b, world.county_admin
    report = intake.submit_report(
        actor=officer,
        channel="walk_in",
        kind="dispute",
        category="neighbourhood",
        risk="yellow",
        text="乙社区两户为楼道堆物争吵",
        building=world.building_b1,
        reporter_name="乙镇纠纷当事人",
        reporter_phone=PHONE_B,
        photos=[png()],
    ).report
    case = report.case
    party = case.parties.get()
    group = community.create_group(
        actor=officer,
        name="乙社区专属群",
        level="building",
        region=world.grid_b1,
        building=world.building_b1,
    )
    message = community.post_message(
        actor=officer, group=group, text="乙社区的消息：明天停水", photos=[png()]
    )
    broadcast = notices.send_broadcast(
        actor=officer, title="乙社区防诈提醒", text="乙社区的消息：谨防冒充客服", groups=[group]
    )
    alert = notices.raise_alert(
        actor=officer,
        kind="missing_person",
        title="乙社区寻人启事",
        description="乙社区寻人启事：老人走失",
        grids=[world.grid_b1],
        photo=png(),
    )
    sighting = notices.report_sighting(
        actor=officer, alert=alert, text="乙社区的消息：在菜场见过", photo=png()
    )
    address, _created = registry.register_address(
        actor=admin,
        grid=world.grid_b1,
        parts=parse("人民路8号幸福小区1幢2单元302室"),
        building=world.building_b1,
        raw_text="人民路8号幸福小区1幢2单元302室",
    )
    house = registry.register_house(actor=admin, address=address, use="rented")
    resident = registry.register_resident(
        actor=admin, house=house, name="乙镇实有人口", id_number=ID_B, phone=PHONE_B
    )
    duplicate = registry.register_resident(
        actor=admin, house=house, name="乙镇实有人口", id_number=ID_B2
    )
    establishment = registry.register_establishment(
        actor=admin, address=address, name="乙镇小卖部", kind="shop"
    )
    key_person = care.enrol_key_person(actor=admin, resident=resident, kind="elderly_alone")
    tenant_report, _created = tenants.report_tenant(
        actor=officer, kind="move_in", house=house, name="乙镇实有人口", id_number=ID_B
    )
    import_job = ImportJob.objects.create(
        kind="residents", filename="乙镇.csv", content=b"", created_by=officer
    )
    disputes.accept_case(case=case, actor=officer)
    return TownshipB(
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
        import_job=import_job,
        assignment=Assignment.objects.get(person__user=officer),
    )
