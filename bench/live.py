"""Server push at scale. Run by hand: ``python bench/live.py [--pages N] [--posts M] ...``.

For each backend (SQLite, PostgreSQL) it builds a scratch database (SQLite: a temporary
file; PostgreSQL: ``fengqiao_live_bench``, dropped at the end), puts N residents in one
group (unusable passwords, sessions written directly: no N password logins), starts the real
server (SQLite: one uvicorn process; PostgreSQL: gunicorn with one UvicornWorker per core)
and then, from this process:

1. opens N group pages' streams (``/live/stream?topic=group:<id>``) with an asyncio client
   on loopback (raw sockets, uvloop), a bounded number of connects at a time;
2. posts M messages through HTTP (the chat's own form, as M different members), one every
   ``--interval`` seconds, and records for every page when each message arrived;
3. reports, per post, the time from sending the POST until the LAST page had it
   (p50/p99/max over posts), every page's delivery latency (p50/p99), how many pages missed
   any message within ``--seconds``, and the server's CPU seconds (utime+stime of the server
   processes, from /proc/<pid>/stat) while connecting and while posting;
4. prints the baseline in the same run: what N pages polling every 1.5 s would ask of the
   server (requests/s), and what that costs in CPU, measured by timing the poll endpoint
   (``/community/g/<id>/messages/?after=<last>``, a 204) on the same server.

Each backend runs in a child process of this script (Django's settings are per process).
The goal (issue 20): 5,000 open pages on the 2-core machine, every post seen by all within
2 s. Figures depend on the machine's load: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SCRATCH_DB = "fengqiao_live_bench"
POLL_SECONDS = 1.5  # community/views.py POLL_SECONDS, the fallback
CONNECTS_AT_ONCE = 100
MESSAGE_ID = re.compile(rb'"data":\{"id":(\d+)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=5000, help="open group pages (streams)")
    parser.add_argument("--posts", type=int, default=10, help="messages posted")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between posts")
    parser.add_argument(
        "--seconds", type=float, default=30.0, help="wait at most this long for a post to arrive"
    )
    parser.add_argument(
        "--connect-seconds", type=float, default=300.0, help="give up opening pages after"
    )
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--pg-url", default=os.environ.get("FENGQIAO_BENCH_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.posts > 1000 or args.pages > 15000:
        parser.error("--posts at most 1000, --pages at most 15000 (bounded run)")
    raise_file_limit()
    if args.child:
        print(json.dumps(run_backend(args)), flush=True)
        return
    print(f"load before: {load_average()}", flush=True)
    for backend in args.backends:
        result = run_child(backend, args)
        print_result(backend, result, args)
    print(f"load after: {load_average()}", flush=True)


def load_average() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def raise_file_limit() -> None:
    """Every page is a socket, on both ends: this process and the server it starts (which
    inherits the limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def progress(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the parent: one child per backend ----------------------------------------------------


def run_child(backend: str, args: argparse.Namespace) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix=f"fq-live-bench-{backend}-"))
    env = {**os.environ, "FENGQIAO_DATA_DIR": str(data_dir), "FENGQIAO_AXES": "0"}
    env["DJANGO_SETTINGS_MODULE"] = "fengqiao.settings"
    env.pop("DATABASE_URL", None)
    scratch = None
    try:
        if backend == "postgresql":
            scratch, problem = create_scratch_database(args.pg_url)
            if scratch is None:
                return {"skipped": problem}
            env["DATABASE_URL"] = scratch
        command = [sys.executable, __file__, "--child", backend, *child_args(args)]
        done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode or not lines:
            return {"failed": f"child exited {done.returncode}"}
        return json.loads(lines[-1])
    finally:
        if scratch is not None:
            drop_scratch_database(args.pg_url)
        shutil.rmtree(data_dir, ignore_errors=True)


def child_args(args: argparse.Namespace) -> list[str]:
    return [
        "--pages", str(args.pages), "--posts", str(args.posts),
        "--interval", str(args.interval), "--seconds", str(args.seconds),
        "--connect-seconds", str(args.connect_seconds), "--workers", str(args.workers),
    ]  # fmt: skip


def pg_url_for(url: str, dbname: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{dbname}"))


def create_scratch_database(maintenance_url: str) -> tuple[str | None, str]:
    try:
        import psycopg

        with psycopg.connect(maintenance_url, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{SCRATCH_DB}"')
    except Exception as error:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        return None, f"PostgreSQL unreachable at {maintenance_url}: {error}"
    return pg_url_for(maintenance_url, SCRATCH_DB), ""


def drop_scratch_database(maintenance_url: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')


def print_result(backend: str, result: dict, args: argparse.Namespace) -> None:
    print(f"\n== {backend} ==")
    if "skipped" in result or "failed" in result:
        print(f"  {result}")
        return
    print(f"  server: {result['server']}")
    print(
        f"  pages open: {result['pages_open']} of {args.pages} "
        f"(opened in {result['connect_seconds']:.1f} s, "
        f"server CPU {result['cpu_connect']:.1f} s)"
    )
    seen = result["all_seen"]
    verdict = "MET" if seen["max"] <= 2.0 and not result["pages_missed"] else "NOT MET"
    print(
        f"  posts: {result['posts']}; until EVERY page had a post: p50 {seen['p50']:.3f} s, "
        f"p99 {seen['p99']:.3f} s, max {seen['max']:.3f} s "
        f"(goal, all within 2 s: {verdict})"
    )
    each = result["deliveries"]
    print(f"  one page's delivery: p50 {each['p50']:.3f} s, p99 {each['p99']:.3f} s")
    print(f"  pages that missed any post within {args.seconds:.0f} s: {result['pages_missed']}")
    print(
        f"  server CPU while posting: {result['cpu_posting']:.1f} s over "
        f"{result['posting_seconds']:.1f} s wall "
        f"({result['cpu_posting'] / max(result['posting_seconds'], 1e-9):.2f} cores)"
    )
    base = result["baseline"]
    print(
        f"  baseline, polling every {POLL_SECONDS} s instead: {base['requests_per_second']:.0f} "
        f"requests/s for {result['pages_open']} pages; one empty poll costs the server "
        f"{base['cpu_ms_per_poll']:.2f} ms CPU, so {base['cores_needed']:.2f} cores"
    )


# --- the child: one backend ---------------------------------------------------------------


def run_backend(args: argparse.Namespace) -> dict:
    import django

    django.setup()
    from django.db import connection

    from fengqiao.demo.schema import prepare_database

    backend = args.child
    progress(f"{backend}: building the schema")
    prepare_database()
    group, sessions, posters = seed(args.pages, args.posts)
    connection.close()
    port = free_port()
    log_path = Path(os.environ["FENGQIAO_DATA_DIR"]) / "server.log"
    server, description = start_server(backend, port, args.workers, log_path)
    try:
        wait_for(port, server, log_path)
        result = asyncio.run(drive(args, port, group, sessions, posters, server))
        result["server"] = description
        return result
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def seed(pages: int, posts: int):
    """One group in a small place, ``pages`` resident members with sessions; the first
    ``posts`` of them post one message each (the chat's rate limit is per member)."""
    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from fengqiao.community.models import Group, Member
    from fengqiao.places.models import Region

    progress(f"seeding {pages} members with sessions")
    county = Region.objects.create(code="339999", name="压测区", level="county")
    township = Region.objects.create(
        code="339999001", name="压测镇", level="township", parent=county
    )
    village = Region.objects.create(
        code="339999001001", name="压测村", level="community", parent=township
    )
    group = Group.objects.create(
        name="压测居民群", level="community", region=village, scope_path=village.path,
        invite_token=secrets.token_urlsafe(16),
    )  # fmt: skip
    User = get_user_model()  # noqa: N806
    users = User.objects.bulk_create(
        [User(username=f"live-bench-{i}", password="!") for i in range(pages)], batch_size=1000
    )
    Member.objects.bulk_create(
        [Member(group=group, user=u, display_name=f"居民{i}") for i, u in enumerate(users)],
        batch_size=1000,
    )
    expire = timezone.now() + dt.timedelta(days=1)
    backend = "fengqiao.org.permissions.RolePermissionBackend"
    store = SessionStore()
    rows, sessions = [], []
    for user in users:
        key = secrets.token_hex(16)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        sessions.append(key)
    Session.objects.bulk_create(rows, batch_size=1000)
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    return group.pk, sessions, sessions[:posts]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(backend: str, port: int, workers: int, log_path: Path):
    if backend == "sqlite":
        command = [sys.executable, "-m", "uvicorn", "fengqiao.asgi:application"]
        command += ["--port", str(port), "--lifespan", "on", "--log-level", "warning"]
        command += ["--loop", "uvloop", "--http", "httptools", "--backlog", "4096"]
        command += ["--timeout-graceful-shutdown", "5"]  # open streams never end by themselves
        description = "uvicorn, 1 process (in-process channel)"
    else:
        command = [sys.executable, "-m", "gunicorn", "fengqiao.asgi:application"]
        command += ["-k", "uvicorn_worker.UvicornWorker", "-w", str(workers)]
        command += ["-b", f"127.0.0.1:{port}", "--backlog", "4096", "--timeout", "120"]
        command += ["--log-level", "warning"]
        description = f"gunicorn + UvicornWorker, {workers} processes (LISTEN/NOTIFY)"
    log = log_path.open("w")
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    return process, description


def wait_for(port: int, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("server exited:\n" + log_path.read_text()[-3000:])
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.2)
    raise SystemExit("server did not start")


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """utime+stime of the server and its live children (gunicorn's workers), plus the
    reaped children's (cutime+cstime)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [server.pid]
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        pids += [int(pid) for pid in children]
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            # fields[11..14] are utime, stime, cutime, cstime (stat(5), counted after ")")
            total += sum(int(value) for value in fields[11:15]) / tick
    return total


# --- the asyncio client -------------------------------------------------------------------


class Page:
    def __init__(self, index: int):
        self.index = index
        self.arrived: dict[int, float] = {}
        self.open = False


async def open_page(page: Page, port: int, group: int, session: str, ready: asyncio.Event):
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return
    request = (
        f"GET /live/stream?topic=group:{group} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Accept: text/event-stream\r\nCookie: sessionid={session}\r\n\r\n"
    )
    writer.write(request.encode())
    buffer = b""
    try:
        status = await reader.readline()
        if b" 200 " not in status:
            return
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                return
            now = time.monotonic()
            buffer += chunk
            if not page.open and b"event: ready" in buffer:
                page.open = True
                ready.set()
            for found in MESSAGE_ID.finditer(buffer):
                page.arrived.setdefault(int(found.group(1)), now)
            # Keep only an unfinished frame.
            cut = buffer.rfind(b"\n\n")
            if cut >= 0:
                buffer = buffer[cut + 2 :]
    except (OSError, asyncio.CancelledError):
        return
    finally:
        writer.close()


async def drive(args, port: int, group: int, sessions: list[str], posters: list[str], server):
    pages = [Page(i) for i in range(len(sessions))]
    tasks: list[asyncio.Task] = []
    progress(f"opening {len(pages)} pages")
    cpu0, t0 = server_cpu_seconds(server), time.monotonic()
    gate = asyncio.Semaphore(CONNECTS_AT_ONCE)

    async def one(page: Page, session: str) -> None:
        ready = asyncio.Event()
        async with gate:
            task = asyncio.create_task(open_page(page, port, group, session, ready))
            tasks.append(task)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(60):
                    await asyncio.wait(
                        [task, asyncio.create_task(ready.wait())],
                        return_when=asyncio.FIRST_COMPLETED,
                    )

    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(args.connect_seconds):
            await asyncio.gather(*(one(p, s) for p, s in zip(pages, sessions, strict=True)))
    connect_seconds, cpu_connect = time.monotonic() - t0, server_cpu_seconds(server) - cpu0
    open_pages = [p for p in pages if p.open]
    progress(f"{len(open_pages)} pages open in {connect_seconds:.1f} s; posting {len(posters)}")

    # The server's first Django request imports the URLconf and loads templates: not timed.
    await asyncio.to_thread(_http, port, "GET", f"/community/g/{group}/", posters[0])
    cpu1, t1 = server_cpu_seconds(server), time.monotonic()
    sent: dict[int, float] = {}
    for n, session in enumerate(posters):
        client_id = f"livebench{n:04d}{secrets.token_hex(4)}"
        started = time.monotonic()
        status = await asyncio.to_thread(post_message, port, group, session, n, client_id)
        if status != 200:
            log = Path(os.environ["FENGQIAO_DATA_DIR"]) / "server.log"
            progress(f"post {n}: HTTP {status}\n{log.read_text()[-2000:]}")
            continue
        message_id = await asyncio.to_thread(message_id_of, client_id)
        sent[message_id] = started
        await asyncio.sleep(max(0.0, args.interval - (time.monotonic() - started)))
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline and not all(
        all(m in p.arrived for m in sent) for p in open_pages
    ):
        await asyncio.sleep(0.2)
    posting_seconds, cpu_posting = time.monotonic() - t1, server_cpu_seconds(server) - cpu1

    all_seen, deliveries = [], []
    for message_id, started in sent.items():
        times = [p.arrived[message_id] - started for p in open_pages if message_id in p.arrived]
        deliveries += times
        if len(times) == len(open_pages):
            all_seen.append(max(times))
        else:
            all_seen.append(float("inf"))
    missed = sum(1 for p in open_pages if any(m not in p.arrived for m in sent))
    baseline = await asyncio.to_thread(
        poll_baseline, port, group, sessions[-1], server, len(open_pages)
    )
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "pages_open": len(open_pages),
        "connect_seconds": connect_seconds,
        "cpu_connect": cpu_connect,
        "posts": len(sent),
        "all_seen": summary(all_seen),
        "deliveries": summary(deliveries),
        "pages_missed": missed,
        "posting_seconds": posting_seconds,
        "cpu_posting": cpu_posting,
        "baseline": baseline,
    }


def summary(values: list[float]) -> dict:
    if not values:
        return {"p50": float("nan"), "p99": float("nan"), "max": float("nan")}
    ordered = sorted(values)
    return {
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
        "max": ordered[-1],
    }


def _http(port: int, method: str, path: str, session: str, body: str | None = None):
    import http.client

    csrf = secrets.token_hex(16)  # an unmasked 32-character secret, accepted as it is
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {
        "Cookie": f"sessionid={session}; csrftoken={csrf}",
        "X-CSRFToken": csrf,
        "HX-Request": "true",
    }
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def post_message(port: int, group: int, session: str, n: int, client_id: str) -> int:
    from urllib.parse import urlencode

    body = urlencode({"text": f"压测消息 {n}：今晚八点停水，请提前储水。", "client_id": client_id})
    return _http(port, "POST", f"/community/g/{group}/post/", session, body)


def message_id_of(client_id: str) -> int:
    from django.db import connection

    from fengqiao.community.models import Message

    try:
        return Message.objects.get(client_id=client_id).pk
    finally:
        connection.close()


def poll_baseline(port: int, group: int, session: str, server, pages: int) -> dict:
    """What the fallback would cost: N pages / 1.5 s requests per second, and the server
    CPU of one empty poll (a 204), measured here over keep-alive connections."""
    import http.client

    from django.db import connection

    from fengqiao.community.models import Message

    last = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    connection.close()
    path = f"/community/g/{group}/messages/?after={last}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": f"sessionid={session}", "HX-Request": "true"}
    polls = 300
    cpu0 = server_cpu_seconds(server)
    for _ in range(polls):
        conn.request("GET", path, headers=headers)
        conn.getresponse().read()
    cpu = server_cpu_seconds(server) - cpu0
    conn.close()
    per_poll = cpu / polls
    rate = pages / POLL_SECONDS
    return {
        "requests_per_second": rate,
        "cpu_ms_per_poll": per_poll * 1000,
        "cores_needed": per_poll * rate,
    }


if __name__ == "__main__":
    main()
