"""From message to case: one action sends a group message through intake's one door,
pre-filled and idempotent, and answers in the thread or privately to the sender."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.community import announce, selectors
from fengqiao.community.models import Group, Member, Message
from fengqiao.community.services import answer_mentions, join_as_staff
from fengqiao.intake import services as intake
from fengqiao.org.scope import in_scope


def message_to_report(
    *,
    actor,
    message: Message,
    kind: str = "dispute",
    sensitive: bool = False,
    grid_code: str = "",
) -> str:
    """Turn a message (with its thread's replies, when it opens one) into a report through
    the intake door, pre-filled with its text, sender and place; returns the tracking code.

    Idempotent: a message that is already a report answers with its code, and two
    conversions at once meet on the report's client key, which only the server can send
    (a sender no client can name). The message keeps the code (the link from the chat) and
    the report names the message (the link back). The tracking code lets whoever holds it
    rate or reopen the report, so it goes privately to the sender; the thread is told only
    that the matter was registered (nothing at all when ``sensitive``).
    """
    group = message.group
    if not actor.has_perm("intake.add_report") or not in_scope(actor, group):
        raise PermissionDenied(_("您没有把这条消息转为案件的权限"))
    if message.report_code:
        return message.report_code
    if message.kind != Message.Kind.TEXT or message.hidden_at is not None:
        raise ValidationError(_("只有群众发的、未隐藏的消息可以转为案件"))
    sender = Member.objects.filter(group=group, user_id=message.author_id).first()
    place = _place_of(group, grid_code)
    with transaction.atomic():
        submission = intake.submit_report(
            channel="community_group",
            kind=kind,
            text=_report_text(message),
            reporter_name=sender.display_name if sender else message.author_name,
            reporter_phone=sender.phone if sender else "",
            client_key=f"message-{message.pk}",
            sender="system:community-conversion",
            source=f"community.message:{message.pk}",
            actor=actor,
            **place,
        )
        code = submission.report.tracking_code
        Message.objects.filter(pk=message.pk).update(report_code=code)
        message.report_code = code
        staff = join_as_staff(actor, group)
        root = message.thread or message
        if not sensitive:
            _system_reply(group, staff, root, _("已登记为案件，工作人员会跟进处理。"))
        private = _("您反映的情况已登记，查询码 %(code)s（请勿转发），可凭它查看进度和评价。")
        reply = _system_reply(
            group, staff, root, private % {"code": code}, recipient_id=message.author_id
        )
        answer_mentions(staff, root, reply, timezone.now())
        audit.record(
            actor=actor,
            action="community.message_to_report",
            obj=message,
            changes={"report": code, "kind": kind, "sensitive": sensitive},
        )
    return code


def _system_reply(group: Group, staff: Member, root: Message, text: str, *, recipient_id=None):
    reply = Message.objects.create(
        group=group,
        author=staff.user,
        author_name=staff.display_name,
        author_is_staff=True,
        kind=Message.Kind.SYSTEM,
        text=text,
        thread=root,
        recipient_id=recipient_id,
    )
    announce.message_event(reply)
    return reply


def _report_text(message: Message) -> str:
    """The message's text; a thread's first message brings its replies along."""
    lines = [message.text]
    if message.thread_id is None:
        for reply in message.replies.filter(
            kind=Message.Kind.TEXT, hidden_at__isnull=True, recipient__isnull=True
        ).order_by("id"):
            lines.append(f"{reply.author_name}：{reply.text}")
    return "\n".join(line for line in lines if line)


def _place_of(group: Group, grid_code: str) -> dict:
    """Where the matter is: the group's building, its grid, or a grid of its community."""
    if grid_code:
        if not selectors.grids_of(group).filter(code=grid_code).exists():
            raise ValidationError({"grid_code": _("所选网格不在这个群的范围内")})
        return {"grid_code": grid_code}
    if group.building_id:
        return {"building": group.building}
    if group.region.level == "grid":
        return {"grid_code": group.region.code}
    grids = list(selectors.grids_of(group).values_list("code", flat=True)[:2])
    if len(grids) == 1:
        return {"grid_code": grids[0]}
    raise ValidationError({"grid_code": _("这个群覆盖多个网格，请选择事发网格")})
