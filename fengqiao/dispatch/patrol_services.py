"""Every write of patrols: routes and their points, shifts and their roster, check-ins at
points (with a hazard found on the way sent through intake's one door)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.dispatch import patrol_rules as rules
from fengqiao.dispatch.patrol_models import (
    DEFAULT_RADIUS_M,
    PATROL_TEAM_KINDS,
    ROUTE_UNIT_KINDS,
    CheckIn,
    PatrolPoint,
    PatrolRoute,
    PatrolShift,
)
from fengqiao.idempotency import sender_of, stored_key
from fengqiao.intake import services as intake
from fengqiao.org.models import Person, Team, Unit
from fengqiao.org.scope import in_scope, person_of
from fengqiao.places.models import Region

ADD_ROUTE = "dispatch.add_patrolroute"
CHANGE_ROUTE = "dispatch.change_patrolroute"
ADD_SHIFT = "dispatch.add_patrolshift"
CHECK_IN = "dispatch.add_checkin"
# The channel a check-in's client key is bound to (fengqiao.idempotency).
CHECKIN_KEY_CHANNEL = "patrol_checkin"
MAX_NAME_CHARS = 100
MAX_POINT_NAME_CHARS = 50
MAX_ROUTE_NOTE_CHARS = 500
MAX_NOTE_CHARS = 200
MAX_HAZARD_CHARS = 1000
PAST_SHIFT_DAYS = 7
FUTURE_SHIFT_DAYS = 366
# Where intake's refusal of a hazard report is shown on the check-in form.
_HAZARD_FIELDS = {"text": "hazard", "photos": "hazard_photo"}


# --- routes -------------------------------------------------------------------------------


def save_route(
    *,
    actor,
    route: PatrolRoute | None = None,
    name: str,
    station: Unit | None,
    region: Region | None = None,
    note: str = "",
    active: bool = True,
    points: Iterable[dict],
) -> PatrolRoute:
    """Create or change a patrol route of a station (or police room) and its ordered
    check-in points (``points``: dicts of name, lon, lat and an optional radius_m, default
    100 m). Chiefs, administrators and community police, for units in their jurisdiction;
    the area, if named, must lie in the unit's.

    A point keeps its identity by name: renamed is new. A point dropped from the list is
    deleted, or retired if someone has checked in at it, so old check-ins keep their point.
    """
    permission = ADD_ROUTE if route is None else CHANGE_ROUTE
    if (
        actor is None
        or not actor.has_perm(permission)
        or (route is not None and not in_scope(actor, route))
    ):
        raise PermissionDenied(_("您没有管理巡逻路线的权限"))
    name = (name or "").strip()
    note = (note or "").strip()
    errors: dict[str, object] = {}
    if not name or len(name) > MAX_NAME_CHARS:
        errors["name"] = _("请填写路线名称（最多 %(n)s 个字）") % {"n": MAX_NAME_CHARS}
    if station is None or station.kind not in ROUTE_UNIT_KINDS:
        errors["station"] = _("请选择所属派出所或警务室")
    elif not in_scope(actor, station):
        errors["station"] = _("这个单位不在您的管辖范围")
    elif region is not None and not region.path.startswith(station.jurisdiction.path):
        errors["region"] = _("巡逻区域不在这个单位的辖区内")
    if len(note) > MAX_ROUTE_NOTE_CHARS:
        errors["note"] = _("说明请控制在 %(n)s 字以内") % {"n": MAX_ROUTE_NOTE_CHARS}
    cleaned, problems = _clean_points(points)
    if problems:
        errors["points"] = problems
    if "name" not in errors and "station" not in errors:
        clash = PatrolRoute.objects.unscoped_for_jobs().filter(station=station, name=name)
        if route is not None:
            clash = clash.exclude(pk=route.pk)
        if clash.exists():
            errors["name"] = _("这个单位已有同名的巡逻路线")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = (
            None
            if route is None
            else {"name": route.name, "station": route.station_id, "region": route.region_id}
        )
        route = route or PatrolRoute()
        route.name, route.station, route.region = name, station, region
        route.note, route.active = note, bool(active)
        route.save()
        _replace_points(route, cleaned)
        # Re-checked after the write: a route moved out of the actor's reach is refused.
        if not in_scope(actor, route):
            raise PermissionDenied(_("保存后的路线不在您的辖区内"))
        audit.record(
            actor=actor,
            action="dispatch.patrol_route_saved",
            obj=route,
            changes={
                "before": before,
                "name": name,
                "station": station.pk,
                "region": region.pk if region else None,
                "active": route.active,
                "points": [p["name"] for p in cleaned],
            },
        )
    return route


def _clean_points(points: Iterable[dict]) -> tuple[list[dict], list[str]]:
    """The points as numbers, or the problems, each naming the point by its place in order."""
    cleaned: list[dict] = []
    problems: list[str] = []
    seen: set[str] = set()
    points = list(points or ())
    if not points:
        return [], [_("请至少填写一个打卡点")]
    if len(points) > rules.MAX_POINTS:
        return [], [_("打卡点最多 %(n)s 个") % {"n": rules.MAX_POINTS}]
    for n, point in enumerate(points, start=1):
        name = str(point.get("name") or "").strip()
        where = _("第 %(n)s 个打卡点") % {"n": n}
        if not name or len(name) > MAX_POINT_NAME_CHARS:
            problems.append(
                _("%(where)s：请填写名称（最多 %(m)s 个字）")
                % {"where": where, "m": MAX_POINT_NAME_CHARS}
            )
            continue
        if name in seen:
            problems.append(_("%(where)s：名称“%(name)s”重复") % {"where": where, "name": name})
            continue
        seen.add(name)
        try:
            lon, lat = float(point.get("lon")), float(point.get("lat"))
        except (TypeError, ValueError):
            problems.append(_("%(where)s：经度、纬度应为数字") % {"where": where})
            continue
        if not rules.valid_point(lon, lat):
            problems.append(_("%(where)s：经纬度超出范围") % {"where": where})
            continue
        radius = point.get("radius_m")
        try:
            radius = DEFAULT_RADIUS_M if radius in (None, "") else int(radius)
        except (TypeError, ValueError):
            radius = None
        if radius is None or not rules.MIN_RADIUS_M <= radius <= rules.MAX_RADIUS_M:
            problems.append(
                _("%(where)s：打卡范围应为 %(low)s 到 %(high)s 米的整数")
                % {"where": where, "low": rules.MIN_RADIUS_M, "high": rules.MAX_RADIUS_M}
            )
            continue
        cleaned.append({"name": name, "lon": lon, "lat": lat, "radius_m": radius})
    return cleaned, problems


def _replace_points(route: PatrolRoute, cleaned: list[dict]) -> None:
    existing = {point.name: point for point in PatrolPoint.objects.filter(route=route)}
    for order, values in enumerate(cleaned, start=1):
        point = existing.pop(values["name"], None) or PatrolPoint(route=route)
        point.order, point.active = order, True
        point.name, point.lon, point.lat = values["name"], values["lon"], values["lat"]
        point.radius_m = values["radius_m"]
        point.save()
    dropped = list(existing.values())
    used = set(
        CheckIn.objects.unscoped_for_jobs()
        .filter(point__in=dropped)
        .values_list("point_id", flat=True)
        .distinct()
    )
    PatrolPoint.objects.filter(pk__in=[p.pk for p in dropped if p.pk in used]).update(active=False)
    PatrolPoint.objects.filter(pk__in=[p.pk for p in dropped if p.pk not in used]).delete()


# --- shifts -------------------------------------------------------------------------------


def plan_shift(
    *,
    actor,
    route: PatrolRoute | None,
    date: dt.date | None,
    start: dt.time | None,
    end: dt.time | None,
    team: Team | None = None,
    duty_unit=None,
    people: Iterable[Person] = (),
    note: str = "",
) -> PatrolShift:
    """Plan a shift on a route: a date, a start and an end time (an end at or before the
    start is the next morning), and who walks it.

    The roster is the people named; if none are named, the team's and the duty unit's
    members as they are now. It is kept on the shift, so a person's record of shifts stays
    true after they leave the team. Chiefs, administrators and community police, for a
    route, team, unit and people in their jurisdiction; from a week back to a year ahead.
    """
    if (
        actor is None
        or not actor.has_perm(ADD_SHIFT)
        or route is None
        or not in_scope(actor, route)
    ):
        raise PermissionDenied(_("您没有安排这条路线巡逻班次的权限"))
    people = list(people)
    note = (note or "").strip()
    errors: dict[str, str] = {}
    if not route.active:
        errors["route"] = _("这条巡逻路线已停用")
    today = timezone.localdate()
    if date is None:
        errors["date"] = _("请填写日期")
    elif date < today - dt.timedelta(days=PAST_SHIFT_DAYS):
        errors["date"] = _("只能补登 %(n)s 天以内的班次") % {"n": PAST_SHIFT_DAYS}
    elif date > today + dt.timedelta(days=FUTURE_SHIFT_DAYS):
        errors["date"] = _("日期太远：最多提前一年安排")
    if start is None:
        errors["start"] = _("请填写开始时间")
    if end is None:
        errors["end"] = _("请填写结束时间")
    elif start is not None and end == start:
        errors["end"] = _("结束时间不能与开始时间相同")
    if team is not None:
        if team.kind not in PATROL_TEAM_KINDS:
            errors["team"] = _("这类队伍不参加巡逻")
        elif not in_scope(actor, team):
            errors["team"] = _("这支队伍不在您的管辖范围")
    if duty_unit is not None and not in_scope(actor, duty_unit):
        errors["duty_unit"] = _("这支执勤力量不在您的管辖范围")
    outside = [p.name for p in people if not in_scope(actor, p)]
    if outside:
        errors["people"] = _("这些人员不在您的管辖范围：%(names)s") % {"names": "、".join(outside)}
    off_duty = [p.name for p in people if not p.active]
    if off_duty and "people" not in errors:
        errors["people"] = _("这些人员已不在岗：%(names)s") % {"names": "、".join(off_duty)}
    if len(note) > MAX_NOTE_CHARS:
        errors["note"] = _("备注请控制在 %(n)s 字以内") % {"n": MAX_NOTE_CHARS}
    roster = people or _members_of(team if "team" not in errors else None, duty_unit)
    if not roster and not errors.keys() & {"people", "team", "duty_unit"}:
        errors["people"] = _("请选择巡逻人员，或选择有成员的队伍、执勤力量")
    if errors:
        raise ValidationError(errors)
    starts_at, ends_at = rules.shift_window(date, start, end, timezone.get_current_timezone())
    with transaction.atomic():
        shift = PatrolShift.objects.create(
            route=route,
            date=date,
            starts_at=starts_at,
            ends_at=ends_at,
            team=team,
            duty_unit=duty_unit,
            note=note,
            created_by=actor,
        )
        shift.people.set(roster)
        audit.record(
            actor=actor,
            action="dispatch.patrol_shift_planned",
            obj=shift,
            changes={
                "route": route.pk,
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(),
                "team": team.pk if team else None,
                "duty_unit": duty_unit.pk if duty_unit else None,
                "people": sorted(p.pk for p in roster),
            },
        )
    return shift


def _members_of(team: Team | None, duty_unit) -> list[Person]:
    members: dict[int, Person] = {}
    for group in (team, duty_unit):
        if group is not None:
            members.update({p.pk: p for p in group.members.filter(active=True)})
    return list(members.values())


# --- check-ins ----------------------------------------------------------------------------


def check_in(
    *,
    actor,
    point: PatrolPoint,
    lon,
    lat,
    accuracy_m=None,
    client_key: str | None = None,
    note: str = "",
    hazard: str = "",
    hazard_photo=None,
) -> tuple[CheckIn, bool]:
    """打卡: the person signed in checks in at ``point`` from where their phone says it is,
    at the server's time. Returns the check-in and whether it was made now.

    Never refused for where or when: farther than the point's radius it is marked
    ``off_point`` (偏离打卡点), outside any shift of the person on the route (with
    ``patrol_rules.SHIFT_GRACE``) it is marked ``off_shift``. Who may: someone with
    ``dispatch.add_checkin`` whose jurisdiction holds the route, or who is on one of its
    shifts today. ``hazard`` (发现隐患), with an optional photo, becomes a hazard report
    through intake's door in the same transaction; the check-in keeps its tracking code,
    and a report intake refuses refuses the check-in too. Idempotent on ``client_key`` per
    sender: the same key again returns the first check-in and writes nothing.
    """
    person = person_of(actor) if actor is not None else None
    if person is None or not actor.has_perm(CHECK_IN):
        raise PermissionDenied(_("只有巡逻人员可以打卡"))
    key = stored_key(key=client_key, sender=sender_of(actor), channel=CHECKIN_KEY_CHANNEL)
    if key:
        existing = CheckIn.objects.unscoped_for_jobs().filter(client_key=key).first()
        if existing is not None:
            return existing, False
    route = point.route
    now = timezone.now()
    if not in_scope(actor, route) and not on_route_today(person, route, now=now):
        raise PermissionDenied(_("这条巡逻路线不在您的辖区，您今天也没有这条路线的班次"))
    errors: dict[str, str] = {}
    if not point.active or not route.active:
        errors["point"] = _("这个打卡点已停用")
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        errors["lon"] = _("没有获取到位置：请打开手机定位，允许浏览器使用位置后再打卡")
    else:
        if not rules.valid_point(lon, lat):
            errors["lon"] = _("经纬度超出范围")
    accuracy_m = _accuracy(accuracy_m)
    note, hazard = (note or "").strip(), (hazard or "").strip()
    if len(note) > MAX_NOTE_CHARS:
        errors["note"] = _("备注请控制在 %(n)s 字以内") % {"n": MAX_NOTE_CHARS}
    if len(hazard) > MAX_HAZARD_CHARS:
        errors["hazard"] = _("隐患情况请控制在 %(n)s 字以内") % {"n": MAX_HAZARD_CHARS}
    elif hazard_photo and not hazard:
        errors["hazard"] = _("请写明发现了什么隐患，再上传照片")
    if errors:
        raise ValidationError(errors)
    where = rules.placement(
        point_lon=point.lon, point_lat=point.lat, radius_m=point.radius_m, lon=lon, lat=lat
    )
    shift_id = rules.shift_at(_shift_times(person, route, now), now)
    with transaction.atomic():
        checkin = CheckIn(
            point=point,
            route=route,
            shift_id=shift_id,
            person=person,
            at=now,
            lon=lon,
            lat=lat,
            accuracy_m=accuracy_m,
            distance_m=round(where.distance_m, 1),
            off_point=where.off_point,
            off_shift=shift_id is None,
            note=note,
            client_key=key,
        )
        try:
            with transaction.atomic():
                checkin.save()
        except IntegrityError:
            # The same key sent twice at once by the same sender: the first one won.
            existing = key and CheckIn.objects.unscoped_for_jobs().filter(client_key=key).first()
            if existing:
                return existing, False
            raise
        if hazard:
            _report_hazard(checkin, actor, hazard, hazard_photo)
        audit.record(
            actor=actor,
            action="dispatch.checked_in",
            obj=checkin,
            changes={
                "point": point.pk,
                "shift": shift_id,
                "distance_m": checkin.distance_m,
                "off_point": checkin.off_point,
                "off_shift": checkin.off_shift,
                "hazard": checkin.hazard_code or None,
            },
        )
    return checkin, True


def _report_hazard(checkin: CheckIn, actor, hazard: str, photo) -> None:
    try:
        submission = intake.submit_report(
            channel="grid_report",
            kind="hazard",
            text=hazard,
            lon=checkin.lon,
            lat=checkin.lat,
            actor=actor,
            source=f"dispatch.checkin:{checkin.pk}",
            photos=[photo] if photo else (),
        )
    except ValidationError as error:
        raise _on_hazard_fields(error) from None
    checkin.report = submission.report
    checkin.hazard_code = submission.report.tracking_code
    checkin.save(update_fields=["report", "hazard_code"])


def _on_hazard_fields(error: ValidationError) -> ValidationError:
    """Intake's refusal of the hazard report, put on the check-in form's hazard fields."""
    if not hasattr(error, "error_dict"):
        return ValidationError({"hazard": error.messages})
    moved: dict[str, list[str]] = {}
    for field, messages in error.message_dict.items():
        moved.setdefault(_HAZARD_FIELDS.get(field, "hazard"), []).extend(messages)
    return ValidationError(moved)


def _accuracy(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if 0 <= value <= 100_000 else None


def _shift_times(person: Person, route: PatrolRoute, now: dt.datetime) -> list[rules.ShiftTimes]:
    grace = rules.SHIFT_GRACE
    rows = (
        PatrolShift.objects.unscoped_for_jobs()
        .filter(route=route, people=person, starts_at__lte=now + grace, ends_at__gte=now - grace)
        .values_list("pk", "starts_at", "ends_at")
    )
    return [rules.ShiftTimes(*row) for row in rows]


def on_route_today(person: Person, route: PatrolRoute, *, now: dt.datetime) -> bool:
    """Whether the person is on a shift of the route that runs some time today (local)."""
    start, end = rules.day_bounds(timezone.localdate(now), timezone.get_current_timezone())
    return (
        PatrolShift.objects.unscoped_for_jobs()
        .filter(route=route, people=person, starts_at__lt=end, ends_at__gt=start)
        .exists()
    )
