"""``fengqiao manage check_upgrade [--json]``: what ``migrate`` will change, before it does.

Exit status 0 when the database is up to date or can be migrated (the pending migrations are
listed), 2 when this code must not migrate it: the database is newer than this code, or its
migration history is inconsistent, or it cannot be read.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, OperationalError
from django.utils.translation import gettext as _

from fengqiao.upgrades.plan import upgrade_plan
from fengqiao.upgrades.report import as_json, as_text

REFUSED = 2


class Command(BaseCommand):
    help = _("升级前检查：列出待执行的迁移及其影响 / before migrate: what the upgrade will change")
    # It only reads; the system checks have nothing to say about the database's migrations.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help=_("输出 JSON / print JSON"))
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help=_("数据库别名 / database alias")
        )

    def handle(self, *args, json: bool = False, database: str, **options) -> None:
        try:
            plan = upgrade_plan(database)
        except OperationalError as exc:
            raise CommandError(
                _("无法读取数据库 / cannot read the database: %s") % str(exc).strip(),
                returncode=REFUSED,
            ) from exc
        if json:
            self.stdout.write(_dumps(as_json(plan)))
        else:
            for line in as_text(plan):
                self.stdout.write(line)
        if plan.status == "newer_database":
            raise CommandError(
                _("数据库比本程序新，不能用本版本迁移 / the database is newer than this code"),
                returncode=REFUSED,
            )
        if plan.status == "inconsistent":
            raise CommandError(
                _("迁移记录不一致 / the migration history is inconsistent"), returncode=REFUSED
            )


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)
