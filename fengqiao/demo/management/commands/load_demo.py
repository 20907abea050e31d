"""``load_demo``: generate the demo county and write it, once."""

from __future__ import annotations

import time
import unicodedata

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from fengqiao import taxonomy
from fengqiao.analytics import facts
from fengqiao.demo import agencies
from fengqiao.demo.agencies import load_agencies
from fengqiao.demo.antifraud import demo_antifraud
from fengqiao.demo.cases import grade_recent, load_cases
from fengqiao.demo.community import load_community
from fengqiao.demo.dispatch import load_dispatch
from fengqiao.demo.generator import generate_county
from fengqiao.demo.loader import load_county
from fengqiao.demo.outreach_visits import demo_visits
from fengqiao.demo.patrols import demo_patrols
from fengqiao.demo.recognition import demo_recognition
from fengqiao.demo.registry import load_registry
from fengqiao.demo.rows import COUNTY_CODE, COUNTY_NAME
from fengqiao.demo.services import demo_services
from fengqiao.demo.staff import DEMO_LOGINS, DEMO_PASSWORD
from fengqiao.org.models import AccessGrant
from fengqiao.places.models import Region


class Command(BaseCommand):
    help = "加载演示县（只加载一次） / load the demo county (once)"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="规模，1.0 约 150 万人 / size: 1.0 is about 1.5 million people",
        )
        parser.add_argument("--seed", type=int, default=2026, help="随机种子 / random seed")
        parser.add_argument(
            "--triage-later",
            action="store_true",
            help="最近的报告稍后再研判（首次启动时由 fengqiao demo 在模型就绪后完成） / "
            "grade the recent reports later (fengqiao demo's first start, once the model is ready)",
        )

    def handle(
        self,
        *args,
        scale: float,
        seed: int,
        verbosity: int = 1,
        triage_later: bool = False,
        **options,
    ) -> None:
        if not 0 < scale <= 50:
            raise CommandError(f"规模必须在 0–50 之间 / scale out of range: {scale}")
        quiet = verbosity < 1
        if Region.objects.filter(code=COUNTY_CODE).exists():
            if not quiet:
                self.stdout.write("演示县已存在，跳过加载 / demo county already loaded")
                self._print_logins()
            return
        started = time.monotonic()
        progress = _ProgressLine(self.stdout, enabled=not quiet)

        def generating(stage: str, done: int, total: int) -> None:
            if stage == "boundaries":
                if done == 0:
                    progress.show("正在生成演示县… 网格边界 / snapping grid boundaries")
            # A log gets a line per quarter; a terminal gets every township on one line.
            elif progress.tty or done == total or done % max(1, total // 4) == 0:
                progress.show(f"正在生成演示县… 乡镇 {done}/{total} / generating townships")

        county = generate_county(scale=scale, seed=seed, progress=generating)
        # One hash for every demo login: Argon2 is deliberately slow.
        password_hash = make_password(DEMO_PASSWORD)

        def writing(stage: str) -> None:
            progress.show(f"正在写入数据库… {stage}")

        # The facts are built once at the end: refreshing them after each step's commits
        # would only be thrown away.
        with facts.suspended():
            counts = load_county(county, password_hash=password_hash, progress=writing)
            counts |= load_cases(seed=seed, progress=writing)
            counts |= load_registry(seed=seed, progress=writing)
            counts |= load_community(seed=seed, progress=writing)
            counts |= load_agencies(password_hash=password_hash, progress=writing)
            counts |= load_dispatch(seed=seed, progress=writing)
            counts |= demo_patrols(seed=seed, progress=writing)
            counts |= demo_visits(seed=seed, progress=writing)
            counts |= demo_recognition(seed=seed, progress=writing)
            counts |= demo_antifraud(seed=seed, progress=writing)
            counts |= demo_services(seed=seed, progress=writing)
            if not triage_later:
                counts["triaged"] = grade_recent(progress=writing)
            writing("统计 / figures")
        counts["facts"] = facts.rebuild()
        if connection.vendor == "postgresql":
            # A bulk load leaves the planner without statistics until autovacuum comes by:
            # meanwhile it guesses, and read every assignment of a duty to route a report.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        progress.done()
        if quiet:
            return
        summary = "，".join(f"{name} {count}" for name, count in counts.items())
        self.stdout.write(
            f"演示县「{COUNTY_NAME}」已加载 / demo county loaded "
            f"({time.monotonic() - started:.1f}s): {summary}"
        )
        self._print_logins()

    def _print_logins(self) -> None:
        logins = (*DEMO_LOGINS, *agencies.LOGINS)
        users = get_user_model().objects.in_bulk(
            [name for name, _ in logins], field_name="username"
        )
        scopes: dict[int, list[str]] = {}
        grants = AccessGrant.objects.filter(user__in=users.values()).select_related(
            "region", "unit"
        )
        for grant in grants:
            scopes.setdefault(grant.user_id, []).append(str(grant.region or grant.unit))
        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}） / demo logins:")
        for username, role in logins:
            user = users.get(username)
            if user is None:
                continue
            columns = [
                username,
                taxonomy.label("role", role),
                user.first_name or "—",
                "、".join(scopes.get(user.pk, [])) or "—",
            ]
            self.stdout.write(
                "  "
                + "".join(
                    _pad(text, width) for text, width in zip(columns, (17, 18, 16, 0), strict=True)
                )
            )


def _pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two)."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - shown) if width else text


class _ProgressLine:
    """One line that rewrites itself on a terminal, and plain lines in a log."""

    def __init__(self, stream, *, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self.tty = enabled and getattr(stream, "isatty", lambda: False)()
        self.last = ""

    def show(self, text: str) -> None:
        if not self.enabled or text == self.last:
            return
        self.last = text
        if self.tty:
            self.stream.write(f"\r\033[K{text}", ending="")
        else:
            self.stream.write(text)
        self.stream.flush()

    def done(self) -> None:
        if self.tty:
            self.stream.write("")
