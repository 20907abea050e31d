"""What broadcasts and alerts share when they are sent: checking a client key and replaying
an earlier send, checking times, points and photos, posting one message into each group,
and pushing outward once the transaction commits."""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import re
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.community import announce
from fengqiao.community.models import Group, Message
from fengqiao.org.scope import person_of, scope_to
from fengqiao.photos import photo_problem
from fengqiao.places.models import PATH_SEPARATOR, Region, subtree_q

CLIENT_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# A phone's clock may run a little ahead of the server's.
CLOCK_SLACK = dt.timedelta(minutes=10)
MESSAGE_BATCH = 1000


def post_into(group_ids, actor, name: str, text: str, **notice) -> None:
    """One announce-only message per group, pointing at its broadcast or alert."""
    kind = Message.Kind.BROADCAST if "broadcast" in notice else Message.Kind.ALERT
    posted = Message.objects.bulk_create(
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
    announce.messages_posted(posted)


def target_groups(actor, groups: Iterable, regions: Iterable = ()) -> list[tuple[int, str]]:
    """(pk, scope_path) of the chosen active groups and of every active group under the
    chosen regions, sorted. The scope is checked here, not only in the form: one group or
    region outside the actor's jurisdiction (a hand-made post) refuses the whole choice."""
    group_ids = {pk_of(group) for group in groups}
    region_ids = {pk_of(region) for region in regions}
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


def push_after_commit(*, source: str, title: str, text: str, region_path: str) -> None:
    """Queue the outbound push once the transaction commits (nothing on rollback)."""

    def push() -> None:
        if importlib.util.find_spec("fengqiao.community.bridge") is None:
            return
        bridge = importlib.import_module("fengqiao.community.bridge")
        if hasattr(bridge, "push"):
            bridge.push(source=source, title=title, text=text, region_path=region_path)

    transaction.on_commit(push)


def checked_key(client_key: str | None, errors: dict) -> str | None:
    if not client_key:
        return None
    if not CLIENT_KEY.match(client_key):
        errors["client_key"] = _("表单已过期，请重新提交")
        return None
    return client_key


def replayed(model: type[Model], client_key: str | None, actor, *, author_field: str):
    """The record an earlier send with this key made; a key someone else used is refused."""
    if not client_key:
        return None
    existing = model.objects.filter(client_key=client_key).first()
    if existing is None:
        return None
    if getattr(existing, f"{author_field}_id") != actor.pk:
        raise ValidationError({"client_key": _("表单已过期，请重新提交")})
    return existing


def check_time(value, field: str, errors: dict) -> None:
    if value is not None and value > timezone.now() + CLOCK_SLACK:
        errors[field] = _("时间不能晚于现在")


def check_point(lon, lat, errors: dict) -> None:
    if (lon is None) != (lat is None):
        errors["lon"] = _("经纬度要同时填写")
    elif lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
        errors["lon"] = _("经纬度超出范围")


def check_photo(photo, errors: dict) -> None:
    if photo:
        problem = photo_problem(photo)
        if problem:
            errors["photo"] = problem


def pk_of(value) -> int:
    pk = getattr(value, "pk", value)
    try:
        return int(pk)
    except (TypeError, ValueError) as error:
        raise ValidationError(_("选择的对象不存在")) from error


def common_path(paths: Iterable[str]) -> str:
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


def name_of(user) -> str:
    person = person_of(user)
    if person is not None:
        return person.name[:50]
    return (user.get_full_name() or user.get_username())[:50]
