"""``fengqiao serve`` as a subprocess on the test leg's database, for the serving tests.

On the SQLite leg the server gets an embedded database of its own in a temporary data
directory; on the PostgreSQL leg it serves pytest-django's test database, so its tests use
``transactional_db`` (what the server writes is committed, and flushed after the test).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def on_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3"


def server_env(data_dir: Path) -> dict[str, str]:
    """The environment of a server on this leg's database, with ``data_dir`` its own."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "FENGQIAO_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    env.pop("FENGQIAO_DEBUG", None)
    if on_postgresql():
        db = connection.settings_dict
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
            f"/{db['NAME']}"
        )
    return env


def build_place(env: dict[str, str]) -> str:
    """A township with grids and officer_a in the server's database; officer_a's token."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.serving.place"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


class Server:
    """One ``fengqiao serve`` process (and its children) in a process group of its own."""

    def __init__(self, env: dict[str, str], log: Path, *args: str, port: int | None = None):
        self.env, self.log_path, self.args = env, log, args
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        # Output goes to a file, not a pipe: a pipe nobody reads would fill and block it.
        with self.log_path.open("a") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "fengqiao.cli", "serve", "--port", str(self.port)]
                + list(self.args),
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def log(self) -> str:
        return self.log_path.read_text()

    def wait_until_serving(self, seconds: float = 150) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                status, _ = self.request("GET", "/accounts/login/", timeout=10)
                assert status == 200, f"HTTP {status}\n{self.log()}"
                return
            except (OSError, http.client.HTTPException):
                assert self.process.poll() is None, self.log()
                assert time.monotonic() < deadline, f"not serving in {seconds} s\n{self.log()}"
                time.sleep(0.3)

    def request(self, method: str, path: str, *, body=None, headers=None, timeout: float = 120):
        """(status, parsed JSON or text); raises OSError/HTTPException when no answer.

        The timeout is for a server that hangs: a first report may train triage's model
        (when its cache is cold) and take a while on a busy machine."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            payload = None if body is None else json.dumps(body).encode()
            sent = {"Content-Type": "application/json", **(headers or {})}
            conn.request(method, path, body=payload, headers=sent)
            reply = conn.getresponse()
            text = reply.read().decode()
        finally:
            conn.close()
        if reply.getheader("Content-Type", "").startswith("application/json"):
            return reply.status, json.loads(text)
        return reply.status, text

    def group(self) -> list[str]:
        """The command lines of every live process in the server's process group."""
        return [line for line, _nice in self._processes()]

    def niceness(self) -> dict[str, int]:
        """Each live process's command line and its niceness."""
        return dict(self._processes())

    def _processes(self) -> list[tuple[str, int]]:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                cmdline = (stat.parent / "cmdline").read_bytes()
            except OSError:
                continue
            # fields: state, ppid, pgrp, ... nice (the 17th); zombies (Z) are gone already.
            if int(fields[2]) == self.process.pid and fields[0] != "Z":
                found.append((cmdline.replace(b"\0", b" ").decode().strip(), int(fields[16])))
        return found

    def kill(self) -> None:
        """SIGKILL to the whole group: the server and every child, at once."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        deadline = time.monotonic() + 30
        while self.group() and time.monotonic() < deadline:
            time.sleep(0.1)

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Send ``signum`` to the server process alone; its exit status."""
        self.process.send_signal(signum)
        return self.process.wait(timeout=60)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        if self.process is not None and (self.process.poll() is None or self.group()):
            self.kill()


def report_body(key: str) -> dict:
    """An API report whose text carries ``key``: a dispute for an odd number after the
    dash, else a hazard, in the township ``build_place`` makes."""
    if int(key.split("-")[1]) % 2:
        return {
            "channel": "walk_in",
            "kind": "dispute",
            "category": "neighbourhood",
            "text": f"楼上每天半夜拖椅子，沟通多次没用。编号 {key}",
            "lon": 120.005,
            "lat": 30.005,
        }
    return {
        "channel": "grid_report",
        "kind": "hazard",
        "text": f"楼道灭火器过期，需要更换。编号 {key}",
        "lon": 120.015,
        "lat": 30.005,
    }


def post_report(server: Server, token: str, key: str):
    return server.request(
        "POST",
        "/api/v1/reports/",
        body=report_body(key),
        headers={"Authorization": f"Token {token}", "Idempotency-Key": key},
    )
