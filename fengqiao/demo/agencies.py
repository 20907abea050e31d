"""The demo's partner bodies (协办单位) that take hand-offs, in the showcase town where the
demo logins work: the town's city-management squad, a property company and labour
inspection, with the county's legal-aid centre and counselling service above them. One
login, ``agency`` (the demo password), answers for all of them; a few of the town's open
cases are handed to them, some already answered, through the same services as the pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from fengqiao.disputes import handoffs, rules
from fengqiao.disputes.models import Case
from fengqiao.org.models import AccessGrant, Person, Role, Team

Progress = Callable[[str], None]
LOGIN = "agency"
# Printed and tested with the staff's own logins (``staff.DEMO_LOGINS``).
LOGINS: tuple[tuple[str, str], ...] = ((LOGIN, "agency_staff"),)

# (team name after the town's, body, at the county?)
BODIES = (
    ("{town}城管中队", "street_office", False),
    ("{town}物业服务有限公司", "property_company", False),
    ("{town}劳动保障监察中队", "labour_inspection", False),
    ("{county}法律援助中心", "legal_aid", True),
    ("{county}心理咨询服务站", "counselling", True),
)
# (case category, body, request, answer or "" for pending)
HANDOFFS = (
    (
        "neighbourhood",
        "street_office",
        "排水沟堵塞致邻居院内积水，请疏通。",
        "已于当日疏通排水沟。",
    ),
    ("neighbourhood", "street_office", "小区路灯损坏，夜间两户进出争吵，请修复路灯。", ""),
    (
        "labour",
        "labour_inspection",
        "工地拖欠六名工人工资，请劳动保障监察介入。",
        "已约谈包工头，承诺十日内结清。",
    ),
    ("property", "property_company", "楼道堆物清理和电梯维修的诉求，请物业答复处理方案。", ""),
)


def load_agencies(*, password_hash: str, progress: Progress | None = None) -> dict[str, int]:
    """Write the bodies, their login and a few hand-offs; returns counts. One transaction;
    nothing when the demo logins are missing."""
    say = progress or (lambda stage: None)
    say("协办单位 / partner bodies")
    users = get_user_model().objects.in_bulk(["police", LOGIN], field_name="username")
    grant = (
        AccessGrant.objects.filter(user__username="police", unit__isnull=False)
        .select_related("unit__jurisdiction__parent")
        .first()
    )
    if grant is None or LOGIN in users or grant.unit.jurisdiction is None:
        return {}
    town = grant.unit.jurisdiction
    county = town.parent or town
    with transaction.atomic():
        user = get_user_model().objects.create(
            username=LOGIN, password=password_hash, first_name="协办单位联络员"
        )
        person = Person.objects.create(user=user, name="协办单位联络员", region=town)
        person.roles.add(Role.objects.get(code="agency_staff"))
        teams = {}
        for name, body, at_county in BODIES:
            team = Team.objects.create(
                name=name.format(town=town.name, county=county.name),
                kind=Team.Kind.AGENCY,
                region=county if at_county else town,
            )
            team.members.add(person)
            teams[body] = team
        sent = _hand_off_some(users["police"], user, town, teams)
    return {"agencies": len(teams), "handoffs": sent}


def _hand_off_some(police, body_user, town, teams: dict[str, Team]) -> int:
    """A few of the town's open cases handed off by its officer, some answered."""
    today = timezone.localdate()
    open_cases = (
        Case.objects.unscoped_for_jobs()
        .filter(grid__path__startswith=town.path, state__in=rules.OPEN_STATES)
        .filter(paused_since__isnull=True)
        .order_by("-received_at")
    )
    sent, used = 0, set()
    for category, body, request, answer in HANDOFFS:
        candidates = open_cases.exclude(pk__in=used)
        # A small demo town may have no case of the category: any open case will show it.
        case = candidates.filter(category=category).first() or candidates.first()
        if case is None:
            continue
        try:
            handoff = handoffs.hand_off(
                case=case,
                actor=police,
                kind="handoff",
                body=body,
                team=teams[body],
                request=request,
                due_on=today + dt.timedelta(days=7),
            )
            if answer:
                handoffs.answer(handoff=handoff, actor=body_user, answer=answer, outcome="done")
        except (PermissionDenied, ValidationError):
            continue  # the officer may not work this case at its level: leave it
        used.add(case.pk)
        sent += 1
    return sent
