"""Group pages: the list with unread counts, the group's chat (polled for new messages),
threads, the mentions inbox, moderation, message → case, and joining by invitation.

Reads go through ``community.selectors``, writes through ``community.services``. Pages work
without JavaScript (forms post and redirect); with htmx the message list polls every few
seconds and the message form swaps itself.
"""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.handlers.asgi import ASGIRequest
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fengqiao.community import moderation, nudges, selectors, services
from fengqiao.community.forms import (
    CodeForm,
    JoinForm,
    MessageForm,
    ReasonForm,
    ToCaseForm,
    new_client_id,
)
from fengqiao.community.models import Group, JoinConfirmation, Message, MessagePhoto
from fengqiao.community.presenting import mark_alert_cards, present
from fengqiao.community.to_case import message_to_report
from fengqiao.pages import push_stream_for, render_page, wants_fragment

# A posted message must reach the others within 2 s (the target); the poll is one
# indexed query (messages after an id), measured at ~10 ms in bench/community.py.
POLL_SECONDS = 1.5
LIVE_STREAM = "/live/stream"
JOIN_SESSION_KEY = "community_join"


def _chat_context(request, group: Group, *, thread: Message | None = None) -> dict:
    if thread is None:
        shown = selectors.latest_messages_for(request.user, group)
    else:
        shown = list(selectors.messages_for(request.user, group, thread=thread))
    return _shown_context(request, group, thread, shown)


def _shown_context(request, group: Group, thread: Message | None, shown: list) -> dict:
    """What the chat (or its poll) shows: ``shown`` as this viewer may read it, now read."""
    staff = services.is_staff_user(request.user)
    member = selectors.member_of(request.user, group)
    last_id = max((m.pk for m in shown), default=0)
    if member is not None and last_id:
        services.mark_read(member=member, up_to_id=last_id)
    mark_alert_cards(request.user, shown)
    return {
        "group": group,
        "thread": thread,
        "chat_messages": present(shown, viewer_id=request.user.pk, staff=staff),
        "last_id": last_id,
        "is_staff": staff,
        "may_moderate": moderation.may_moderate(request.user, group),
        "may_make_case": request.user.has_perm("intake.add_report"),
        "member": member,
        "poll_seconds": POLL_SECONDS,
        # Only the ASGI server has the stream; under WSGI (fengqiao demo) pages just poll.
        "live_stream": LIVE_STREAM if isinstance(request, ASGIRequest) else "",
    }


def _message_form(group: Group, thread: Message | None = None) -> MessageForm:
    return MessageForm(
        initial={"client_id": new_client_id(), "thread": thread.pk if thread else None}
    )


@login_required
def group_list(request):
    groups = list(selectors.groups_for(request.user))
    unread = selectors.unread_counts(request.user)
    for group in groups:
        group.unread = unread.get(group.pk, 0)
    return render(request, "community/group_list.html", {"groups": groups})


@login_required
def group_detail(request, pk: int):
    group = selectors.get_group_for(request.user, pk)
    context = _chat_context(request, group)
    context["form"] = _message_form(group)
    return render(request, "community/group_detail.html", context)


@login_required
def thread_detail(request, pk: int, message_pk: int):
    group = selectors.get_group_for(request.user, pk)
    message = selectors.get_message_for(request.user, message_pk)
    if message.group_id != group.pk:
        raise Http404
    root = message.thread or message
    context = _chat_context(request, group, thread=root)
    context["form"] = _message_form(group, root)
    return render(request, "community/thread.html", context)


@login_required
@require_GET
def poll(request, pk: int):
    """Messages after ``after`` (in the thread ``thread``), then a fresh poller: htmx swaps
    the old poller for them. Nothing new: 204, and the old poller keeps polling."""
    group = selectors.get_group_for(request.user, pk)
    try:
        after = int(request.GET.get("after", 0))
    except ValueError:
        after = 0
    thread = None
    if request.GET.get("thread"):
        thread = selectors.get_message_for(request.user, request.GET["thread"])
    shown = list(selectors.messages_for(request.user, group, after_id=after, thread=thread))
    if not shown:
        return HttpResponse(status=204)
    context = _shown_context(request, group, thread, shown)
    return render(request, "community/_messages_and_poller.html", context)


@login_required
@require_POST
def mark_read(request, pk: int):
    """A page that got messages by push says it showed them up to ``up_to`` (at most every
    few seconds), instead of a write per delivered message."""
    group = selectors.get_group_for(request.user, pk)
    member = selectors.member_of(request.user, group)
    try:
        up_to = int(request.POST.get("up_to", ""))
    except ValueError:
        return HttpResponse(_("up_to 应为消息编号 (up_to must be a message id)"), status=400)
    if member is not None:
        services.mark_read_up_to(member=member, up_to_id=up_to)
    return HttpResponse(status=204)


@login_required
@require_POST
def post(request, pk: int):
    """One view, two answers: htmx gets the form back (fresh, or with its errors) and a
    trigger that makes the list poll at once; a plain form post goes back to the chat."""
    group = selectors.get_group_for(request.user, pk)
    form = MessageForm(request.POST, request.FILES)
    thread = None
    if form.is_valid():
        if form.cleaned_data.get("thread"):
            thread = selectors.get_message_for(request.user, form.cleaned_data["thread"])
        try:
            services.post_message(
                actor=request.user,
                group=group,
                text=form.text_with_mention(),
                thread=thread,
                client_id=form.cleaned_data["client_id"] or "",
                photos=form.cleaned_data["photos"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            if wants_fragment(request):
                response = render(
                    request,
                    "community/_message_form.html",
                    {"form": _message_form(group, thread), "group": group, "thread": thread},
                )
                response["HX-Trigger"] = "community-posted"
                return response
            return redirect(_chat_url(group, thread) + "#latest")
    context = {"form": form, "group": group, "thread": thread}
    if wants_fragment(request):
        return render(request, "community/_message_form.html", context, status=422)
    context.update(_chat_context(request, group, thread=thread))
    template = "community/thread.html" if thread else "community/group_detail.html"
    return render(request, template, context, status=400)


def _chat_url(group: Group, thread: Message | None) -> str:
    if thread is not None:
        return reverse("community:thread", args=[group.pk, thread.pk])
    return reverse("community:group", args=[group.pk])


@login_required
def message_link(request, message_pk: int):
    """A message's permanent address (a report made from it links here): its thread, or
    the group's chat when it is not in one, for whoever may open that group."""
    message = selectors.get_message_for(request.user, message_pk)
    return redirect(_chat_url(message.group, message.thread or message))


def _back(request, message: Message):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(_chat_url(message.group, message.thread))


@login_required
@require_POST
def hide(request, message_pk: int):
    return _moderate(
        request, message_pk, moderation.hide_message, _("已隐藏，原文保留在审计记录中")
    )


@login_required
@require_POST
def report_abuse(request, message_pk: int):
    return _moderate(request, message_pk, moderation.report_abuse, _("已举报，工作人员会尽快处理"))


def _moderate(request, message_pk: int, action, done: str):
    """Hide or report a message with the reason typed; the answer is a flash message."""
    message = selectors.get_message_for(request.user, message_pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        action(actor=request.user, message=message, reason=form.cleaned_data.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return _back(request, message)


@login_required
def to_case(request, message_pk: int):
    """转为案件: one click from the chat (defaults), or this page's form for the options."""
    message = selectors.get_message_for(request.user, message_pk)
    group = message.group
    if not request.user.has_perm("intake.add_report"):
        raise PermissionDenied
    form = ToCaseForm(request.POST or None, grids=selectors.grids_of(group))
    if request.method == "POST" and form.is_valid():
        try:
            code = message_to_report(
                actor=request.user,
                message=message,
                kind=form.cleaned_data["kind"],
                sensitive=form.cleaned_data["sensitive"],
                grid_code=form.cleaned_data["grid_code"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("已转为案件，查询码 %(code)s") % {"code": code})
            return redirect(
                reverse("community:thread", args=[group.pk, (message.thread or message).pk])
                + "#latest"
            )
    status = 400 if request.method == "POST" else 200
    context = {"message": message, "group": group, "form": form}
    return render(request, "community/message_to_case.html", context, status=status)


@login_required
def photo(request, photo_pk: int):
    try:
        stored = MessagePhoto.objects.select_related("message").get(pk=photo_pk)
    except MessagePhoto.DoesNotExist as exc:
        raise Http404 from exc
    message = selectors.get_message_for(request.user, stored.message_id)
    if message.hidden_at and not services.is_staff_user(request.user):
        raise Http404
    return FileResponse(stored.image.open("rb"), content_type=stored.content_type)


@login_required
def inbox(request):
    now = timezone.now()
    mentions = list(selectors.inbox_for(request.user)[:100])
    for mention in mentions:
        mention.overdue = mention.answered_at is None and mention.due_at < now
    return render_page(
        request,
        "community/inbox.html",
        {
            "mentions": mentions,
            "now": now,
            **push_stream_for(request, [f"inbox:{request.user.pk}"]),
        },
        fragment="community/_inbox_rows.html",
    )


@login_required
def members(request, pk: int):
    group = selectors.get_group_for(request.user, pk)
    listed = selectors.members_visible_to(request.user, group)
    context = {"group": group, "members": listed, "is_staff": services.is_staff_user(request.user)}
    return render(request, "community/group_members.html", context)


@login_required
def invite(request, pk: int):
    """The invitation link and its QR code, for staff to share or print on a notice board."""
    group = selectors.get_group_for(request.user, pk)
    if not services.is_staff_user(request.user):
        raise Http404
    url = request.build_absolute_uri(services.invite_link(group))
    # Inline SVG, drawn here: no image file, no external QR service on an isolated network.
    qr_svg = segno.make(url, error="m").svg_inline(scale=6, dark="#000", light="#fff")
    return render(
        request,
        "community/group_invite.html",
        {"group": group, "invite_url": url, "qr_svg": mark_safe(qr_svg)},  # noqa: S308
    )


@require_GET
@login_required
def unread_badge(request):
    """The nav's unread badge, fetched by htmx after the page so no page pays for it."""
    counts = selectors.unread_counts(request.user)
    context = {
        "total": sum(counts.values()),
        **push_stream_for(request, nudges.unread_topics_for(counts)),
    }
    return render(request, "community/_unread_badge.html", context)


def join(request, token: str):
    """Join by invitation: name and phone, then the code sent to the phone; the code logs
    the resident in and opens the group."""
    group = selectors.group_by_invitation(token)
    join_form, code_form = JoinForm(), CodeForm()
    if request.GET.get("restart"):
        request.session.pop(JOIN_SESSION_KEY, None)
    pending = _pending_confirmation(request, group)
    if request.method == "POST" and request.POST.get("step") == "code" and pending:
        code_form = CodeForm(request.POST)
        code_form.is_valid()
        try:
            member = services.confirm_join(
                confirmation=pending, code=code_form.cleaned_data.get("code", "")
            )
        except ValidationError as error:
            code_form.add_service_errors(error)
        else:
            request.session.pop(JOIN_SESSION_KEY, None)
            login(request, member.user, backend="fengqiao.org.permissions.RolePermissionBackend")
            messages.success(request, _("欢迎加入%(group)s") % {"group": group.name})
            return redirect("community:group", group.pk)
    elif request.method == "POST":
        join_form = JoinForm(request.POST)
        join_form.is_valid()
        try:
            pending = services.start_join(
                group=group,
                display_name=join_form.cleaned_data.get("display_name", ""),
                phone=join_form.cleaned_data.get("phone", ""),
            )
        except ValidationError as error:
            join_form.add_service_errors(error)
            pending = None
        else:
            request.session[JOIN_SESSION_KEY] = pending.pk
            return redirect("community:join", token)
    context = {"group": group, "join_form": join_form, "code_form": code_form}
    context["pending"] = pending
    status = 400 if request.method == "POST" else 200
    return render(request, "community/join.html", context, status=status)


def _pending_confirmation(request, group: Group) -> JoinConfirmation | None:
    pk = request.session.get(JOIN_SESSION_KEY)
    if not pk:
        return None
    return JoinConfirmation.objects.filter(
        pk=pk, group=group, confirmed_at__isnull=True, expires_at__gt=timezone.now()
    ).first()
