"""Group chats by server push (``fengqiao.live``): topics ``group:<id>`` (a group's chat page)
and ``thread:<id>`` (a thread's page, by its first message).

A viewer's audience class is what changes how a message looks to them: staff or not (full
text or masked numbers, hidden text), may turn messages into cases, may moderate, is a
member (may report abuse). Each new or changed message is rendered once per class present
among a process's open pages; the author's own copy is rendered apart and sent to them only;
a private note goes to its author, its recipient and staff only. An alert's card depends on
each viewer's right to open the alert, so alert messages are a "refetch" nudge (alerts are
rare): those pages fetch the message by their usual poll.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse

from fengqiao import live
from fengqiao.community import moderation, selectors, services
from fengqiao.community.models import Member, Message
from fengqiao.community.presenting import present


@dataclass(frozen=True)
class ChatAudience:
    staff: bool
    may_make_case: bool
    may_moderate: bool
    member: bool


@dataclass(frozen=True)
class _Path:
    path: str  # what the message's forms send back as "next" (request.path on the page)


def audience_of(user, group) -> ChatAudience:
    return ChatAudience(
        staff=services.is_staff_user(user),
        may_make_case=user.has_perm("intake.add_report"),
        may_moderate=moderation.may_moderate(user, group),
        member=selectors.member_of(user, group) is not None,
    )


def authorize_group(user, key: int) -> ChatAudience | None:
    group = selectors.groups_for(user).filter(pk=key).first()
    return None if group is None else audience_of(user, group)


def authorize_thread(user, key: int) -> ChatAudience | None:
    try:
        message = selectors.get_message_for(user, key)
    except Http404:
        return None
    if message.thread_id is not None:
        return None  # a thread is named by its first message
    return audience_of(user, message.group)


def render_group(key: int, event: str, ref: dict, audiences: dict) -> list[live.Delivery]:
    message = selectors.message_unscoped_for_push(ref.get("id"))
    if message is None or message.group_id != key:
        return []
    return _deliveries(message, event, audiences, thread_page=False)


def render_thread(key: int, event: str, ref: dict, audiences: dict) -> list[live.Delivery]:
    message = selectors.message_unscoped_for_push(ref.get("id"))
    if message is None or key not in (message.pk, message.thread_id):
        return []
    return _deliveries(message, event, audiences, thread_page=True)


def _deliveries(message: Message, event: str, audiences: dict, *, thread_page: bool):
    if message.kind == Message.Kind.ALERT:
        return [live.Delivery(a, {"id": message.pk}, event="refetch") for a in audiences]
    message.alert_card = False
    author = message.author_id
    deliveries = []
    for audience, users in audiences.items():
        readers = None
        if message.recipient_id is not None and not audience.staff:
            readers = frozenset({message.recipient_id, author}) & users
            if not readers:
                continue
        if author in users and (readers is None or author in readers):
            html = _html(message, audience, own=True, thread_page=thread_page)
            deliveries.append(
                live.Delivery(audience, _data(message, html), users=frozenset({author}))
            )
        html = _html(message, audience, own=False, thread_page=thread_page)
        deliveries.append(
            live.Delivery(
                audience, _data(message, html), users=readers, exclude=frozenset({author})
            )
        )
    return deliveries


def _data(message: Message, html: str) -> dict:
    return {"id": message.pk, "thread": message.thread_id, "html": html}


def _html(message: Message, audience: ChatAudience, *, own: bool, thread_page: bool) -> str:
    present([message], viewer_id=message.author_id if own else None, staff=audience.staff)
    root = message.thread_id or message.pk
    if thread_page:
        path = reverse("community:thread", args=[message.group_id, root])
    else:
        path = reverse("community:group", args=[message.group_id])
    context = {
        "m": message,
        "group": message.group,
        "thread": thread_page,
        "is_staff": audience.staff,
        "may_make_case": audience.may_make_case,
        "may_moderate": audience.may_moderate,
        "member": audience.member,
        "request": _Path(path),
        # One rendering serves many sessions: live.js puts the page's own token in.
        "csrf_token": "NOTPROVIDED",
    }
    return render_to_string("community/_message.html", context)


def _membership_changed(sender, instance: Member, **kwargs) -> None:
    # A member removed (or their row deleted) stops reading the group now, not at the next
    # periodic re-check of their stream.
    if kwargs.get("signal") is post_delete or instance.removed_at is not None:
        live.recheck(instance.user_id)


def register() -> None:
    live.register("group", authorize=authorize_group, render=render_group)
    live.register("thread", authorize=authorize_thread, render=render_thread)
    for signal in (post_save, post_delete):
        signal.connect(_membership_changed, sender=Member, dispatch_uid=f"live-member-{signal}")
