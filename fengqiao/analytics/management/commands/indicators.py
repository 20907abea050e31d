"""``fengqiao manage indicators [--region CODE | --unit CODE | --person ID] [--from DATE]
[--to DATE] [--code CODE ...] [--format json|xlsx] [--output FILE] [--as USERNAME]``.

The same answer as ``/api/v1/indicators/`` (``indicators.answer``), as JSON or an Excel
workbook. Acting as ``--as`` (their permission and jurisdiction apply); without it, as a
job that sees the whole system.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from fengqiao.analytics import indicators
from fengqiao.analytics.indicators import Period
from fengqiao.analytics.indicators_excel import indicators_xlsx
from fengqiao.audit.context import origin
from fengqiao.org.permissions import VIEW_FIGURES

FORMATS = ("json", "xlsx")
TARGETS = ("region", "unit", "person")
# The option each field of an error stands for.
OPTIONS = {
    "from": "--from",
    "to": "--to",
    "region": "--region",
    "unit": "--unit",
    "person": "--person",
    "code": "--code",
}


def job_actor():
    """Who a command acts as without ``--as``: a job that sees everything (an unsaved
    superuser: nothing is written in its name)."""
    return get_user_model()(username="fengqiao-job", is_superuser=True, is_active=True)


def actor_named(username: str | None):
    """The active user ``--as`` names, or the job actor; CommandError naming ``--as``."""
    if username is None:
        return job_actor()
    user = get_user_model().objects.filter(username=username).first()
    if user is None or not user.is_active:
        raise CommandError(f"--as：没有这个在用的账号 / no such active user: {username!r}")
    return user


def command_error(error: ValidationError) -> CommandError:
    """A ValidationError keyed by field, as one line per option."""
    fields = getattr(error, "message_dict", {"": error.messages})
    lines = [
        f"{OPTIONS.get(field, field)}：{message}".lstrip("：")
        for field, messages in fields.items()
        for message in messages
    ]
    return CommandError("\n".join(lines))


class Command(BaseCommand):
    help = "指标：地区、单位或人员在一段时间内的各项指标 / indicators for a target and period"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--region", default="", help="地区代码 / region code")
        parser.add_argument("--unit", default="", help="单位代码 / police unit code")
        parser.add_argument("--person", default="", help="人员编号 / person id")
        parser.add_argument(
            "--from", dest="start", default=None, help="起始日期 YYYY-MM-DD / first day"
        )
        parser.add_argument("--to", dest="end", default=None, help="截止日期 YYYY-MM-DD / last day")
        parser.add_argument(
            "--code",
            action="append",
            default=[],
            help="只要这些指标（可重复或逗号分隔）/ only these indicators",
        )
        parser.add_argument("--format", default="json", help="json 或 xlsx / json or xlsx")
        parser.add_argument("--output", default=None, help="写入文件 / write to this file")
        parser.add_argument(
            "--as", dest="username", default=None, help="以该用户身份 / act as this user"
        )

    def handle(self, *args, **options) -> None:
        fmt = options["format"]
        if fmt not in FORMATS:
            raise CommandError(f"--format：只能是 json 或 xlsx / json or xlsx, not {fmt!r}")
        output = Path(options["output"]) if options["output"] else None
        if fmt == "xlsx" and output is None:
            raise CommandError("--output：Excel 需要写入文件 / xlsx needs an output file")
        if output is not None and not output.parent.is_dir():
            raise CommandError(f"--output：目录不存在 / no such folder: {output.parent}")
        person = options["person"]
        if person and not str(person).isdigit():
            raise CommandError(f"--person：人员编号应为数字 / a person id is a number: {person!r}")
        user = actor_named(options["username"])
        if not user.has_perm(VIEW_FIGURES):
            raise CommandError(
                f"--as：{user.get_username()} 无权查看统计 / may not read the figures"
            )
        with origin("command:indicators"):
            answer = self._answer(user, options)
        if fmt == "xlsx":
            output.write_bytes(indicators_xlsx(answer))
            self.stdout.write(f"已写入 / written: {output}")
            return
        text = json.dumps(answer, ensure_ascii=False, indent=2)
        if output is None:
            self.stdout.write(text)
        else:
            output.write_text(text + "\n", encoding="utf-8")
            self.stdout.write(f"已写入 / written: {output}")

    def _answer(self, user, options) -> dict:
        try:
            period = Period.parse(options["start"], options["end"])
            codes = indicators.parse_codes(options["code"])
            target = indicators.target_for(
                user, region=options["region"], unit=options["unit"], person=options["person"]
            )
        except ValidationError as error:
            raise command_error(error) from None
        except Http404:
            named = next((f"--{name} {options[name]}" for name in TARGETS if options[name]), "--as")
            raise CommandError(
                f"{named}：不存在，或不在 {user.get_username()} 的辖区内 / "
                "not found in the user's jurisdiction"
            ) from None
        return indicators.answer(user, target, period, codes)
