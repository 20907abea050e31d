"""Recognition's one write: recording a commendation (登记表彰). Points are never written:
they are counted from the records (``recognition``)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.audit.services import record
from fengqiao.org.models import Person
from fengqiao.org.scope import in_scope
from fengqiao.outreach import recognition
from fengqiao.outreach.models import Commendation
from fengqiao.places.models import Region

ADD_COMMENDATION = "outreach.add_commendation"
TITLE_MAX = 100
REASON_MAX = 2000


def record_commendation(
    *,
    actor,
    person: Person,
    community: Region,
    awarded_on: dt.date,
    title: str,
    reason: str,
) -> Commendation:
    """Record that ``person`` was commended in ``community`` on ``awarded_on``, and why.

    Only chiefs and administrators (``outreach.add_commendation``), for a person and a
    community in their jurisdiction; the person must work in that community in the month
    of the award (posted there, an assignment or a team there); nobody commends
    themselves; the date is not in the future. Audited in the same transaction.
    """
    if not actor.has_perm(ADD_COMMENDATION):
        raise PermissionDenied(_("您没有登记表彰的权限"))
    if not in_scope(actor, community) or not in_scope(actor, person):
        raise PermissionDenied(_("只能为本辖区的人员登记表彰"))
    errors: dict[str, list[str]] = {}
    title, reason = (title or "").strip(), (reason or "").strip()
    if community.level != "community":
        errors.setdefault("community", []).append(_("请选择一个社区（村）"))
    if not title:
        errors.setdefault("title", []).append(_("请填写表彰名称，例如“优秀楼栋长”"))
    elif len(title) > TITLE_MAX:
        errors.setdefault("title", []).append(_("表彰名称请控制在 100 字以内"))
    if len(reason) < 5:
        errors.setdefault("reason", []).append(_("请写明事迹（至少 5 个字）"))
    elif len(reason) > REASON_MAX:
        errors.setdefault("reason", []).append(_("事迹请控制在 2000 字以内"))
    if not isinstance(awarded_on, dt.date):
        errors.setdefault("awarded_on", []).append(_("请填写表彰日期"))
    elif awarded_on > timezone.localdate():
        errors.setdefault("awarded_on", []).append(_("表彰日期不能晚于今天"))
    if person.user_id is not None and person.user_id == actor.pk:
        errors.setdefault("person", []).append(_("不能为自己登记表彰"))
    if (
        "community" not in errors
        and "awarded_on" not in errors
        and not recognition.works_in(person, community, awarded_on)
    ):
        errors.setdefault("person", []).append(
            _("此人当月不在该社区（村）工作，请选择在该社区有包片、所在区域或队伍的人员")
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        commendation = Commendation(
            person=person,
            community=community,
            awarded_on=awarded_on,
            title=title,
            reason=reason,
            recorded_by=actor,
        )
        commendation.save()
        record(
            actor=actor,
            action="outreach.commendation_recorded",
            obj=commendation,
            changes={
                "person": person.pk,
                "community": community.code,
                "awarded_on": awarded_on.isoformat(),
                "title": title,
            },
        )
    return commendation
