"""Tenant moves reported from the ground, verified by the community police.

A building head reports from a phone (``report_tenant``, idempotent on the form's key);
the report waits, masked like a resident, until the community police verify it, which
registers or moves the person, or send it back with a reason.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.idempotency import sender_of, stored_key
from fengqiao.registry import checks, services
from fengqiao.registry.models import House, Occupancy, Resident, TenantReport


def report_tenant(
    *,
    actor,
    kind: str,
    house: House,
    name: str,
    id_number: str,
    id_type: str = "resident_id",
    phone: str = "",
    moved_on=None,
    note: str = "",
    client_key: str | None = None,
) -> tuple[TenantReport, bool]:
    """Store a move-in or move-out report; (report, created). The same ``client_key`` from
    the same person returns their first report unchanged, so a double tap or a retry adds
    nothing; from anyone else it is a new report."""
    services.ensure_can(actor, "registry.add_tenantreport", house)
    client_key = stored_key(key=client_key, sender=sender_of(actor), channel="tenant_report")
    if client_key:
        existing = TenantReport.objects.filter(client_key=client_key).first()
        if existing is not None:
            return existing, False
    cleaned, errors = services.check_resident(
        name=name, id_type=id_type, id_number=id_number, phone=phone
    )
    errors.pop("moved_in", None)
    if kind not in TenantReport.Kind.values:
        errors["kind"] = [_("请选择入住或搬离")]
    try:
        moved_on = checks.date(moved_on, label=_("日期")) or timezone.localdate()
    except ValidationError as error:
        errors["moved_on"] = error.messages
    if errors:
        raise ValidationError(errors)
    report = TenantReport(
        kind=kind,
        house=house,
        name=cleaned["name"],
        moved_on=moved_on,
        note=note.strip()[:200],
        reported_by=actor,
        client_key=client_key,
        scope_path=house.scope_path,
    )
    report.set_document(cleaned["id_type"], cleaned["id_number"])
    report.set_phone(cleaned.get("phone", ""))
    report.resident = services.duplicate_of(cleaned["id_number"])
    try:
        with transaction.atomic():
            report.save()
            audit.record(actor=actor, action="registry.tenant.reported", obj=report)
    except IntegrityError:
        # Two copies of the same form raced; the first one stored is the answer.
        return TenantReport.objects.get(client_key=client_key), False
    return report, True


def verify_tenant_report(*, actor, report: TenantReport, note: str = "") -> TenantReport:
    """Accept the report: a move-in registers the person (floating) in the house or moves
    them there; a move-out ends their stay. One transaction with the review."""
    services.ensure_can(actor, "registry.change_tenantreport", report)
    if report.status != TenantReport.Status.PENDING:
        raise ValidationError(_("这条报告已经处理过了"))
    with transaction.atomic():
        resident = report.resident or services.duplicate_of(report.id_number)
        if report.kind == TenantReport.Kind.MOVE_IN:
            resident = _move_in(actor, report, resident)
        elif resident is not None and resident.house_id == report.house_id:
            services.move_resident(actor=actor, resident=resident, house=None, on=report.moved_on)
        else:
            raise ValidationError(_("登记中没有此人住在这套房屋，无法核实搬离；请退回并说明"))
        verified = report.mark_reviewed(
            actor=actor, status=TenantReport.Status.VERIFIED, note=note, resident=resident
        )
        if not verified:
            raise ValidationError(_("这条报告刚被别人处理过，请刷新"))
        audit.record(actor=actor, action="registry.tenant.verified", obj=report)
    report.refresh_from_db()
    return report


def _move_in(actor, report: TenantReport, resident: Resident | None) -> Resident:
    if resident is None:
        resident = Resident(
            name=report.name,
            residence_type=Resident.ResidenceType.FLOATING,
            house=report.house,
            moved_in=report.moved_on,
            scope_path=report.house.scope_path,
        )
        resident.name_pinyin = services.names.pinyin_of(report.name)
        resident.name_initials = services.names.initials_of(report.name)
        report.copy_identity_to(resident)
        resident.save()
        Occupancy.objects.create(
            resident=resident,
            house=report.house,
            residence_type=resident.residence_type,
            moved_in=report.moved_on,
        )
        audit.record(actor=actor, action="registry.resident.created", obj=resident)
        return resident
    return services.move_resident(
        actor=actor,
        resident=resident,
        house=report.house,
        on=report.moved_on,
        residence_type=Resident.ResidenceType.FLOATING,
    )


def reject_tenant_report(*, actor, report: TenantReport, reason: str) -> TenantReport:
    services.ensure_can(actor, "registry.change_tenantreport", report)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请写明退回原因，方便报告人补正")})
    with transaction.atomic():
        rejected = report.mark_reviewed(
            actor=actor, status=TenantReport.Status.REJECTED, note=reason
        )
        if not rejected:
            raise ValidationError(_("这条报告已经处理过了"))
        audit.record(actor=actor, action="registry.tenant.rejected", obj=report)
    report.refresh_from_db()
    return report
