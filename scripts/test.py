#!/usr/bin/env python3
"""Run the whole test suite twice: on the embedded SQLite, then on PostgreSQL.

    python scripts/test.py                 # both legs
    python scripts/test.py -k login -x     # extra arguments go to pytest, on both legs

The PostgreSQL leg uses FENGQIAO_TEST_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/fengqiao); pytest-django creates and drops its own
``test_<name>`` database there. If the server cannot be reached the leg is SKIPPED with the
reason printed, unless FENGQIAO_REQUIRE_POSTGRES=1, which makes that a failure (CI sets it
where PostgreSQL is part of the machine).

The last line sums both legs, read from pytest's JUnit XML:
    total: N passed, M failed, K skipped (sqlite: ..., postgresql: ...)
The exit status is non-zero when any leg failed, including "no tests collected".
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/fengqiao"
PYTEST_NO_TESTS_COLLECTED = 5


@dataclass
class Leg:
    name: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    returncode: int | None = None
    skip_reason: str = ""
    unreachable: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        if self.skip_reason:
            return True
        if self.unreachable:
            return False
        return self.returncode == 0 and self.failed == 0 and not self.problems

    def summary(self) -> str:
        if self.skip_reason:
            return f"{self.name}: SKIPPED"
        if self.unreachable:
            return f"{self.name}: FAILED, server unreachable"
        text = f"{self.name}: {self.passed} passed, {self.failed} failed, {self.skipped} skipped"
        if self.returncode == PYTEST_NO_TESTS_COLLECTED:
            text += ", no tests collected"
        elif self.returncode not in (0, 1):
            text += f", pytest exit {self.returncode}"
        return text


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _maintenance_url(url: str) -> str:
    """The same server, but the ``postgres`` database, which exists before ours does."""
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def postgres_unreachable_reason(url: str) -> str:
    """Empty when PostgreSQL at ``url`` answers within 3 s, else why it does not."""
    if urlsplit(url).scheme not in {"postgres", "postgresql", "pgsql"}:
        return f"FENGQIAO_TEST_DATABASE_URL is not a postgres:// URL: {_redacted(url)}"
    try:
        import psycopg
    except ImportError as exc:
        return f"psycopg is not installed ({exc})"
    try:
        with psycopg.connect(_maintenance_url(url), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure to connect means: no PostgreSQL leg here
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"cannot connect to {_redacted(_maintenance_url(url))}: {first_line}"
    return ""


def count_junit(path: Path, leg: Leg) -> None:
    """Add the counts from a pytest JUnit XML report to ``leg``."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        leg.problems.append(f"no readable JUnit report ({exc})")
        return
    suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
    for suite in suites:
        tests = int(suite.get("tests", 0))
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped = int(suite.get("skipped", 0))
        leg.failed += failed
        leg.skipped += skipped
        leg.passed += tests - failed - skipped


def run_leg(leg: Leg, env: dict[str, str], pytest_args: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix=f"fengqiao-test-{leg.name}-") as tmp:
        junit = Path(tmp) / "junit.xml"
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        env = {**env, "FENGQIAO_DATA_DIR": str(data_dir)}
        command = [sys.executable, "-m", "pytest", f"--junitxml={junit}", *pytest_args]
        leg.returncode = subprocess.call(command, cwd=ROOT, env=env)
        count_junit(junit, leg)


def main(argv: list[str]) -> int:
    pytest_args = argv
    base_env = dict(os.environ)
    base_env.pop("DATABASE_URL", None)

    sqlite = Leg("sqlite")
    print("=== [1/2] SQLite (embedded database, temporary FENGQIAO_DATA_DIR) ===", flush=True)
    run_leg(sqlite, base_env, pytest_args)

    postgresql = Leg("postgresql")
    url = os.environ.get("FENGQIAO_TEST_DATABASE_URL") or DEFAULT_PG_URL
    print(f"=== [2/2] PostgreSQL at {_redacted(url)} ===", flush=True)
    reason = postgres_unreachable_reason(url)
    if reason and _flag("FENGQIAO_REQUIRE_POSTGRES"):
        print(f"PostgreSQL leg FAILED: {reason} (FENGQIAO_REQUIRE_POSTGRES=1)", flush=True)
        postgresql.unreachable = True
    elif reason:
        postgresql.skip_reason = reason
        print(
            f"PostgreSQL leg SKIPPED: {reason}. Set FENGQIAO_TEST_DATABASE_URL to a reachable "
            "server, or FENGQIAO_REQUIRE_POSTGRES=1 to make this a failure.",
            flush=True,
        )
    else:
        run_leg(postgresql, {**base_env, "DATABASE_URL": url}, pytest_args)

    legs = [sqlite, postgresql]
    passed = sum(leg.passed for leg in legs)
    failed = sum(leg.failed for leg in legs)
    skipped = sum(leg.skipped for leg in legs)
    for leg in legs:
        for problem in leg.problems:
            print(f"{leg.name}: {problem}", flush=True)
    details = "; ".join(leg.summary() for leg in legs)
    print(f"total: {passed} passed, {failed} failed, {skipped} skipped ({details})", flush=True)
    return 0 if all(leg.ok for leg in legs) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
