"""``fengqiao manage export_exchange KIND --user USERNAME [--format csv|xlsx] [--area CODE]
[--encoding utf-8|gbk] [--reveal-reason TEXT] [--output FILE]``.

Writes an exchange file (一标三实 addresses, residents, houses, units; GB/T 31000 disputes)
as the named user: their permissions and jurisdiction apply, numbers are masked unless a
reason to reveal them is given (and the user may reveal), and the export is audited.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from fengqiao.audit.context import origin
from fengqiao.registry import exchange, exports


class Command(BaseCommand):
    help = "导出一标三实或 GB/T 31000 交换文件 / export a standard exchange file"

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", help=f"类型 / kind: {', '.join(exchange.layout_kinds())}")
        parser.add_argument("--user", required=True, help="以哪个用户的身份导出 / acting user")
        parser.add_argument("--format", default="xlsx", help="xlsx 或 csv / xlsx or csv")
        parser.add_argument("--encoding", default="utf-8", help="CSV 编码 utf-8 或 gbk")
        parser.add_argument(
            "--area", default="", help="区域编码或 12 位统计用区划代码 / region code or stat code"
        )
        parser.add_argument(
            "--reveal-reason",
            default="",
            help="导出完整号码的理由；不填则号码脱敏 / reason to export full numbers",
        )
        parser.add_argument("--output", default="", help="输出文件；默认自动命名 / output file")

    def handle(self, *args, **options) -> None:
        kind, file_format = options["kind"], options["format"]
        if kind not in exchange.layout_kinds():
            raise CommandError(
                f"未知的交换文件类型 / unknown kind: {kind!r}（可选 / one of: "
                f"{', '.join(exchange.layout_kinds())}）"
            )
        if file_format not in exports.FORMATS:
            raise CommandError(
                f"格式只能是 xlsx 或 csv / format must be xlsx or csv: {file_format!r}"
            )
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None or not user.is_active:
            raise CommandError(f"没有这个用户 / no such active user: {options['user']!r}")
        reason = options["reveal_reason"]
        try:
            with origin(f"command:export_exchange {kind}"):
                content = exchange.export_exchange(
                    actor=user,
                    kind=kind,
                    file_format=file_format,
                    area_code=options["area"],
                    reveal=bool(reason.strip()),
                    reason=reason,
                    encoding=options["encoding"],
                )
        except PermissionDenied as error:
            raise CommandError(f"{error} / permission denied") from error
        except ValidationError as error:
            messages = "；".join(m for ms in error.message_dict.values() for m in ms)
            raise CommandError(messages) from error
        path = Path(options["output"] or exchange.filename(kind, file_format))
        exports.write_private_file(path, content)
        self.stdout.write(f"已导出 / written: {path}")
