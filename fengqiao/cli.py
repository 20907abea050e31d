"""The ``fengqiao`` console script: ``fengqiao demo``, ``fengqiao serve``,
``fengqiao manage ...``, ``fengqiao triage``."""

from __future__ import annotations

import argparse
import os
import sys


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
    import django

    django.setup()


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"端口必须是数字 / port must be a number: {value!r}"
        ) from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"端口必须在 1–65535 之间 / port out of range: {port}")
    return port


def _scale(value: str) -> float:
    try:
        scale = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"规模必须是数字 / scale must be a number: {value!r}"
        ) from None
    if not 0.01 <= scale <= 50:
        raise argparse.ArgumentTypeError(f"规模必须在 0.01–50 之间 / scale out of range: {scale}")
    return scale


def _workers(value: str) -> int:
    try:
        workers = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"进程数必须是整数 / --workers must be a whole number: {value!r}"
        ) from None
    if not 1 <= workers <= 256:
        raise argparse.ArgumentTypeError(
            f"进程数必须在 1–256 之间 / --workers out of range (1–256): {workers}"
        )
    return workers


def serve(args: argparse.Namespace) -> int:
    from fengqiao.serving import serve

    return serve(
        host=args.host,
        port=args.port,
        workers=args.workers,
        tasks=not args.no_tasks,
        migrate=args.migrate,
    )


def demo(args: argparse.Namespace) -> int:
    _setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from fengqiao.demo.schema import prepare_database

    # Take the port first: a busy port should fail in a second, not after the load.
    server = _bind(args.host, args.port)
    if server is None:
        return 1
    print(f"数据目录 / data directory: {settings.DATA_DIR}", flush=True)
    first_start = _begin_first_start(settings)
    if first_start is not None:
        # All or nothing (the marker rebuilds an interrupted first start), so the one-time
        # load need not wait for the disk at every checkpoint; made durable before serving.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
    prepare_database()
    call_command("load_demo", scale=args.scale, verbosity=1, triage_later=first_start is not None)
    if first_start is not None:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        first_start.unlink()
        _triage_when_ready()
    _start_deadline_watcher()
    print(
        f"枫桥已启动 / Fengqiao is serving at http://{args.host}:{args.port}/  (Ctrl+C 停止)",
        flush=True,
    )
    try:
        server.run()
    except KeyboardInterrupt:
        print("已停止 / stopped")
    return 0


FIRST_START_MARKER = "demo-first-start-unfinished"


def _begin_first_start(settings):
    """The marker of a first start under way (its path), or None on a later start.

    The embedded database is new on a first start: a marker stays in the data directory
    until the demo county is loaded, so a start that was interrupted (Ctrl+C, a crash, a full
    disk) is found on the next one and the half-written database is built again, not served.
    """
    from django.db import connections

    marker = settings.DATA_DIR / FIRST_START_MARKER
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return None
    path = settings.DATA_DIR / str(database["NAME"])  # NAME is absolute: the join keeps it
    if marker.exists():
        print(
            "上次首次启动未完成，重新建立演示数据库 / "
            "the last first start did not finish: building the demo database again",
            flush=True,
        )
        connections.close_all()
        for leftover in (
            path,
            path.with_name(path.name + "-wal"),
            path.with_name(path.name + "-shm"),
        ):
            leftover.unlink(missing_ok=True)
    elif path.exists():
        return None
    marker.write_text("fengqiao demo: first start under way\n")
    return marker


def _triage_when_ready() -> None:
    """Triage's model trains in a child process while the demo already serves, and the
    demo's recent reports are graded once it is ready (about 20 s on a first start).

    Trained beside the county's load it only took the load's CPU: two busy processes on this
    machine's two cores each ran at about half speed. A report sent meanwhile waits for the
    model (``triage.model`` reads the cache the child writes) instead of training it again."""
    import logging
    import threading

    from django.db import connection

    from fengqiao.demo.cases import grade_recent
    from fengqiao.triage import model

    log = logging.getLogger("fengqiao.demo")

    def grade() -> None:
        warming = model.warm_in_background()
        if warming is not None:
            warming.wait()
        try:
            grade_recent()
        except Exception:  # the demo serves on; these reports stay ungraded
            log.exception("grading the demo's recent reports failed")
        finally:
            connection.close()

    threading.Thread(target=grade, name="demo-triage", daemon=True).start()


def _start_deadline_watcher() -> None:
    """The one-machine demo has no task worker or cron: a thread runs the periodic jobs
    (deadline watcher, outbound pushes, import upload sweep; ``fengqiao serve`` runs them in
    its scheduler)."""
    import threading

    from fengqiao.serving import run_periodic_jobs

    threading.Thread(
        target=run_periodic_jobs, args=(threading.Event(),), name="deadline-watcher", daemon=True
    ).start()


def _bind(host: str, port: int):
    """A waitress server listening on host:port, or None (with the reason printed)."""
    from waitress.server import create_server

    from fengqiao.wsgi import application

    # One process, a few threads: the embedded SQLite is happiest that way (DESIGN.md §4).
    try:
        return create_server(application, host=host, port=port, threads=6, ident="fengqiao")
    except OSError as error:
        print(
            f"无法在 {host}:{port} 上启动：{error.strerror or error}。"
            f"端口可能已被占用，请用 --port 换一个端口。\n"
            f"Cannot serve on {host}:{port}: the port may be in use; choose another with --port.",
            file=sys.stderr,
        )
        return None


def manage(argv: list[str]) -> int:
    _setup_django()
    from django.core.management import execute_from_command_line

    from fengqiao.audit.context import origin

    with origin(f"command {argv[0] if argv else 'help'}"):
        execute_from_command_line(["fengqiao manage", *argv])
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "manage":
        return manage(argv[1:])
    parser = argparse.ArgumentParser(
        prog="fengqiao", description="枫桥：社区警务与矛盾纠纷化解平台 / Fengqiao"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="运行演示县 / run the demo county")
    demo_parser.add_argument("--port", type=_port, default=8000)
    demo_parser.add_argument("--host", default="127.0.0.1")
    demo_parser.add_argument(
        "--scale", type=_scale, default=1.0, help="演示县规模（首次启动时） / demo county size"
    )
    serve_parser = commands.add_parser(
        "serve",
        help="生产运行（PostgreSQL：多进程） / serve for production",
        description="PostgreSQL (DATABASE_URL): gunicorn with uvicorn workers, the task worker "
        "and the scheduler; SQLite: one process. See docs/deploy.md.",
    )
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=_port, default=8000)
    serve_parser.add_argument(
        "--workers", type=_workers, default=None, help="Web 进程数 / web workers (default: cores)"
    )
    serve_parser.add_argument(
        "--no-tasks",
        action="store_true",
        help="不启动任务进程和定时任务 / no task worker or periodic jobs (benches, tests)",
    )
    serve_parser.add_argument(
        "--migrate", action="store_true", help="先应用数据库迁移 / apply migrations first"
    )
    commands.add_parser("manage", help="Django manage.py")
    commands.add_parser(
        "triage",
        help="分级：标准输入 JSON Lines → 标准输出 / grade JSON Lines from stdin",
        description='Each stdin line {"id", "text", "lang"?} gets one stdout line '
        '{"id", "category", "risk", "dispatch", "level", "signals"}, '
        'or {"id", "error"}.',
    )
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo(args)
    if args.command == "serve":
        return serve(args)
    if args.command == "triage":
        from fengqiao.triage.cli import run

        run(sys.stdin.buffer, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
