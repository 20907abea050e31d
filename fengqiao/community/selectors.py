"""Every read the community pages need, scoped: a resident sees the groups they joined,
staff the groups of their jurisdiction (and any group they sit in)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, DateField, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from fengqiao import sealing
from fengqiao.community.models import (
    Alert,
    Broadcast,
    Group,
    Member,
    Mention,
    Message,
    Sighting,
)
from fengqiao.community.services import is_staff_user
from fengqiao.intake import selectors as intake
from fengqiao.org.scope import scope_to
from fengqiao.places.models import Region

PAGE_MESSAGES = 60


def groups_for(user) -> QuerySet[Group]:
    """A resident's groups (active memberships); for staff, the groups of their
    jurisdiction and any group they are a member of."""
    if not getattr(user, "is_authenticated", False):
        return Group.objects.none()
    groups = Group.objects.filter(active=True).select_related("region", "building")
    joined = Member.objects.filter(user=user, removed_at__isnull=True).values("group_id")
    mine = groups.filter(pk__in=joined)
    if not is_staff_user(user):
        return mine
    return scope_to(user, groups) | mine


def building_of_member(user):
    """The building of the first building group (楼栋群) the user joined, or None: where a
    resident lives, as far as the groups know."""
    if not getattr(user, "is_authenticated", False):
        return None
    member = (
        Member.objects.filter(
            user=user, removed_at__isnull=True, group__active=True, group__building__isnull=False
        )
        .select_related("group__building")
        .order_by("joined_at", "id")
        .first()
    )
    return member.group.building if member else None


def group_by_invitation(token: str) -> Group:
    """The active group an invitation token opens, for anyone who holds it, else 404."""
    group = Group.objects.published().filter(invite_token=token, active=True).first()
    if group is None:
        raise Http404
    return group


def grids_of(group: Group) -> QuerySet[Region]:
    """The grids a group's place covers (its own grid, or its community's grids)."""
    return Region.objects.filter(level="grid", path__startswith=group.scope_path).only(
        "code", "name", "path"
    )


def get_group_for(user, pk) -> Group:
    """The group if the user may open it, else 404 (missing and out of reach alike)."""
    try:
        return groups_for(user).get(pk=pk)
    except (Group.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def member_of(user, group: Group) -> Member | None:
    return Member.objects.filter(group=group, user=user, removed_at__isnull=True).first()


def _visible(user, messages: QuerySet[Message]) -> QuerySet[Message]:
    """Private notes are for their recipient (and staff)."""
    if is_staff_user(user):
        return messages
    return messages.filter(Q(recipient__isnull=True) | Q(recipient=user))


def messages_for(
    user, group: Group, *, after_id: int = 0, thread: Message | None = None
) -> QuerySet[Message]:
    """The group's messages the user may see, oldest first; hidden ones stay in place (the
    page shows a placeholder to residents)."""
    messages = Message.objects.filter(group=group).select_related("thread", "alert")
    messages = messages.prefetch_related("photos").annotate(
        reply_count=Count("replies", distinct=True)
    )
    if after_id:
        messages = messages.filter(pk__gt=after_id)
    if thread is not None:
        messages = messages.filter(Q(pk=thread.pk) | Q(thread=thread))
    return _visible(user, messages).order_by("id")


def latest_messages_for(user, group: Group, *, limit: int = PAGE_MESSAGES) -> list[Message]:
    """The last ``limit`` messages, oldest first (newest at the bottom of the page)."""
    newest = list(messages_for(user, group).order_by("-id")[:limit])
    return newest[::-1]


def message_unscoped_for_push(pk) -> Message | None:
    """One message with what the chat shows of it (thread, alert, photos, reply count),
    unscoped: server push renders it once per audience class, each of which was admitted
    by ``push``'s own scope check."""
    messages = Message.objects.filter(pk=pk).select_related("group", "thread", "alert")
    messages = messages.prefetch_related("photos").annotate(
        reply_count=Count("replies", distinct=True)
    )
    return messages.first()


def get_message_for(user, pk) -> Message:
    """A message in a group the user may open, visible to them, else 404."""
    try:
        message = Message.objects.select_related("group", "thread").get(pk=pk)
    except (Message.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    get_group_for(user, message.group_id)
    if message.recipient_id and message.recipient_id != user.pk and not is_staff_user(user):
        raise Http404
    return message


def members_visible_to(user, group: Group) -> QuerySet[Member] | None:
    """The member list, or None when a resident may not see it (the group's choice)."""
    if not group.members_visible and not is_staff_user(user):
        return None
    return Member.objects.filter(group=group, removed_at__isnull=True)


def unread_counts(user) -> dict[int, int]:
    """Group id → messages after the member's read mark, not counting their own, hidden
    ones or private notes to others. One query."""
    if not getattr(user, "is_authenticated", False):
        return {}
    after_mark = Q(group__messages__id__gt=F("last_read_id"))
    not_own = Q(group__messages__author__isnull=True) | ~Q(group__messages__author_id=user.pk)
    shown = Q(group__messages__hidden_at__isnull=True) & (
        Q(group__messages__recipient__isnull=True) | Q(group__messages__recipient_id=user.pk)
    )
    rows = (
        Member.objects.filter(user=user, removed_at__isnull=True, group__active=True)
        .annotate(unread=Count("group__messages", filter=after_mark & not_own & shown))
        .values_list("group_id", "unread")
    )
    return dict(rows)


def inbox_for(user) -> QuerySet[Mention]:
    """The user's mentions: open ones first, soonest due first, then answered ones."""
    return (
        Mention.objects.filter(recipient=user)
        .select_related("message__group", "message__thread")
        .order_by(F("answered_at").desc(nulls_first=True), "due_at", "id")
    )


def overdue_mentions_for(
    user, now: dt.datetime | None = None, *, everyone_in_scope: bool = False
) -> QuerySet[Mention]:
    """Open mentions past their due time: the user's own, or (``everyone_in_scope``, the
    station chief's board) every staff member's within the user's jurisdiction."""
    now = now or timezone.now()
    mentions = Mention.objects.filter(answered_at__isnull=True, due_at__lt=now)
    mentions = mentions.select_related("message__group", "recipient")
    if everyone_in_scope:
        return scope_to(user, mentions).order_by("due_at", "id")
    return mentions.filter(recipient=user).order_by("due_at", "id")


def reported_messages_for(user) -> QuerySet[Message]:
    """Messages in the user's jurisdiction with abuse reports nobody has handled yet, with
    how many, most reported first (the staff's moderation queue)."""
    if not user.has_perm("community.change_message"):
        return Message.objects.none()
    open_reports = Q(abuse_reports__handled_at__isnull=True)
    return (
        scope_to(user, Message.objects.select_related("group"))
        .filter(open_reports)
        .annotate(open_reports=Count("abuse_reports", filter=open_reports))
        .order_by("-open_reports", "-id")
    )


def confirmed_phone_of(user) -> str:
    """The phone a resident confirmed by text message when joining a group ("" if none):
    what a one-click alarm calls them back on."""
    if not getattr(user, "is_authenticated", False):
        return ""
    sealed = (
        Member.objects.filter(user=user, removed_at__isnull=True, is_staff=False)
        .exclude(phone_sealed="")
        .order_by("-joined_at")
        .values_list("phone_sealed", flat=True)
        .first()
    )
    return sealing.unseal(sealed) if sealed else ""


def broadcast_reach(user, *, topic: str, start: dt.date, end: dt.date) -> list[dict]:
    """Broadcasts of ``topic`` sent from local day ``start`` to ``end`` (both included)
    inside the user's jurisdiction, counted per month and per area they went to (the
    broadcast's ``scope_path``): rows of ``month`` (first day), ``scope_path``,
    ``broadcasts`` and ``reach`` (members they were delivered to, summed)."""
    tz = timezone.get_current_timezone()
    begin = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    stop = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    sent = Broadcast.objects.filter(topic=topic, created_at__gte=begin, created_at__lt=stop)
    rows = (
        scope_to(user, sent)
        .annotate(month=TruncMonth("created_at", output_field=DateField()))
        .values("month", "scope_path")
        .annotate(broadcasts=Count("pk"), reach=Sum("member_count"))
        .order_by("month", "scope_path")
    )
    return [{**row, "reach": row["reach"] or 0} for row in rows]


def messages_became_cases(
    user, *, start: dt.datetime, end: dt.datetime, author_ids=None
) -> list[tuple[int, dt.date, int]]:
    """Group messages turned into reports (``to_case.message_to_report``) in [start, end),
    counted per author and local month of the conversion: ``(author user id, month's first
    day, count)``. Only conversions by someone other than the author, whose report is in
    the user's jurisdiction and not marked a duplicate, count. ``author_ids`` narrows to
    those authors. Recognition's points read their figures here."""
    reports = intake.reports_for(user).filter(
        channel="community_group",
        source__startswith="community.message:",
        created_at__gte=start,
        created_at__lt=end,
        duplicate_of__isnull=True,
    )
    converted = {
        code: (by, at)
        for code, by, at in reports.values_list("tracking_code", "created_by_id", "created_at")
    }
    messages = Message.objects.filter(
        report_code__in=reports.values("tracking_code"), author__isnull=False
    )
    if author_ids is not None:
        messages = messages.filter(author_id__in=author_ids)
    counts: dict[tuple[int, dt.date], int] = {}
    for author_id, code in messages.values_list("author_id", "report_code"):
        by, at = converted[code]
        if by is None or by == author_id:
            continue
        key = (author_id, timezone.localtime(at).date().replace(day=1))
        counts[key] = counts.get(key, 0) + 1
    return sorted((author, month, n) for (author, month), n in counts.items())


def sightings_confirmed(
    user, *, start: dt.datetime, end: dt.datetime, reporter_ids=None
) -> list[tuple[int, dt.date, int]]:
    """Alert sightings confirmed (``notices.confirm_sighting``) in [start, end), counted per
    reporter and local month of the confirmation: ``(reporter user id, month's first day,
    count)``. Only confirmations by someone other than the reporter, of alerts in the user's
    jurisdiction, count. ``reporter_ids`` narrows to those reporters. Recognition's points
    read their figures here."""
    sightings = (
        Sighting.objects.filter(
            alert__in=scope_to(user, Alert.objects.all()).values("pk"),
            confirmed_at__gte=start,
            confirmed_at__lt=end,
            confirmed_by__isnull=False,
        )
        .exclude(confirmed_by_id=F("reporter_id"))
        .order_by()
    )
    if reporter_ids is not None:
        sightings = sightings.filter(reporter_id__in=reporter_ids)
    rows = (
        sightings.annotate(month=TruncMonth("confirmed_at", output_field=DateField()))
        .values_list("reporter_id", "month")
        .annotate(n=Count("pk"))
    )
    return sorted((reporter, month, n) for reporter, month, n in rows)
