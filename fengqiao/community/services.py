"""Every write to community groups: creating groups, joining by invitation, posting messages
with @mentions and reading them. Moderation is in ``moderation``, and turning a message into
a case in ``to_case``.

Each function checks who may act, validates, writes, and records the audit entry in one
transaction. Refusals are ``PermissionDenied``; bad input is ``ValidationError`` naming the
field, in the user's language.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao import sealing, taxonomy, triage
from fengqiao.audit import services as audit
from fengqiao.community import announce, rules, sms
from fengqiao.community.models import (
    Group,
    JoinConfirmation,
    Member,
    Mention,
    Message,
    MessagePhoto,
)
from fengqiao.community.notices import services as notices
from fengqiao.disputes import selectors as disputes
from fengqiao.org.permissions import roles_of
from fengqiao.org.scope import in_scope, person_of
from fengqiao.phones import normalize_phone
from fengqiao.photos import content_type_of, photo_problem
from fengqiao.places.models import Building, Region

MAX_TEXT = 2000
MAX_PHOTOS = 4
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
CODE_LIFETIME = dt.timedelta(minutes=10)
CODE_ATTEMPTS = 5
CODES_PER_PHONE_PER_HOUR = 5
# Staff roles a member may hold in a group, and the order in which a person's own roles are
# tried when they join a group of their jurisdiction by posting in it.
STAFF_ROLES = (
    "community_police",
    "auxiliary_police",
    "grid_worker",
    "building_head",
    "property_staff",
    "volunteer",
    "station_chief",
)
_LEVEL_REGIONS = {
    Group.Level.COMMUNITY: {"community"},
    Group.Level.COMPOUND: {"grid", "community"},
    Group.Level.BUILDING: {"grid"},
}


def is_staff_user(user) -> bool:
    """Staff talk in the groups of their jurisdiction; residents only in groups they joined."""
    return bool(getattr(user, "is_authenticated", False)) and user.has_perm("community.view_group")


# --- groups and joining -----------------------------------------------------------------


def create_group(
    *,
    actor,
    name: str,
    level: str,
    region: Region,
    parent: Group | None = None,
    building: Building | None = None,
    members_visible: bool = False,
) -> Group:
    """A group for a community, a compound or grid, or a building, inside the actor's
    jurisdiction; the creator joins it as staff."""
    if not actor.has_perm("community.add_group") or not in_scope(actor, region):
        raise PermissionDenied(_("您没有在这个区域建群的权限"))
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("请填写群名称")
    elif len(name) > 60:
        errors["name"] = _("群名称请控制在 60 字以内")
    if level not in Group.Level.values:
        errors["level"] = _("请选择群的层级：社区、小区（网格）或楼栋")
    elif region.level not in _LEVEL_REGIONS[level]:
        errors["region"] = _("这个层级的群不能建在“%(region)s”上") % {"region": region.name}
    if level == Group.Level.BUILDING and building is None:
        errors["building"] = _("楼栋群请选择楼栋")
    if building is not None and building.grid_id != region.pk:
        errors["building"] = _("楼栋不在所选网格内")
    if parent is not None and not region.path.startswith(parent.scope_path):
        errors["parent"] = _("上级群须覆盖本群所在区域")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        group = Group.objects.create(
            name=name,
            level=level,
            region=region,
            parent=parent,
            building=building,
            members_visible=members_visible,
            invite_token=secrets.token_urlsafe(16),
            scope_path=region.path,
        )
        join_as_staff(actor, group)
        audit.record(
            actor=actor, action="community.group_created", obj=group, changes={"level": level}
        )
    return group


def invite_link(group: Group) -> str:
    """The path a resident opens to join (shown as a link, or printed as a QR code)."""
    return reverse("community:join", args=[group.invite_token])


def start_join(*, group: Group, display_name: str, phone: str) -> JoinConfirmation:
    """First step of joining: a six-digit code goes to the phone (see ``sms``); only its
    hash is kept, for ten minutes and five attempts."""
    errors: dict[str, str] = {}
    display_name = (display_name or "").strip()
    if not display_name:
        errors["display_name"] = _("请填写您的姓名或群昵称")
    elif len(display_name) > 50:
        errors["display_name"] = _("昵称请控制在 50 字以内")
    try:
        phone = normalize_phone(phone)
    except ValidationError as error:
        errors["phone"] = error.messages[0]
    else:
        if not phone:
            errors["phone"] = _("请填写手机号码，用来接收验证码")
    if not group.active:
        errors["group"] = _("这个群已停用")
    if errors:
        raise ValidationError(errors)
    since = timezone.now() - dt.timedelta(hours=1)
    if (
        JoinConfirmation.objects.filter(
            phone_hash=sealing.digest(phone), created_at__gte=since
        ).count()
        >= CODES_PER_PHONE_PER_HOUR
    ):
        raise ValidationError({"phone": _("验证码发送太频繁，请一小时后再试")})
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        confirmation = JoinConfirmation.objects.create(
            group=group,
            display_name=display_name,
            code_hash=make_password(code),
            expires_at=timezone.now() + CODE_LIFETIME,
            **sealing.phone_columns(phone),
        )
        text = _("【枫桥】您加入“%(group)s”的验证码是 %(code)s，10 分钟内有效。") % {
            "group": group.name,
            "code": code,
        }
        transaction.on_commit(lambda: sms.send_sms(phone, text))
    return confirmation


def confirm_join(*, confirmation: JoinConfirmation, code: str):
    """Second step: the right code creates (or finds) the resident's account by phone and
    their membership. Returns the Member; the page logs its user in."""
    now = timezone.now()
    if confirmation.confirmed_at is not None:
        raise ValidationError({"code": _("这个验证码已经用过了")})
    if confirmation.expires_at < now:
        raise ValidationError({"code": _("验证码已过期，请重新获取")})
    # Each guess first takes one of the attempts with a conditional update, so guesses
    # sent at the same moment cannot together check the code more than CODE_ATTEMPTS times.
    taken = JoinConfirmation.objects.filter(pk=confirmation.pk, attempts__lt=CODE_ATTEMPTS).update(
        attempts=F("attempts") + 1
    )
    if not taken:
        confirmation.attempts = CODE_ATTEMPTS
        raise ValidationError({"code": _("输错次数太多，请重新获取验证码")})
    confirmation.refresh_from_db(fields=["attempts"])
    code = (code or "").strip()
    if not check_password(code, confirmation.code_hash):
        left = CODE_ATTEMPTS - confirmation.attempts
        raise ValidationError({"code": _("验证码不对，还可以再试 %(n)s 次") % {"n": left}})
    with transaction.atomic():
        claimed = JoinConfirmation.objects.filter(
            pk=confirmation.pk, confirmed_at__isnull=True
        ).update(confirmed_at=now)
        if not claimed:
            raise ValidationError({"code": _("这个验证码已经用过了")})
        phone = confirmation.phone
        user = _resident_account(phone, confirmation.display_name)
        member, created = Member.objects.get_or_create(
            group=confirmation.group,
            user=user,
            defaults={
                "display_name": confirmation.display_name,
                "role": "resident",
                **sealing.phone_columns(phone),
            },
        )
        if not created and member.removed_at is not None:
            raise ValidationError({"code": _("您已被移出这个群，请联系社区民警")})
        audit.record(
            actor=user,
            action="community.member_joined",
            obj=confirmation.group,
            changes={"member": member.pk, "by": "invitation"},
        )
    return member


def resident_username(phone: str) -> str:
    """A resident's account name: a keyed hash of their confirmed phone, one account per
    phone, without the number itself (account names show in the admin and the audit)."""
    return "r" + sealing.digest(phone)[:32]


def _resident_account(phone: str, name: str):
    """The resident's account, one per confirmed phone (no password: they log in by code)."""
    User = get_user_model()
    username = resident_username(phone)
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, first_name=name[:150])
        user.set_unusable_password()
        user.save()
    return user


def join_as_staff(user, group: Group) -> Member:
    roles = roles_of(user)
    role = next((code for code in STAFF_ROLES if code in roles), "community_police")
    person = person_of(user)
    name = (person.name if person else "") or user.get_full_name() or user.get_username()
    member, _created = Member.objects.get_or_create(
        group=group,
        user=user,
        defaults={"display_name": name[:50], "role": role, "is_staff": True},
    )
    return member


def member_for_posting(actor, group: Group) -> Member:
    """The actor's membership, made for staff of the group's jurisdiction on first post."""
    member = Member.objects.filter(group=group, user=actor).first()
    if member is not None and member.removed_at is None:
        return member
    if member is None and actor.has_perm("community.add_message") and in_scope(actor, group):
        return join_as_staff(actor, group)
    raise PermissionDenied(_("您不是这个群的成员"))


# --- messages ---------------------------------------------------------------------------


def post_message(
    *,
    actor,
    group: Group,
    text: str,
    thread: Message | None = None,
    client_id: str = "",
    photos: Sequence = (),
) -> Message:
    """Post in a group (members; staff of its jurisdiction too), with photos, in a thread.

    "@name" mentions a staff member of the group, "@社区民警"/"@网格员"... every staff member
    of the group with that role: each gets a Mention due by ``rules.response_due``. A staff
    member replying in a thread answers the open mentions of that thread addressed to them.
    A replay of the same ``client_id`` by the same author returns the first message.
    """
    client_id = (client_id or "").strip()
    if client_id:
        if not CLIENT_ID.match(client_id):
            raise ValidationError({"client_id": _("消息标识应为 8–64 位字母、数字、- 或 _")})
        existing = Message.objects.filter(author=actor, client_id=client_id).first()
        if existing is not None:
            return existing
    member = member_for_posting(actor, group)
    text = (text or "").strip()
    photos = list(photos)
    errors: dict[str, str] = {}
    if not text and not photos:
        errors["text"] = _("请输入消息内容")
    elif len(text) > MAX_TEXT:
        errors["text"] = _("消息太长（%(n)s 字），请控制在 %(max)s 字以内") % {
            "n": len(text),
            "max": MAX_TEXT,
        }
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = _("一条消息最多 %(n)s 张照片") % {"n": MAX_PHOTOS}
    for photo in photos:
        problem = photo_problem(photo)
        if problem:
            errors["photos"] = problem
    if thread is not None:
        if thread.group_id != group.pk:
            errors["thread"] = _("回复的消息不在这个群里")
        thread = thread.thread or thread  # replies hang on the thread's first message
    mentioned: list[tuple[Member, str]] = []
    if "text" not in errors:
        try:
            mentioned = _mentions_in(text, group, author=member)
        except ValidationError as error:
            errors["text"] = error.messages[0]
    if errors:
        raise ValidationError(errors)
    _check_rate(member)
    now = timezone.now()
    try:
        with transaction.atomic():
            message = Message.objects.create(
                group=group,
                author=actor,
                author_name=member.display_name,
                author_is_staff=member.is_staff,
                text=text,
                thread=thread,
                client_id=client_id,
            )
            for photo in photos:
                MessagePhoto.objects.create(
                    message=message,
                    image=photo,
                    content_type=content_type_of(photo),
                    size=photo.size,
                )
            due_at = mention_due(now, text, group, mentioned) if mentioned else None
            Mention.objects.bulk_create(
                [
                    Mention(message=message, recipient_id=m.user_id, role=role, due_at=due_at)
                    for m, role in mentioned
                ]
            )
            answered = answer_mentions(member, thread, message, now) if thread else 0
            announce.inbox_changed(
                [m.user_id for m, _role in mentioned] + ([member.user_id] if answered else [])
            )
            Member.objects.filter(pk=member.pk, last_read_id__lt=message.pk).update(
                last_read_id=message.pk
            )
            audit.record(
                actor=actor,
                action="community.message_posted",
                obj=message,
                changes={
                    "group": group.pk,
                    "mentions": [m.user_id for m, _role in mentioned],
                    "answered": answered,
                },
            )
            announce.message_event(message)
    except IntegrityError:
        if client_id:
            existing = Message.objects.filter(author=actor, client_id=client_id).first()
            if existing is not None:
                return existing
        raise
    return message


def mention_due(now, text: str, group: Group, mentioned: list[tuple[Member, str]]):
    """When the mentions in ``text`` must be answered: within the daytime hours of
    ``rules.response_due``, unless triage grades the message red (someone calling for help,
    a threat): then by the red grade's first-action limit in the group's county (1 hour by
    default), day or night, whichever comes first. The "@…" names are left out of what
    triage reads, so that addressing the police is not itself read as an alarm."""
    due = rules.response_due(now, settings)
    said = _without_mentions(text, mentioned)
    try:
        red = bool(said.strip()) and triage.classify(said).risk == "red"
    except triage.TriageInputError:
        red = False
    if not red:
        return due
    return min(due, now + disputes.first_action_limit("red", group.region.path))


def _without_mentions(text: str, mentioned: list[tuple[Member, str]]) -> str:
    labels = {member.display_name for member, _role in mentioned}
    roles = {role for _member, role in mentioned if role}
    labels |= {label for label, code in role_mention_labels().items() if code in roles}
    for label in sorted(labels, key=len, reverse=True):
        text = text.replace(f"@{label}", " ")
    return text


def role_mention_labels() -> dict[str, str]:
    """ "社区民警" → "community_police" (and the English labels), for the staff roles."""
    labels: dict[str, str] = {}
    for entry in taxonomy.entries("role"):
        if entry["code"] in STAFF_ROLES:
            labels[entry["zh"]] = entry["code"]
            labels[entry["en"]] = entry["code"]
    return labels


_MENTION_START = re.compile(r"(?:^|(?<=[\s，。,.;；:：!！?？(（]))@")
_MENTION_WORD = re.compile(r"[^\s，。,.;；:：!！?？()（）@]+")


def _mentions_in(text: str, group: Group, *, author: Member) -> list[tuple[Member, str]]:
    """The staff members a text mentions, with the role code for a role mention.

    At each "@", the longest role label or member name written there wins, so "@社区民警"
    needs no space after it. An "@" naming nobody in the group is refused.
    """
    if "@" not in text:
        return []
    members = list(Member.objects.filter(group=group, removed_at__isnull=True))
    roles = role_mention_labels()
    targets: dict[str, tuple[str, object]] = {
        label: ("role", code) for label, code in roles.items()
    }
    targets.update({m.display_name: ("member", m) for m in members})
    names = sorted(targets, key=len, reverse=True)
    found: dict[int, tuple[Member, str]] = {}
    for start in _MENTION_START.finditer(text):
        rest = text[start.end() :]
        label = next((name for name in names if rest.startswith(name)), None)
        if label is None:
            word = _MENTION_WORD.match(rest)
            if word is None:
                continue
            raise ValidationError(
                _("群里没有“%(name)s”，只能@本群成员或工作人员身份") % {"name": word.group(0)}
            )
        kind, target = targets[label]
        if kind == "role":
            holders = [m for m in members if m.is_staff and m.role == target]
            if not holders:
                raise ValidationError(
                    _("本群暂时没有%(role)s，请@其他工作人员")
                    % {"role": taxonomy.label("role", target)}
                )
            for holder in holders:
                found.setdefault(holder.user_id, (holder, target))
        elif target.is_staff:
            found.setdefault(target.user_id, (target, ""))
    found.pop(author.user_id, None)
    return list(found.values())


def answer_mentions(member: Member, thread: Message, answer: Message, now) -> int:
    """A staff member's reply answers their open mentions in the thread."""
    if not member.is_staff:
        return 0
    return Mention.objects.filter(
        Q(message=thread) | Q(message__thread=thread),
        recipient_id=member.user_id,
        answered_at__isnull=True,
    ).update(answered_at=now, answer=answer)


def _check_rate(member: Member) -> None:
    limit, seconds = rules.rate_limit(settings)
    since = timezone.now() - dt.timedelta(seconds=seconds)
    recent = Message.objects.filter(
        group_id=member.group_id, author_id=member.user_id, created_at__gte=since
    ).count()
    if recent >= limit:
        raise ValidationError(
            {
                "text": _("发言太快了：每 %(s)s 秒最多 %(n)s 条，请稍后再发")
                % {"s": seconds, "n": limit}
            }
        )


def mark_read_up_to(*, member: Member, up_to_id: int) -> None:
    """A page says it showed the member everything up to ``up_to_id``: mark that read, never
    past the group's newest message at or below it (a made-up number marks nothing more)."""
    newest = Message.objects.filter(group_id=member.group_id, pk__lte=up_to_id).aggregate(
        newest=Max("pk")
    )["newest"]
    if newest:
        mark_read(member=member, up_to_id=newest)


def mark_read(*, member: Member, up_to_id: int) -> None:
    """Everything up to message ``up_to_id`` is read, broadcasts' receipts included; the
    mark never moves back."""
    moved = Member.objects.filter(pk=member.pk, last_read_id__lt=up_to_id).update(
        last_read_id=up_to_id
    )
    member.last_read_id = max(member.last_read_id, up_to_id)
    if moved:
        notices.mark_receipts_read(user=member.user_id, group=member.group_id, up_to_id=up_to_id)
