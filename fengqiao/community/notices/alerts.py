"""Alerts (missing person, urgent notices): raising one to chosen grids, acknowledging it,
reporting sightings, confirming them, closing it. Every write is permission- and
scope-checked, audited, in one transaction, with the outbound push scheduled after commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.community import announce
from fengqiao.community.models import Alert, AlertRecipient, Group, Member, Sighting
from fengqiao.community.notices.sending import (
    MESSAGE_BATCH,
    check_photo,
    check_point,
    check_time,
    checked_key,
    common_path,
    name_of,
    pk_of,
    post_into,
    push_after_commit,
    replayed,
    target_groups,
)
from fengqiao.org.scope import in_scope, scope_to
from fengqiao.org.selectors import building_heads, responsibles_for_grids
from fengqiao.places.models import Building, Region, subtree_q


def raise_alert(
    *,
    actor,
    kind: str,
    title: str,
    description: str,
    grids: Iterable[Region | int] | None = None,
    groups: Iterable[Group | int] | None = None,
    regions: Iterable[Region | int] | None = None,
    last_seen_place: str = "",
    last_seen_at: dt.datetime | None = None,
    lon: float | None = None,
    lat: float | None = None,
    photo=None,
    client_key: str | None = None,
) -> Alert:
    """Send a missing-person or urgent alert to the chosen groups, the active groups under
    the chosen ``regions`` (a community picked whole) and the chosen grids, all inside the
    actor's jurisdiction (anything outside refuses the whole send).

    It reaches the members of those groups and of the grids' groups, and the building heads
    and the people who package the grids the groups cover, each once; one message per group.
    Choosing nothing is an error on ``groups`` (on ``grids`` for a caller that names only
    grids). Replaying ``client_key`` returns the first alert. The outbound push runs after
    commit."""
    if not actor.has_perm("community.add_alert"):
        raise PermissionDenied(_("您没有发布预警的权限"))
    errors: dict[str, str] = {}
    if kind not in Alert.Kind.values:
        errors["kind"] = _("请选择预警类型")
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        errors["title"] = _("请填写标题")
    elif len(title) > 60:
        errors["title"] = _("标题太长，请控制在 60 字以内")
    if not description:
        errors["description"] = _("请填写特征描述（衣着、身高、口音等）")
    elif len(description) > 2000:
        errors["description"] = _("描述太长，请控制在 2000 字以内")
    last_seen_place = (last_seen_place or "").strip()
    if len(last_seen_place) > 200:
        errors["last_seen_place"] = _("地点太长，请控制在 200 字以内")
    check_time(last_seen_at, "last_seen_at", errors)
    check_point(lon, lat, errors)
    check_photo(photo, errors)
    client_key = checked_key(client_key, errors)
    replay = replayed(Alert, client_key, actor, author_field="created_by")
    if replay is not None:
        return replay
    grid_ids = {pk_of(grid) for grid in grids or ()}
    chosen = list(
        scope_to(actor, Region.objects.filter(pk__in=grid_ids, level="grid")).defer("boundary")
    )
    if len(chosen) != len(grid_ids):
        raise PermissionDenied(_("所选的网格不在您的管辖范围内"))
    targets = target_groups(actor, groups or (), regions or ())
    if not grid_ids and not targets:
        only_grids = grids is not None and groups is None and regions is None
        errors["grids" if only_grids else "groups"] = (
            _("请选择发送的网格") if only_grids else _("请选择要发送的群（至少一个）")
        )
    chosen = _with_grids_of([pk for pk, _path in targets], chosen)
    if errors:
        raise ValidationError(errors)

    name = name_of(actor)
    try:
        with transaction.atomic():
            now = timezone.now()
            alert = Alert(
                kind=kind,
                title=title,
                description=description,
                last_seen_place=last_seen_place,
                last_seen_at=last_seen_at,
                lon=lon,
                lat=lat,
                created_by=actor,
                client_key=client_key,
                scope_path=common_path(
                    [grid.path for grid in chosen] + [path for _pk, path in targets]
                ),
            )
            if photo:
                alert.photo = photo
            alert.save()
            alert.grids.set(chosen)
            group_ids = sorted(
                {pk for pk, _path in targets}
                | set(
                    Group.objects.filter(
                        Q(region__in=grid_ids) | Q(building__grid__in=grid_ids), active=True
                    ).values_list("pk", flat=True)
                )
            )
            # The sender needs no copy of their own alert.
            users = [pk for pk in _alert_recipients(chosen, group_ids) if pk != actor.pk]
            AlertRecipient.objects.bulk_create(
                [AlertRecipient(alert=alert, user_id=pk, delivered_at=now) for pk in users],
                batch_size=MESSAGE_BATCH,
            )
            label = Alert.Kind(kind).label
            post_into(group_ids, actor, name, f"【{label}】{title}\n{description}", alert=alert)
            audit.record(
                actor=actor,
                action="community.alert_raised",
                obj=alert,
                changes={
                    "kind": kind,
                    "title": title,
                    "grids": [grid.code for grid in chosen],
                    "recipients": len(users),
                    "groups": len(group_ids),
                },
            )
            push_after_commit(
                source=f"alert:{alert.pk}",
                title=f"【{label}】{title}",
                text=_alert_push_text(alert),
                region_path=alert.scope_path,
            )
    except IntegrityError:
        replay = replayed(Alert, client_key, actor, author_field="created_by")
        if replay is None:
            raise
        return replay
    return alert


def _with_grids_of(group_ids: list[int], grids: list[Region]) -> list[Region]:
    """``grids`` and the grids the groups cover: a grid group's grid, a building group's
    building's grid, every grid of a community group's community."""
    if not group_ids:
        return grids
    rows = Group.objects.filter(pk__in=group_ids).values_list(
        "region_id", "region__level", "region__path", "building__grid_id"
    )
    ids, condition = {grid.pk for grid in grids}, Q()
    for region_id, level, path, building_grid in rows:
        if building_grid:
            ids.add(building_grid)
        elif level == "grid":
            ids.add(region_id)
        else:
            condition |= subtree_q(path)
    covered = Q(pk__in=ids) | condition if condition else Q(pk__in=ids)
    return list(Region.objects.filter(covered, level="grid").defer("boundary").order_by("path"))


def _alert_recipients(grids: list[Region], group_ids: list[int]) -> list[int]:
    """User ids, once each: building heads of the grids' buildings, the people packaging
    the grids, and the active members of the grids' groups."""
    users: dict[int, None] = {}
    buildings = Building.objects.filter(grid__in=grids).only("pk")
    for heads in building_heads(buildings).values():
        users.update((person.user_id, None) for person in heads if person.user_id)
    for duties in responsibles_for_grids(grids).values():
        for people in duties.values():
            users.update((person.user_id, None) for person in people if person.user_id)
    members = Member.objects.filter(group_id__in=group_ids, removed_at__isnull=True)
    users.update((pk, None) for pk in members.values_list("user_id", flat=True).distinct())
    return list(users)


def _alert_push_text(alert: Alert) -> str:
    lines = [alert.description]
    if alert.last_seen_place:
        lines.append(_("最后出现地点：%(place)s") % {"place": alert.last_seen_place})
    if alert.last_seen_at:
        seen = timezone.localtime(alert.last_seen_at).strftime("%Y-%m-%d %H:%M")
        lines.append(_("最后出现时间：%(time)s") % {"time": seen})
    lines.append(_("如有线索请联系社区民警或拨打 110"))
    return "\n".join(lines)


def acknowledge_alert(*, actor, alert: Alert) -> AlertRecipient:
    """The recipient ``actor`` has seen the alert; the first acknowledgement time is kept."""
    recipient = AlertRecipient.objects.filter(alert=alert, user=actor).first()
    if recipient is None:
        raise PermissionDenied(_("这条预警没有发给您"))
    if recipient.acknowledged_at is not None:
        return recipient
    if alert.status != Alert.Status.OPEN:
        raise ValidationError(_("这条预警已经结束，无需再确认"))
    with transaction.atomic():
        now = timezone.now()
        updated = AlertRecipient.objects.filter(
            pk=recipient.pk, acknowledged_at__isnull=True
        ).update(acknowledged_at=now)
        if updated:
            audit.record(actor=actor, action="community.alert_acknowledged", obj=alert)
            announce.alert_changed(alert.pk)
    recipient.refresh_from_db(fields=["acknowledged_at"])
    return recipient


def report_sighting(
    *,
    actor,
    alert: Alert,
    text: str,
    place: str = "",
    lon: float | None = None,
    lat: float | None = None,
    seen_at: dt.datetime | None = None,
    photo=None,
    client_key: str | None = None,
) -> Sighting:
    """A clue from a recipient (or staff in the alert's scope) while the alert is open.
    Replaying ``client_key`` returns the first sighting."""
    if not may_report_sighting(actor, alert):
        raise PermissionDenied(_("您不能为这条预警提供线索"))
    errors: dict[str, str] = {}
    text, place = (text or "").strip(), (place or "").strip()
    if len(text) < 2:
        errors["text"] = _("请写下看到的情况（至少 2 个字）")
    elif len(text) > 1000:
        errors["text"] = _("内容太长，请控制在 1000 字以内")
    if len(place) > 200:
        errors["place"] = _("地点太长，请控制在 200 字以内")
    check_time(seen_at, "seen_at", errors)
    check_point(lon, lat, errors)
    check_photo(photo, errors)
    client_key = checked_key(client_key, errors)
    replay = replayed(Sighting, client_key, actor, author_field="reporter")
    if replay is not None:
        return replay
    if errors:
        raise ValidationError(errors)
    if alert.status != Alert.Status.OPEN:
        raise ValidationError(_("这条预警已经结束，不再接收线索"))
    try:
        with transaction.atomic():
            sighting = Sighting(
                alert=alert,
                reporter=actor,
                reporter_name=name_of(actor),
                text=text,
                place=place,
                lon=lon,
                lat=lat,
                seen_at=seen_at or timezone.now(),
                client_key=client_key,
            )
            if photo:
                sighting.photo = photo
            sighting.save()
            audit.record(
                actor=actor,
                action="community.sighting_reported",
                obj=alert,
                changes={"sighting": sighting.pk, "place": place},
            )
            announce.alert_changed(alert.pk)
    except IntegrityError:
        replay = replayed(Sighting, client_key, actor, author_field="reporter")
        if replay is None:
            raise
        return replay
    return sighting


def may_report_sighting(user, alert: Alert) -> bool:
    """Recipients, and staff who may see alerts in the alert's place."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.has_perm("community.view_alert") and in_scope(user, alert):
        return True
    return AlertRecipient.objects.filter(alert=alert, user=user).exists()


def may_confirm_sightings(user, alert: Alert) -> bool:
    """Staff who may change alerts in the alert's place may vouch for its clues (not for
    their own: see ``confirm_sighting``)."""
    return (
        getattr(user, "is_authenticated", False)
        and user.has_perm("community.change_alert")
        and in_scope(user, alert)
    )


def confirm_sighting(*, actor, sighting: Sighting) -> Sighting:
    """Staff in the alert's scope vouch that a clue was true, once; never the clue's own
    reporter. Allowed while the alert is open and after it ended (a clue may be checked
    later). A second confirmation is refused. Recognition counts confirmed clues."""
    alert = sighting.alert
    if not may_confirm_sightings(actor, alert):
        raise PermissionDenied(_("您没有确认这条线索的权限"))
    if sighting.reporter_id == actor.pk:
        raise PermissionDenied(_("不能确认自己提供的线索，请由其他工作人员确认"))
    with transaction.atomic():
        now = timezone.now()
        updated = Sighting.objects.filter(pk=sighting.pk, confirmed_at__isnull=True).update(
            confirmed_by=actor, confirmed_at=now
        )
        if not updated:
            raise ValidationError(_("这条线索已确认"))
        sighting.confirmed_by, sighting.confirmed_at = actor, now
        audit.record(
            actor=actor,
            action="community.sighting_confirmed",
            obj=alert,
            changes={"sighting": sighting.pk, "reporter": sighting.reporter_id},
        )
        announce.alert_changed(alert.pk)
    return sighting


def close_alert(*, actor, alert: Alert, status: str = "found", note: str = "") -> Alert:
    """End the alert as found (or closed otherwise), once: a second close is refused."""
    if not actor.has_perm("community.change_alert") or not in_scope(actor, alert):
        raise PermissionDenied(_("您没有结束这条预警的权限"))
    note = (note or "").strip()
    if status not in (Alert.Status.FOUND, Alert.Status.CLOSED):
        raise ValidationError({"status": _("请选择结束方式")})
    if len(note) > 200:
        raise ValidationError({"note": _("说明太长，请控制在 200 字以内")})
    with transaction.atomic():
        now = timezone.now()
        updated = Alert.objects.filter(pk=alert.pk, status=Alert.Status.OPEN).update(
            status=status, closed_at=now, closing_note=note
        )
        if not updated:
            raise ValidationError(_("这条预警已经结束了，请刷新页面"))
        alert.status, alert.closed_at, alert.closing_note = status, now, note
        audit.record(
            actor=actor,
            action="community.alert_closed",
            obj=alert,
            changes={"status": [Alert.Status.OPEN, status], "note": note},
        )
        announce.alert_changed(alert.pk)
        label = Alert.Status(status).label
        push_after_commit(
            source=f"alert:{alert.pk}:{status}",
            title=f"【{label}】{alert.title}",
            text=note or _("感谢大家的帮助"),
            region_path=alert.scope_path,
        )
    return alert
