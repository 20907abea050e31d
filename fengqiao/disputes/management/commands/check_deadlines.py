"""``check_deadlines``: run the deadline watcher once (from cron, or by hand)."""

from django.core.management.base import BaseCommand

from fengqiao.disputes.deadlines import check_deadlines


class Command(BaseCommand):
    help = "检查案件时限：标记超期、按规则上报并提醒承办人 / flag overdue cases, escalate by rule"

    def handle(self, *args, **options) -> None:
        report = check_deadlines()
        self.stdout.write(
            f"超期标记 {len(report.flagged)} 项，自动上报 {len(report.escalated)} 件，"
            f"只提醒不上报 {len(report.warned)} 件，"
            f"转办逾期催办 {len(report.handoffs_overdue)} 件 / "
            f"flagged {len(report.flagged)}, escalated {len(report.escalated)}, "
            f"warned {len(report.warned)}, overdue hand-offs {len(report.handoffs_overdue)}"
        )
