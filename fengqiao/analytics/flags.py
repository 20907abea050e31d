"""Flags: patterns in the records an inspector would want to look at before trusting a
figure (domain-notes 7.2: quotas and rankings breed inflated counts and scripted ratings).

Each detector (``detectors``) reads what the system wrote (timestamps, the timeline,
residents' ratings) over a range of days and proposes flags; ``detect`` writes the new
ones. A flag is keyed by what it is about (``(kind, key)`` is unique), so running the
detectors again, or over an overlapping range, never writes one twice and never touches a
flag a person has decided.

A flag is a question, not a verdict: it lowers a score (``evaluation``) only once someone
from outside the flagged unit has confirmed it (``confirm_flag``); ``dismiss_flag`` closes
it with the reason. Both are audited, and only one decision per flag can win.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.analytics.detectors import DETECTORS, Found
from fengqiao.analytics.models import Flag
from fengqiao.audit import services as audit
from fengqiao.org.models import Person, Unit
from fengqiao.org.scope import in_scope, person_of

# How far back the nightly run looks (late ratings and visits still count).
DEFAULT_DAYS = 31


class FlagDecided(Exception):
    """Someone else decided the flag first."""


# --- writing the flags ---------------------------------------------------------------------


def _common_path(paths: list[str]) -> str:
    """The deepest region holding every path: where a flag spanning places sits."""
    split = [p.strip("/").split("/") for p in paths if p]
    common: list[str] = []
    for codes in zip(*split, strict=False):
        if any(code != codes[0] for code in codes):
            break
        common.append(codes[0])
    return "/" + "".join(f"{code}/" for code in common)


class _UnitsOver:
    """The police unit answering for a place: the deepest station or police room whose
    jurisdiction holds it (a unit's figures are its jurisdiction's); else the person's."""

    def __init__(self) -> None:
        self.by_place: dict[str, int] = {}
        rows = (
            Unit.objects.unscoped_for_jobs()
            .filter(kind__in=(Unit.Kind.STATION, Unit.Kind.POLICE_ROOM))
            .order_by("path")
            .values_list("pk", "jurisdiction__path")
        )
        for pk, path in rows:  # a room after its station: it is the nearer of the two
            self.by_place[path] = pk
        self.of_person = dict(
            Person.objects.unscoped_for_jobs()
            .filter(unit__isnull=False)
            .values_list("pk", "unit_id")
        )

    def __call__(self, path: str, person_id: int | None) -> int | None:
        codes = path.strip("/").split("/")
        for depth in range(len(codes), 0, -1):
            place = "/" + "".join(f"{code}/" for code in codes[:depth])
            if place in self.by_place:
                return self.by_place[place]
        return self.of_person.get(person_id)


def save(found: list[Found]) -> int:
    """Write the flags not yet written (by kind and key); returns how many are new."""
    if not found:
        return 0
    unique = {(f.kind, f.key): f for f in found}
    existing = set(
        Flag.objects.unscoped_for_jobs()
        .filter(kind__in={k for k, _key in unique}, key__in={key for _k, key in unique})
        .values_list("kind", "key")
    )
    units = _UnitsOver()
    new = []
    for (kind, key), f in unique.items():
        if (kind, key) in existing:
            continue
        path = _common_path(f.paths)
        new.append(
            Flag(
                kind=kind,
                key=key,
                unit_id=units(path, f.person_id),
                person_id=f.person_id,
                scope_path=path,
                period_day=f.day,
                evidence=f.evidence,
                case_refs=f.case_refs,
            )
        )
    # Two runs at once: the unique (kind, key) keeps one row, the other run skips it.
    Flag.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    return len(new)


def detect(start: dt.date, end: dt.date, *, kinds: Iterable[str] | None = None) -> dict[str, int]:
    """Run the detectors (all, or ``kinds``) over the days ``start`` to ``end`` and write
    the new flags: how many each kind added."""
    chosen = list(kinds) if kinds else list(DETECTORS)
    return {kind: save(DETECTORS[kind](start, end)) for kind in chosen}


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or timezone.localdate()
    return today - dt.timedelta(days=DEFAULT_DAYS), today


# --- reads and decisions -------------------------------------------------------------------

CHANGE_FLAG = "analytics.change_flag"
VIEW_FLAG = "analytics.view_flag"


def flags_for(user, *, status: str = "", kind: str = "") -> QuerySet[Flag]:
    """The flags in the user's jurisdiction, newest first, optionally by status and kind."""
    flags = Flag.objects.for_user(user).select_related("unit", "person", "decided_by")
    if status:
        flags = flags.filter(status=status)
    if kind:
        flags = flags.filter(kind=kind)
    return flags


def get_flag_for(user, pk) -> Flag:
    """The flag inside the user's jurisdiction, else 404 (missing and out of scope alike)."""
    try:
        return flags_for(user).get(pk=pk)
    except (Flag.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def may_decide(actor, flag: Flag) -> bool:
    """Whether the actor may confirm or dismiss the flag: they hold the right to, and the
    flag is neither about themselves nor about their own unit (for a station's people, any
    police room under it too)."""
    if not actor.has_perm(CHANGE_FLAG):
        return False
    own = person_of(actor)
    if own is None:
        return bool(actor.is_superuser)
    if flag.person_id is not None and flag.person_id == own.pk:
        return False
    if own.unit_id is None or flag.unit_id is None:
        return True
    if flag.unit_id == own.unit_id:
        return False
    mine = own.unit
    return not (mine.kind == Unit.Kind.STATION and flag.unit.path.startswith(mine.path))


def _decide(*, actor, flag: Flag, note: str, status: str) -> Flag:
    if not actor.has_perm(CHANGE_FLAG):
        raise PermissionDenied(_("您没有核实异常线索的权限"))
    if not in_scope(actor, flag):
        raise Http404
    if not may_decide(actor, flag):
        raise PermissionDenied(_("不能核实涉及本人或本单位的线索，请由上级或其他单位核实"))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请填写核实说明")})
    now = timezone.now()
    with transaction.atomic():
        updated = (
            Flag.objects.unscoped_for_jobs()
            .filter(pk=flag.pk, status=Flag.Status.OPEN)
            .update(status=status, decided_by=actor, decided_at=now, decision_note=note)
        )
        if not updated:
            raise FlagDecided(_("这条线索刚刚已被其他人核实，请刷新后再看"))
        flag.refresh_from_db()
        audit.record(
            actor=actor,
            action=f"analytics.flag_{status}",
            obj=flag,
            changes={"status": [Flag.Status.OPEN, status], "note": note},
        )
    return flag


def confirm_flag(*, actor, flag: Flag, note: str) -> Flag:
    """Confirm the flag: the pattern is what it looks like; it now lowers the unit's score."""
    return _decide(actor=actor, flag=flag, note=note, status=Flag.Status.CONFIRMED)


def dismiss_flag(*, actor, flag: Flag, note: str) -> Flag:
    """Dismiss the flag with the reason (the records were checked and are sound)."""
    return _decide(actor=actor, flag=flag, note=note, status=Flag.Status.DISMISSED)


# --- what a flag says, in words --------------------------------------------------------------


def _evidence_labels() -> dict[str, str]:
    return {
        "received_at": _("登记时间"),
        "resolved_at": _("化解时间"),
        "minutes": _("相隔（分钟）"),
        "threshold_minutes": _("阈值（分钟）"),
        "visits": _("回访条数"),
        "first": _("第一条录入"),
        "last": _("最后一条录入"),
        "gap_minutes": _("相邻间隔不超过（分钟）"),
        "records": _("雷同记录条数"),
        "lowest_ratio": _("最低相似度（%）"),
        "threshold_ratio": _("相似度阈值（%）"),
        "text": _("记录内容"),
        "written": _("录入情况"),
        "phone": _("评价手机号"),
        "month": _("月份"),
        "ratings": _("评价件数"),
        "rating": _("评分"),
        "threshold": _("阈值（件）"),
        "handler": _("承办人"),
        "same": _("相同之处"),
        "rated_at": _("评价时间"),
        "record": _("记录类型"),
        "stated_at": _("记载时间"),
        "recorded_at": _("录入时间"),
        "hours_late": _("滞后（小时）"),
        "before_case": _("早于案件登记"),
        "threshold_hours": _("阈值（小时）"),
        "entry": _("动态事项"),
        "after_entry": _("晚于其写入的动态"),
        "after_at": _("该动态时间"),
        "slack_minutes": _("容差（分钟）"),
    }


def _evidence_words() -> dict[str, str]:
    return {
        "account": _("评价人账号即承办人账号"),
        "phone": _("评价手机号即承办人手机号"),
        "session": _("调解记录"),
        "visit": _("回访记录"),
        "timeline": _("案件动态"),
    }


def evidence_lines(flag: Flag) -> list[tuple[str, str]]:
    """The flag's evidence as (label, text) lines for a page, in the order it was written."""
    labels, words = _evidence_labels(), _evidence_words()
    lines = []
    for key, value in (flag.evidence or {}).items():
        if isinstance(value, bool):
            text = _("是") if value else _("否")
        elif isinstance(value, list):
            text = "；".join(
                " ".join(str(v) for v in item.values()) if isinstance(item, dict) else str(item)
                for item in value
            )
        elif key in ("same", "record"):
            text = words.get(str(value), str(value))
        else:
            text = str(value)
        lines.append((labels.get(key, key), text))
    return lines
