"""The services Open311 offers: each a code, the kind and category of report it makes,
and labels in the active language."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from fengqiao import taxonomy
from fengqiao.intake.models import Report

HAZARD_CATEGORY = "public_safety_hazard"
# Kinds whose details are about a place, not a person: shown with text and exact location.
PLACE_KINDS = (Report.Kind.HAZARD, Report.Kind.SUGGESTION)
PLAIN_KINDS = (Report.Kind.HAZARD, Report.Kind.SUGGESTION, Report.Kind.SERVICE)


@dataclass(frozen=True)
class Service:
    code: str
    kind: str
    category: str
    name: str
    description: str
    group: str
    keywords: str


def dispute_categories() -> list[str]:
    return [
        entry["code"]
        for entry in taxonomy.entries("category")
        if entry.get("mediation_category") or entry["code"] == "campus"
    ]


def services_offered() -> list[Service]:
    """Every service in the list, labels in the active language."""
    notes = {entry["code"]: entry.get("note", "") for entry in taxonomy.entries("category")}
    dispute_group = str(Report.Kind.DISPUTE.label)
    offered = [
        Service(
            code=f"dispute.{category}",
            kind=Report.Kind.DISPUTE,
            category=category,
            name=taxonomy.label("category", category),
            description=_("%(category)s类矛盾纠纷：网格员或社区民警会联系双方调解")
            % {"category": taxonomy.label("category", category)},
            group=dispute_group,
            keywords=notes[category],
        )
        for category in dispute_categories()
    ]
    offered += [
        Service(
            code="hazard",
            kind=Report.Kind.HAZARD,
            category=HAZARD_CATEGORY,
            name=str(Report.Kind.HAZARD.label),
            description=_("治安、消防等安全隐患：高空抛物、飞线充电、火灾隐患等"),
            group=str(Report.Kind.HAZARD.label),
            keywords=notes[HAZARD_CATEGORY],
        ),
        Service(
            code="suggestion",
            kind=Report.Kind.SUGGESTION,
            category="",
            name=str(Report.Kind.SUGGESTION.label),
            description=_("对社区治理、警务工作的意见和建议"),
            group=str(Report.Kind.SUGGESTION.label),
            keywords="",
        ),
        Service(
            code="service",
            kind=Report.Kind.SERVICE,
            category="",
            name=str(Report.Kind.SERVICE.label),
            description=_("需要社区或派出所帮忙办理的事情"),
            group=str(Report.Kind.SERVICE.label),
            keywords="",
        ),
    ]
    return offered


def service_by_code(code: str) -> Service | None:
    return next((s for s in services_offered() if s.code == code), None)


def service_code_of(report: Report) -> str:
    """The service a stored report belongs to ('' when it is not one we publish)."""
    if report.kind == Report.Kind.DISPUTE:
        return f"dispute.{report.category}" if report.category in dispute_categories() else ""
    return report.kind if report.kind in PLAIN_KINDS else ""


def service_q(service: Service) -> Q:
    """The stored reports that belong to ``service``."""
    if service.kind == Report.Kind.DISPUTE:
        return Q(kind=service.kind, category=service.category)
    return Q(kind=service.kind)
