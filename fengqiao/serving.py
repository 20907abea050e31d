"""``fengqiao serve``: Fengqiao for production (docs/deploy.md).

On PostgreSQL this process binds the port and supervises three kinds of children, all in
its own process group:

- ``web``: gunicorn with ``uvicorn_worker.UvicornWorker`` workers running the ASGI app
  ``fengqiao.asgi:application`` on the socket bound here (``--bind fd://N``), one worker
  per CPU core unless ``--workers`` says otherwise;
- ``tasks``: django-tasks-db's ``fengqiao manage db_worker``, which runs queued tasks (the
  figures' refresh that the web workers hand over among them) at a lower CPU priority;
- ``scheduler``: ``python -m fengqiao.serving scheduler``, the one process that runs the
  periodic jobs (``deliver_outbound`` every 30 s, ``check_deadlines`` and
  ``sweep_import_uploads`` every 10 min), so several web workers never run them twice.

A child that dies is reported and started again; a child that dies five times within a
minute stops the whole service with exit status 1, for systemd (``Restart=on-failure``) to
start it afresh. SIGTERM or SIGINT stop every child gracefully (gunicorn finishes the
requests under way, for up to ``GRACEFUL_SECONDS``) and the command exits 0.

On SQLite there is one process (DESIGN.md §4): uvicorn with one worker, whose thread pool
runs Django's sync views, and the periodic jobs in a thread, as ``fengqiao demo`` does.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

GRACEFUL_SECONDS = 20
# Connections per web worker: its requests' threads and the live hub's few worker threads.
POOL_SIZE = 10
# The task worker's niceness (see ``Supervisor``).
TASKS_NICE = 5
WATCH_EVERY_SECONDS = 600
OUTBOUND_EVERY_SECONDS = 30
# A child that dies this many times within RESTART_WINDOW seconds stops the service.
RESTART_LIMIT = 5
RESTART_WINDOW = 60.0


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
    import django

    django.setup()


def say(message: str, *, error: bool = False) -> None:
    print(message, file=sys.stderr if error else sys.stdout, flush=True)


# --- the command -----------------------------------------------------------------------


def serve(*, host: str, port: int, workers: int | None, tasks: bool, migrate: bool) -> int:
    """Serve Fengqiao on host:port until stopped; the exit status.

    Refuses (status 1, the reason on stderr) a port it cannot bind and a database with
    unapplied migrations (unless ``migrate``); never loads demo data."""
    # The port first, before Django's imports: a busy port fails in a moment.
    listener = bind(host, port)
    if listener is None:
        return 1
    _setup_django()
    from django.db import OperationalError, connection

    try:
        ready = database_is_ready(migrate=migrate)
    except OperationalError as error:
        ready = False
        say(
            f"无法连接数据库：{error}\n请检查 DATABASE_URL 和数据库服务器。\n"
            f"Cannot reach the database: check DATABASE_URL and the database server.",
            error=True,
        )
    if not ready:
        listener.close()
        return 1
    report_deployment_check(host)
    prepare_triage()
    if connection.vendor == "sqlite":
        if workers not in (None, 1):
            say(f"SQLite：忽略 --workers {workers} / SQLite: --workers {workers} is ignored")
        connection.close()
        return serve_one_process(listener, host=host, port=port, tasks=tasks)
    connection.close()
    count, why = worker_count(workers)
    return Supervisor(listener, host=host, port=port, workers=count, why=why, tasks=tasks).run()


def prepare_triage() -> None:
    """Train (or load) triage's model before serving, so its cache on disk is ready: without
    it the first report in each worker trained it, seconds of CPU inside a request."""
    from fengqiao.triage import model

    model.current()
    say("分级模型已就绪 / triage model ready")


def warm_and_freeze() -> None:
    """Before serving (in gunicorn's master, before it forks the workers): load triage's
    model and word lists, which a worker would otherwise load inside its first report, then
    move every object alive now out of the garbage collector's reach (``gc.freeze``).

    A worker holds some 400,000 long-lived objects (Django, the app, the model); each full
    collection walked them all, about 100 ms of one request thread's time holding the
    GIL, and a request paused so may hold the county's case-number row meanwhile, which
    every other new case waits for. Frozen, they are never walked again, and forked workers
    share their pages instead of copying them when the collector touches them."""
    from fengqiao import triage

    triage.classify("楼上漏水，邻居不肯修，双方吵了起来")
    gc.freeze()


def bind(host: str, port: int) -> socket.socket | None:
    """A listening socket on host:port, or None with the reason printed (bilingual)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
        listener.listen(2048)
    except OSError as error:
        listener.close()
        say(
            f"无法在 {host}:{port} 上启动：{error.strerror or error}。"
            f"端口可能已被占用，请用 --port 换一个端口。\n"
            f"Cannot serve on {host}:{port}: the port may be in use; choose another with --port.",
            error=True,
        )
        return None
    return listener


def database_is_ready(*, migrate: bool) -> bool:
    """True when every migration is applied (after applying them, with ``migrate``); else
    False with the hint printed. An empty SQLite database gets the fast schema build."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from fengqiao.demo.schema import prepare_database

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not pending:
        return True
    if migrate:
        say(f"正在应用 {len(pending)} 个数据库迁移 / applying {len(pending)} migrations …")
        prepare_database()
        return True
    say(
        f"数据库有 {len(pending)} 个迁移尚未应用：请先运行 fengqiao manage migrate"
        f"（或加 --migrate）。\n"
        f"The database has {len(pending)} unapplied migrations: run `fengqiao manage migrate` "
        f"first (or add --migrate).",
        error=True,
    )
    return False


def report_deployment_check(host: str) -> None:
    """Say what ``fengqiao manage check --deploy`` would complain about; serve anyway (the
    benches and a first look run on 127.0.0.1 without production settings)."""
    from django.core import checks

    problems = [
        message
        # Only the security checks: the rest of the system checks take seconds at every
        # start and have nothing to say about deployment.
        for message in checks.run_checks(
            tags=[checks.Tags.security], include_deployment_checks=True
        )
        if message.level >= checks.WARNING and not message.is_silenced()
    ]
    if not problems:
        return
    ids = ", ".join(sorted({message.id or "?" for message in problems}))
    say(
        f"生产设置检查有 {len(problems)} 项未通过（{ids}）：详见 fengqiao manage check --deploy"
        f" 和 docs/deploy.md（FENGQIAO_HTTPS、FENGQIAO_ALLOWED_HOSTS、FENGQIAO_SECRET_KEY）。\n"
        f"check --deploy reports {len(problems)} problems ({ids}): see "
        f"`fengqiao manage check --deploy` and docs/deploy.md.",
        error=True,
    )
    if host not in {"127.0.0.1", "localhost", "::1"}:
        say(
            f"注意：正在 {host} 上对外服务，但生产设置不完整。 / "
            f"Note: serving on {host} without complete production settings.",
            error=True,
        )


def worker_count(requested: int | None) -> tuple[int, str]:
    """How many web workers, and why (for the screen)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cores = cores or 1
    if requested is not None:
        return requested, f"--workers {requested}"
    # Django's views are CPU-bound Python: one worker per core uses every core; within a
    # worker each request has a thread of its own, so waits on the database overlap.
    return cores, f"本机 {cores} 个 CPU 核，每核一个 / one per CPU core ({cores})"


class StopRequest:
    """A stop asked for by a signal. A plain attribute, not a ``threading.Event``: ``set()``
    takes a lock, and a second signal arriving inside the first handler (Ctrl+C's SIGINT,
    then our SIGTERM) would wait on that lock forever."""

    def __init__(self) -> None:
        self.requested = False

    def set(self, *signal_args) -> None:
        self.requested = True

    def is_set(self) -> bool:
        return self.requested

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, waking within half a second of a stop; whether stopped."""
        end = time.monotonic() + seconds
        while not self.requested and (left := end - time.monotonic()) > 0:
            time.sleep(min(0.5, left))
        return self.requested

    def on_signals(self) -> StopRequest:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self.set)
        return self


# --- SQLite: one process ---------------------------------------------------------------


class _Stop(Exception):
    """SIGTERM, raised where uvicorn hands the signal back after its graceful shutdown."""


def serve_one_process(listener: socket.socket, *, host: str, port: int, tasks: bool) -> int:
    import uvicorn

    say(
        "SQLite：单进程运行；更多用户请使用 PostgreSQL（DATABASE_URL） / "
        "SQLite: one process; for more users use PostgreSQL (DATABASE_URL)"
    )
    if tasks:
        threading.Thread(
            target=run_periodic_jobs, args=(threading.Event(),), name="periodic-jobs", daemon=True
        ).start()
        say("定时任务：本进程内的线程 / periodic jobs: a thread in this process")
    config = uvicorn.Config(
        "fengqiao.asgi:application",
        # The lifespan starts and stops the live hub (fengqiao.asgi wraps Django with it).
        lifespan="on",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )
    config.load()  # import the app now, so "serving" below is true when it is printed
    warm_and_freeze()
    server = uvicorn.Server(config)

    def stop(signum, frame):
        raise _Stop

    # uvicorn takes SIGINT/SIGTERM while it runs and raises them again once it has shut
    # down gracefully: this handler turns that SIGTERM into a clean exit.
    signal.signal(signal.SIGTERM, stop)
    say(f"枫桥已启动 / Fengqiao is serving at http://{_url_host(host)}:{port}/  (Ctrl+C 停止)")
    with contextlib.suppress(KeyboardInterrupt, _Stop):
        server.run(sockets=[listener])
    say("已停止 / stopped")
    return 0


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


# --- the periodic jobs ------------------------------------------------------------------


def run_periodic_jobs(stop: threading.Event | StopRequest) -> None:
    """Until ``stop`` is set: send due outbound pushes every 30 s; every ten minutes run
    the deadline watcher and the retention sweep of uploaded import files. A failed round
    is logged and the next one runs anyway."""
    import logging

    from django.db import close_old_connections

    from fengqiao.audit.context import origin
    from fengqiao.community.bridge import deliver_due
    from fengqiao.disputes.deadlines import check_deadlines
    from fengqiao.registry.imports.jobs import sweep_uploads

    rounds = 0
    while not stop.wait(OUTBOUND_EVERY_SECONDS):
        rounds += 1
        jobs = [("deliver_outbound", deliver_due)]
        if rounds % (WATCH_EVERY_SECONDS // OUTBOUND_EVERY_SECONDS) == 0:
            jobs.append(("check_deadlines", check_deadlines))
            jobs.append(("sweep_import_uploads", sweep_uploads))
        for name, job in jobs:
            try:
                with origin(f"task {name}"):
                    job()
            except Exception:  # noqa: BLE001 — a failed round must not stop the next one
                logging.getLogger("fengqiao").exception("%s failed", name)
            finally:
                close_old_connections()


def scheduler_main() -> int:
    """The ``scheduler`` child: the periodic jobs until SIGTERM or SIGINT."""
    stop = StopRequest().on_signals()  # before the slow setup: a stop then is kept too
    _setup_django()
    run_periodic_jobs(stop)
    return 0


# --- PostgreSQL: the supervisor ---------------------------------------------------------


@dataclass
class Child:
    name: str
    argv: list[str]
    pass_fds: tuple[int, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    nice: int = 0
    process: subprocess.Popen | None = None
    deaths: list[float] = field(default_factory=list)

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.argv, pass_fds=self.pass_fds, env={**os.environ, **self.env}
        )
        if self.nice:
            # Set from here rather than in the child before it runs (``preexec_fn`` is not
            # safe in a process with threads); only its first moments run at ours.
            own = os.getpriority(os.PRIO_PROCESS, 0)
            os.setpriority(os.PRIO_PROCESS, self.process.pid, own + self.nice)

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()


class Supervisor:
    """Starts the children, restarts one that dies, stops them all on SIGTERM/SIGINT."""

    def __init__(
        self,
        listener: socket.socket,
        *,
        host: str,
        port: int,
        workers: int,
        why: str,
        tasks: bool,
    ) -> None:
        self.listener = listener
        self.host, self.port = host, port
        self.workers, self.why = workers, why
        self.stopping = StopRequest()
        fd = listener.fileno()
        python = sys.executable
        self.children = [
            Child(
                "web",
                [
                    python,
                    "-m",
                    "gunicorn",
                    "fengqiao.asgi:application",
                    "--worker-class",
                    "uvicorn_worker.UvicornWorker",
                    "--workers",
                    str(workers),
                    "--bind",
                    f"fd://{fd}",
                    "--graceful-timeout",
                    str(GRACEFUL_SECONDS),
                    # A worker busy past this is killed and replaced (gunicorn's 30 s default
                    # is short for a loaded machine's first requests).
                    "--timeout",
                    "120",
                    "--name",
                    "fengqiao",
                    "--config",
                    "python:fengqiao.gunicorn_hooks",
                    # Several servers may share a machine (benches, tests): no shared
                    # ~/.gunicorn control socket.
                    "--no-control-socket",
                    # Import the app once in the master and fork the workers from it: they
                    # boot in a moment (also when one is replaced) and share its memory.
                    # Importing opens no database connection and starts no thread.
                    "--preload",
                ],
                pass_fds=(fd,),
                # Django under ASGI runs each request in a thread of its own: a connection
                # kept for the next request is never reused there, only left open. A pool
                # per worker lends one to each request instead of opening a new one.
                env={
                    "FENGQIAO_CONN_MAX_AGE": "0",
                    "FENGQIAO_DB_POOL": str(POOL_SIZE),
                    # The figures' refresh after each second of commits goes to the task
                    # worker, when there is one: web workers keep their CPU for requests.
                    **({"FENGQIAO_FACTS_BY": "tasks"} if tasks else {}),
                },
            )
        ]
        if tasks:
            self.children += [
                Child(
                    "tasks",
                    [python, "-m", "fengqiao.cli", "manage", "db_worker"],
                    # Behind the web workers for the CPU: a report is answered first, the
                    # figures it changes follow when a core is free.
                    nice=TASKS_NICE,
                ),
                Child("scheduler", [python, "-m", "fengqiao.serving", "scheduler"]),
            ]

    def run(self) -> int:
        self.stopping.on_signals()
        say(f"PostgreSQL：{self.workers} 个 Web 进程（{self.why}）/ {self.workers} web workers")
        if len(self.children) > 1:
            say(
                "另有任务进程（db_worker）和定时任务进程（scheduler） / "
                "plus the task worker (db_worker) and the scheduler"
            )
        else:
            say("--no-tasks：不启动任务进程和定时任务 / no task worker, no scheduler")
        for child in self.children:
            child.start()
        say(
            f"枫桥已启动 / Fengqiao is serving at http://{_url_host(self.host)}:{self.port}/"
            f"  (Ctrl+C 停止)"
        )
        status = 0
        while not self.stopping.wait(0.5):
            if not self.restart_dead_children():
                status = 1
                break
        self.stop_all()
        say("已停止 / stopped")
        return status

    def restart_dead_children(self) -> bool:
        """Start again each child that exited; False when one keeps dying."""
        now = time.monotonic()
        for child in self.children:
            code = child.exited()
            if code is None or self.stopping.is_set():
                continue
            child.deaths = [t for t in child.deaths if now - t < RESTART_WINDOW] + [now]
            if len(child.deaths) >= RESTART_LIMIT:
                say(
                    f"{child.name} 在 {RESTART_WINDOW:.0f} 秒内退出了 {RESTART_LIMIT} 次，"
                    f"服务停止。 / {child.name} exited {RESTART_LIMIT} times within "
                    f"{RESTART_WINDOW:.0f} s: stopping (exit status 1).",
                    error=True,
                )
                return False
            say(
                f"{child.name} 已退出（状态 {code}），正在重启 / "
                f"{child.name} exited (status {code}): restarting",
                error=True,
            )
            child.start()
        return True

    def stop_all(self) -> None:
        running = [c for c in self.children if c.process and c.process.poll() is None]
        for child in running:
            child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACEFUL_SECONDS + 5
        for child in running:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{child.name} 未按时退出，强制结束 / {child.name} killed", error=True)
                child.process.kill()
                child.process.wait()
        self.listener.close()


if __name__ == "__main__":
    if sys.argv[1:] == ["scheduler"]:
        sys.exit(scheduler_main())
    sys.exit("usage: python -m fengqiao.serving scheduler")
