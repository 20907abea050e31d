"""``fengqiao manage sweep_import_uploads``: the retention sweep of uploaded import files, once.

The periodic jobs (``fengqiao serve``'s scheduler, the thread of ``fengqiao demo``) run it
every ten minutes; this command is for cron on a machine without them, or by hand.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from fengqiao.registry.imports.jobs import sweep_uploads


class Command(BaseCommand):
    help = (
        "删除超过保留期限、未导入的上传导入文件 / delete uploaded import files past their "
        "retention limit (settings.IMPORT_UPLOAD_MAX_AGE)"
    )

    def handle(self, *args, **options) -> None:
        swept = sweep_uploads()
        hours = settings.IMPORT_UPLOAD_MAX_AGE / 3600
        self.stdout.write(
            f"已删除超过 {hours:g} 小时未导入的上传文件 {swept['deleted']} 个，"
            f"清空已完成导入的留存文件 {swept['emptied']} 个 / "
            f"deleted {swept['deleted']} uploads older than {hours:g} h never imported, "
            f"emptied {swept['emptied']} finished ones"
        )
