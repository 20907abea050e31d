"""Broadcasts and alerts: every write, each one permission- and scope-checked, audited, in
one transaction, with the outbound push scheduled after commit.

A broadcast fans out to hundreds of thousands of members: the receipts are written by one
``INSERT ... SELECT`` in the database, never as Python objects.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import re
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.community.models import (
    Alert,
    AlertRecipient,
    Broadcast,
    Group,
    Member,
    Message,
    Receipt,
    Sighting,
)
from fengqiao.org.scope import in_scope, person_of, scope_to
from fengqiao.org.selectors import building_heads, responsibles_for_grids
from fengqiao.photos import photo_problem
from fengqiao.places.models import PATH_SEPARATOR, Building, Region, subtree_q

CLIENT_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# A phone's clock may run a little ahead of the server's.
CLOCK_SLACK = dt.timedelta(minutes=10)
MESSAGE_BATCH = 1000


# --- broadcasts ----------------------------------------------------------------------------


def send_broadcast(
    *,
    actor,
    title: str,
    text: str,
    groups: Iterable[Group | int] | None = None,
    regions: Iterable[Region | int] | None = None,
    client_key: str | None = None,
) -> Broadcast:
    """Announce ``title``/``text`` to the chosen groups and every active group under the
    chosen regions, all inside the actor's jurisdiction.

    One transaction writes the broadcast, one message per group and one delivered receipt
    per active member (set-based, however many). Replaying the same ``client_key`` returns
    the first broadcast and writes nothing. The outbound push runs after commit.
    """
    if not actor.has_perm("community.add_broadcast"):
        raise PermissionDenied(_("您没有发布群发通知的权限"))
    title, text = (title or "").strip(), (text or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("请填写标题")
    elif len(title) > 60:
        errors["title"] = _("标题太长，请控制在 60 字以内")
    if not text:
        errors["text"] = _("请填写通知内容")
    elif len(text) > 2000:
        errors["text"] = _("内容太长，请控制在 2000 字以内")
    client_key = _checked_key(client_key, errors)
    replay = _replayed(Broadcast, client_key, actor, author_field="author")
    if replay is not None:
        return replay
    targets = _broadcast_targets(actor, groups or (), regions or ())
    if not targets:
        errors["groups"] = _("请选择要发送的群或区域")
    if errors:
        raise ValidationError(errors)

    name = _name_of(actor)
    try:
        with transaction.atomic():
            now = timezone.now()
            broadcast = Broadcast.objects.create(
                author=actor,
                author_name=name,
                title=title,
                text=text,
                client_key=client_key,
                scope_path=_common_path(path for _group, path in targets),
                group_count=len(targets),
            )
            group_ids = [group for group, _path in targets]
            Broadcast.groups.through.objects.bulk_create(
                [
                    Broadcast.groups.through(broadcast_id=broadcast.pk, group_id=pk)
                    for pk in group_ids
                ],
                batch_size=MESSAGE_BATCH,
            )
            _post_into(group_ids, actor, name, f"{title}\n{text}", broadcast=broadcast)
            broadcast.member_count = _fan_out_receipts(broadcast, now)
            broadcast.delivered_at = timezone.now()
            broadcast.save(update_fields=["member_count", "delivered_at"])
            audit.record(
                actor=actor,
                action="community.broadcast_sent",
                obj=broadcast,
                changes={
                    "title": title,
                    "groups": broadcast.group_count,
                    "members": broadcast.member_count,
                },
            )
            _push_after_commit(
                source=f"broadcast:{broadcast.pk}",
                title=title,
                text=text,
                region_path=broadcast.scope_path,
            )
    except IntegrityError:
        replay = _replayed(Broadcast, client_key, actor, author_field="author")
        if replay is None:
            raise
        return replay
    return broadcast


def _broadcast_targets(actor, groups, regions) -> list[tuple[int, str]]:
    """(pk, scope_path) of every targeted active group; refuses anything out of scope."""
    group_ids = {_pk(group) for group in groups}
    region_ids = {_pk(region) for region in regions}
    visible = scope_to(actor, Group.objects.filter(active=True))
    chosen = dict(visible.filter(pk__in=group_ids).values_list("pk", "scope_path"))
    if len(chosen) != len(group_ids):
        raise PermissionDenied(_("所选的群不在您的管辖范围内或已停用"))
    if region_ids:
        paths = list(
            scope_to(actor, Region.objects.filter(pk__in=region_ids)).values_list("path", flat=True)
        )
        if len(paths) != len(region_ids):
            raise PermissionDenied(_("所选的区域不在您的管辖范围内"))
        condition = Q()
        for path in paths:
            condition |= subtree_q(path, "scope_path")
        chosen.update(visible.filter(condition).values_list("pk", "scope_path"))
    return sorted(chosen.items())


def _fan_out_receipts(broadcast: Broadcast, now) -> int:
    """One receipt per active member of the broadcast's groups, by one INSERT ... SELECT."""
    quote = connection.ops.quote_name
    through = Broadcast.groups.through._meta.db_table
    sql = (
        f"INSERT INTO {quote(Receipt._meta.db_table)} (broadcast_id, member_id, delivered_at) "
        f"SELECT %s, m.id, %s FROM {quote(Member._meta.db_table)} m "
        f"INNER JOIN {quote(through)} bg ON bg.group_id = m.group_id "
        "WHERE bg.broadcast_id = %s AND m.removed_at IS NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [broadcast.pk, now, broadcast.pk])
        return max(cursor.rowcount, 0)


def _post_into(group_ids, actor, name: str, text: str, **notice) -> None:
    """One announce-only message per group, pointing at its broadcast or alert."""
    kind = Message.Kind.BROADCAST if "broadcast" in notice else Message.Kind.ALERT
    Message.objects.bulk_create(
        [
            Message(
                group_id=pk,
                author=actor,
                author_name=name,
                author_is_staff=True,
                kind=kind,
                text=text,
                **notice,
            )
            for pk in group_ids
        ],
        batch_size=MESSAGE_BATCH,
    )


def mark_broadcast_read(*, member: Member, broadcast: Broadcast) -> bool:
    """The member has read the broadcast; the first read time is kept. True if newly read."""
    return bool(
        Receipt.objects.filter(member=member, broadcast=broadcast, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    )


def mark_receipts_read(*, user, group: Group, up_to_id: int) -> int:
    """``user`` has read ``group``'s messages up to ``up_to_id``: the receipts of the
    broadcasts among them are read. Returns how many receipts were newly marked."""
    broadcasts = Message.objects.filter(
        group=group, id__lte=up_to_id, kind=Message.Kind.BROADCAST, broadcast__isnull=False
    ).values("broadcast_id")
    members = Member.objects.filter(group=group, user=user).values("pk")
    return Receipt.objects.filter(
        member__in=members, broadcast__in=broadcasts, read_at__isnull=True
    ).update(read_at=timezone.now())


# --- alerts --------------------------------------------------------------------------------


def raise_alert(
    *,
    actor,
    kind: str,
    title: str,
    description: str,
    grids: Iterable[Region | int],
    last_seen_place: str = "",
    last_seen_at: dt.datetime | None = None,
    lon: float | None = None,
    lat: float | None = None,
    photo=None,
    client_key: str | None = None,
) -> Alert:
    """Send a missing-person or urgent alert to the chosen grids (inside the actor's
    jurisdiction): their building heads, the people who package them, and the members of
    the grids' groups and building groups, each once; one message per group. Replaying
    ``client_key`` returns the first alert. The outbound push runs after commit."""
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
    _check_time(last_seen_at, "last_seen_at", errors)
    _check_point(lon, lat, errors)
    _check_photo(photo, errors)
    client_key = _checked_key(client_key, errors)
    replay = _replayed(Alert, client_key, actor, author_field="created_by")
    if replay is not None:
        return replay
    grid_ids = {_pk(grid) for grid in grids or ()}
    chosen = list(
        scope_to(actor, Region.objects.filter(pk__in=grid_ids, level="grid")).defer("boundary")
    )
    if not grid_ids:
        errors["grids"] = _("请选择发送的网格")
    elif len(chosen) != len(grid_ids):
        raise PermissionDenied(_("所选的网格不在您的管辖范围内"))
    if errors:
        raise ValidationError(errors)

    name = _name_of(actor)
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
                scope_path=_common_path(grid.path for grid in chosen),
            )
            if photo:
                alert.photo = photo
            alert.save()
            alert.grids.set(chosen)
            group_ids = list(
                Group.objects.filter(
                    Q(region__in=chosen) | Q(building__grid__in=chosen), active=True
                ).values_list("pk", flat=True)
            )
            # The sender needs no copy of their own alert.
            users = [pk for pk in _alert_recipients(chosen, group_ids) if pk != actor.pk]
            AlertRecipient.objects.bulk_create(
                [AlertRecipient(alert=alert, user_id=pk, delivered_at=now) for pk in users],
                batch_size=MESSAGE_BATCH,
            )
            label = Alert.Kind(kind).label
            _post_into(group_ids, actor, name, f"【{label}】{title}\n{description}", alert=alert)
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
            _push_after_commit(
                source=f"alert:{alert.pk}",
                title=f"【{label}】{title}",
                text=_alert_push_text(alert),
                region_path=alert.scope_path,
            )
    except IntegrityError:
        replay = _replayed(Alert, client_key, actor, author_field="created_by")
        if replay is None:
            raise
        return replay
    return alert


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
    _check_time(seen_at, "seen_at", errors)
    _check_point(lon, lat, errors)
    _check_photo(photo, errors)
    client_key = _checked_key(client_key, errors)
    replay = _replayed(Sighting, client_key, actor, author_field="reporter")
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
                reporter_name=_name_of(actor),
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
    except IntegrityError:
        replay = _replayed(Sighting, client_key, actor, author_field="reporter")
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
        label = Alert.Status(status).label
        _push_after_commit(
            source=f"alert:{alert.pk}:{status}",
            title=f"【{label}】{alert.title}",
            text=note or _("感谢大家的帮助"),
            region_path=alert.scope_path,
        )
    return alert


# --- shared --------------------------------------------------------------------------------


def _push_after_commit(*, source: str, title: str, text: str, region_path: str) -> None:
    """Queue the outbound push once the transaction commits (nothing on rollback)."""

    def push() -> None:
        if importlib.util.find_spec("fengqiao.community.bridge") is None:
            return
        bridge = importlib.import_module("fengqiao.community.bridge")
        if hasattr(bridge, "push"):
            bridge.push(source=source, title=title, text=text, region_path=region_path)

    transaction.on_commit(push)


def _checked_key(client_key: str | None, errors: dict) -> str | None:
    if not client_key:
        return None
    if not CLIENT_KEY.match(client_key):
        errors["client_key"] = _("表单已过期，请重新提交")
        return None
    return client_key


def _replayed(model: type[Model], client_key: str | None, actor, *, author_field: str):
    """The record an earlier send with this key made; a key someone else used is refused."""
    if not client_key:
        return None
    existing = model.objects.filter(client_key=client_key).first()
    if existing is None:
        return None
    if getattr(existing, f"{author_field}_id") != actor.pk:
        raise ValidationError({"client_key": _("表单已过期，请重新提交")})
    return existing


def _check_time(value, field: str, errors: dict) -> None:
    if value is not None and value > timezone.now() + CLOCK_SLACK:
        errors[field] = _("时间不能晚于现在")


def _check_point(lon, lat, errors: dict) -> None:
    if (lon is None) != (lat is None):
        errors["lon"] = _("经纬度要同时填写")
    elif lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
        errors["lon"] = _("经纬度超出范围")


def _check_photo(photo, errors: dict) -> None:
    if photo:
        problem = photo_problem(photo)
        if problem:
            errors["photo"] = problem


def _pk(value) -> int:
    pk = getattr(value, "pk", value)
    try:
        return int(pk)
    except (TypeError, ValueError) as error:
        raise ValidationError(_("选择的对象不存在")) from error


def _common_path(paths: Iterable[str]) -> str:
    """The deepest region path every one of ``paths`` lies under."""
    split = [[code for code in path.split(PATH_SEPARATOR) if code] for path in paths]
    if not split:
        return PATH_SEPARATOR
    common: list[str] = []
    for codes in zip(*split, strict=False):
        if len(set(codes)) != 1:
            break
        common.append(codes[0])
    return PATH_SEPARATOR + "".join(code + PATH_SEPARATOR for code in common)


def _name_of(user) -> str:
    person = person_of(user)
    if person is not None:
        return person.name[:50]
    return (user.get_full_name() or user.get_username())[:50]
