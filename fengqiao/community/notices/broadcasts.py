"""Broadcasts: every write, permission- and scope-checked, audited, in one transaction,
with the outbound push scheduled after commit.

A broadcast fans out to hundreds of thousands of members: the receipts are written by one
``INSERT ... SELECT`` in the database, never as Python objects.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.community.models import Broadcast, Group, Member, Message, Receipt
from fengqiao.community.notices.sending import (
    MESSAGE_BATCH,
    checked_key,
    common_path,
    name_of,
    post_into,
    push_after_commit,
    replayed,
    target_groups,
)
from fengqiao.places.models import Region


def send_broadcast(
    *,
    actor,
    title: str,
    text: str,
    groups: Iterable[Group | int] | None = None,
    regions: Iterable[Region | int] | None = None,
    client_key: str | None = None,
    topic: str = Broadcast.Topic.GENERAL,
) -> Broadcast:
    """Announce ``title``/``text`` to the chosen groups and every active group under the
    chosen regions, all inside the actor's jurisdiction.

    One transaction writes the broadcast, one message per group and one delivered receipt
    per active member (set-based, however many). Replaying the same ``client_key`` returns
    the first broadcast and writes nothing. The outbound push runs after commit.
    ``topic`` (``Broadcast.Topic``, general by default) says what it is about, so the work
    it serves counts its reach (anti-fraud figures count ``anti_fraud``).
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
    if topic not in Broadcast.Topic.values:
        errors["topic"] = _("请选择通知类别（一般通知、反诈宣传、寻人协查或安全防范）")
    client_key = checked_key(client_key, errors)
    replay = replayed(Broadcast, client_key, actor, author_field="author")
    if replay is not None:
        return replay
    targets = _broadcast_targets(actor, groups or (), regions or ())
    if not targets:
        errors["groups"] = _("请选择要发送的群或区域")
    if errors:
        raise ValidationError(errors)

    name = name_of(actor)
    try:
        with transaction.atomic():
            now = timezone.now()
            broadcast = Broadcast.objects.create(
                author=actor,
                author_name=name,
                title=title,
                text=text,
                topic=topic,
                client_key=client_key,
                scope_path=common_path(path for _group, path in targets),
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
            post_into(group_ids, actor, name, f"{title}\n{text}", broadcast=broadcast)
            broadcast.member_count = _fan_out_receipts(broadcast, now)
            broadcast.delivered_at = timezone.now()
            broadcast.save(update_fields=["member_count", "delivered_at"])
            audit.record(
                actor=actor,
                action="community.broadcast_sent",
                obj=broadcast,
                changes={
                    "title": title,
                    "topic": topic,
                    "groups": broadcast.group_count,
                    "members": broadcast.member_count,
                },
            )
            push_after_commit(
                source=f"broadcast:{broadcast.pk}",
                title=title,
                text=text,
                region_path=broadcast.scope_path,
            )
    except IntegrityError:
        replay = replayed(Broadcast, client_key, actor, author_field="author")
        if replay is None:
            raise
        return replay
    return broadcast


def _broadcast_targets(actor, groups, regions) -> list[tuple[int, str]]:
    """(pk, scope_path) of every targeted active group; refuses anything out of scope."""
    return target_groups(actor, groups, regions)


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
