"""``fengqiao manage issue_api_token USERNAME [--rotate]``: the API token of a member of staff.

Staff clients (a station's dispatch system, a grid worker's app) send it as
``Authorization: Token <key>``; the token acts with that person's roles and jurisdiction.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from fengqiao.audit import services as audit
from fengqiao.audit.context import origin


class Command(BaseCommand):
    help = _("为工作人员签发 API 令牌 (print the API token of a member of staff)")

    def add_arguments(self, parser):
        parser.add_argument("username", help=_("工作人员的用户名 (the staff user's username)"))
        parser.add_argument(
            "--rotate",
            action="store_true",
            help=_("作废旧令牌并签发新令牌 (replace the existing token)"),
        )

    def handle(self, *args, username: str, rotate: bool, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("用户不存在 (no such user): %s") % username)
        person = getattr(user, "person", None)
        if not user.is_active or person is None or not person.active:
            # Residents have accounts too; a token must never act for one.
            raise CommandError(
                _("%s 不是在岗工作人员，不能签发 API 令牌 (not active staff: no token)") % username
            )
        with origin("command issue_api_token"), transaction.atomic():
            if rotate:
                Token.objects.filter(user=user).delete()
            token, created = Token.objects.get_or_create(user=user)
            if created:
                audit.record(
                    actor=None,
                    action="org.api_token_issued",
                    obj=person,
                    changes={"rotated": rotate},
                )
        self.stdout.write(token.key)
