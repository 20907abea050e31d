"""A real ASGI server over the test database, and a small SSE client.

The SQLite leg runs one uvicorn process (the in-process channel) on a copy of the in-memory
test database written to a file; the PostgreSQL leg runs gunicorn with two UvicornWorker
processes on the test database itself, so a note must cross processes by NOTIFY. Tests build
their data first, then call ``serve()``; after that, changes go through the server (HTTP) or
``Served.sql`` (a plain statement on the database the server uses).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import queue
import secrets
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
CSRF = secrets.token_hex(16)  # 32 characters: an unmasked secret, accepted as it is


def session_for(user) -> str:
    """A logged-in session for ``user`` made directly (no password round trip)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "fengqiao.org.permissions.RolePermissionBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Event:
    name: str
    data: dict
    id: str = ""


@dataclass
class Stream:
    """An open ``/live/stream``: events arrive on a thread into ``events``."""

    status: int
    response: http.client.HTTPResponse | None = None
    conn: http.client.HTTPConnection | None = None
    events: queue.Queue = field(default_factory=queue.Queue)
    closed: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        name, data, event_id = "message", [], ""
        try:
            while True:
                raw = self.response.readline()
                if not raw:
                    break
                line = raw.decode().rstrip("\n")
                if not line:
                    if data:
                        self.events.put(Event(name, json.loads("\n".join(data)), event_id))
                    name, data, event_id = "message", [], ""
                elif line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif line.startswith("id: "):
                    event_id = line[4:]
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            pass
        finally:
            self.closed.set()

    def next(self, name: str, timeout: float = 10.0, where=lambda event: True) -> Event:
        """The next ``name`` event that satisfies ``where`` (others are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {name!r} event within {timeout} s")
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if event.name == name and where(event):
                return event

    def drain(self, seconds: float) -> list[Event]:
        """Every event that arrives in the next ``seconds``."""
        got, deadline = [], time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            with contextlib.suppress(queue.Empty):
                got.append(self.events.get(timeout=left))
        return got

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(Exception):
            self.conn.close()


class Served:
    def __init__(self, tmp_path: Path, workers: int, recheck_seconds: float = 1):
        self.port = _free_port()
        self.tmp_path = tmp_path
        self.streams: list[Stream] = []
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "fengqiao.settings",
            "FENGQIAO_SECRET_KEY": settings.SECRET_KEY,
            "FENGQIAO_DATA_DIR": str(tmp_path),
            "FENGQIAO_LIVE_RECHECK_SECONDS": str(recheck_seconds),
            "FENGQIAO_AXES": "0",
        }
        if connection.vendor == "sqlite":
            env.pop("DATABASE_URL", None)
            self.sqlite_path = tmp_path / "fengqiao.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(self.sqlite_path)
            connection.connection.backup(target)
            target.close()
            command = [sys.executable, "-m", "uvicorn", "fengqiao.asgi:application"]
            command += ["--port", str(self.port), "--lifespan", "on", "--log-level", "warning"]
            command += ["--timeout-graceful-shutdown", "3"]  # open streams never end alone
        else:
            self.sqlite_path = None
            env["DATABASE_URL"] = _database_url(connection.settings_dict)
            command = [sys.executable, "-m", "gunicorn", "fengqiao.asgi:application"]
            command += ["-k", "uvicorn_worker.UvicornWorker", "-w", str(workers)]
            command += ["-b", f"127.0.0.1:{self.port}", "--log-level", "warning"]
            # A first message → case trains the triage model in the worker: minutes of CPU
            # under load, past gunicorn's default 30 s worker timeout.
            command += ["--timeout", "300"]
        self.log = (tmp_path / "server.log").open("w")
        self.process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        try:
            self._wait()
        except BaseException:
            self.stop()
            raise

    def _wait(self) -> None:
        deadline = time.monotonic() + 180  # a loaded machine (CI) starts Django slowly
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("server exited:\n" + self.log_text())
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/login/")
                conn.getresponse().read()
                conn.close()
                return
            time.sleep(0.2)
        raise AssertionError("server did not answer:\n" + self.log_text())

    def log_text(self) -> str:
        self.log.flush()
        return (self.tmp_path / "server.log").read_text()[-4000:]

    def stream(self, session: str | None, *topics: str, headers: dict | None = None) -> Stream:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        query = urlencode([("topic", t) for t in topics])
        sent = {"Accept": "text/event-stream", **(headers or {})}
        if session:
            sent["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={session}"
        conn.request("GET", f"/live/stream?{query}", headers=sent)
        response = conn.getresponse()
        stream = Stream(response.status, response, conn)
        if response.status == 200:
            stream.start()
            stream.next("ready")
            self.streams.append(stream)
        else:
            response.read()
            conn.close()
        return stream

    def request(self, method: str, path: str, session: str, form: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; "
            f"{settings.CSRF_COOKIE_NAME}={CSRF}",
            "X-CSRFToken": CSRF,
            "HX-Request": "true",
        }
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        conn.close()
        return response.status, text

    def sql(self, statement: str, params: list) -> None:
        """One statement on the server's database (``%s`` placeholders), committed."""
        if self.sqlite_path is not None:
            database = sqlite3.connect(self.sqlite_path, timeout=10)
            with database:
                database.execute(statement.replace("%s", "?"), params)
            database.close()
        else:
            with connection.cursor() as cursor:
                cursor.execute(statement, params)

    def stop(self) -> None:
        for stream in self.streams:
            stream.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def _database_url(settings_dict: dict) -> str:
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    auth = user + (f":{password}" if password else "") + ("@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture
def serve(transactional_db, tmp_path):
    """``serve()`` starts the server over the data built so far; stopped after the test."""
    started: list[Served] = []

    def start(workers: int = 2, recheck_seconds: float = 1) -> Served:
        served = Served(tmp_path, workers, recheck_seconds)
        started.append(served)
        return served

    yield start
    for served in started:
        served.stop()
