"""``deliver_outbound``: send the due pushes to external chat groups, once or in a loop."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from fengqiao.community.bridge import deliver_due


class Command(BaseCommand):
    help = "发送到期的外部群推送（失败按退避重试） / deliver due outbound pushes"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--loop", action="store_true", help="持续运行 / keep running, one round per interval"
        )
        parser.add_argument(
            "--every", type=float, default=30.0, help="轮询间隔秒数 / seconds between rounds"
        )

    def handle(self, *args, loop: bool, every: float, **options) -> None:
        while True:
            counts = deliver_due()
            if options["verbosity"] >= 1 and (not loop or any(counts.values())):
                self.stdout.write(
                    f"已发送 {counts['sent']}，待重试 {counts['retrying']}，"
                    f"放弃 {counts['failed']} / sent {counts['sent']}, "
                    f"retrying {counts['retrying']}, failed {counts['failed']}"
                )
            if not loop:
                return
            # A long-running loop must not hold a connection the server has since closed.
            close_old_connections()
            time.sleep(every)
