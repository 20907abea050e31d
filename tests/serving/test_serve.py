"""``fengqiao serve``: one process on SQLite, workers plus the task worker on PostgreSQL;
refuses a busy port, an unmigrated database and bad arguments with a clear message."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import pytest

from fengqiao.cli import main
from tests.serving.server import (
    ROOT,
    Server,
    build_place,
    free_port,
    on_postgresql,
    post_report,
    server_env,
)

# --- arguments and refusals (any leg) ---------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--workers", "0"], "--workers"),
        (["--workers", "many"], "--workers"),
        (["--port", "abc"], "端口"),
        (["--port", "70000"], "端口"),
    ],
)
def test_bad_arguments_are_refused_naming_the_argument(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["serve", *argv])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_a_busy_port_is_refused_at_once_with_a_hint(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert "端口可能已被占用" in err and "--port" in err


def test_a_database_with_unapplied_migrations_is_refused_with_the_hint(tmp_path):
    env = server_env(tmp_path / "data")
    env.pop("DATABASE_URL", None)  # a new embedded database: nothing applied yet
    done = subprocess.run(
        [sys.executable, "-m", "fengqiao.cli", "serve", "--port", str(free_port())],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "fengqiao manage migrate" in done.stderr and "--migrate" in done.stderr
    assert "枫桥已启动" not in done.stdout


def test_an_unreachable_database_is_refused_with_the_hint(tmp_path):
    env = server_env(tmp_path / "data")
    env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{free_port()}/nothing"
    done = subprocess.run(
        [sys.executable, "-m", "fengqiao.cli", "serve", "--port", str(free_port())],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "无法连接数据库" in done.stderr and "DATABASE_URL" in done.stderr


def test_the_master_loads_triage_and_freezes_what_it_holds_before_forking(tmp_path):
    """gunicorn's master runs ``when_ready`` after importing the app: triage's model is
    loaded there (no worker trains or loads it inside a report) and the objects alive
    then are frozen, out of every full garbage collection's walk in the workers."""
    probe = (
        "import gc, django; django.setup()\n"
        "from fengqiao import gunicorn_hooks\n"
        "from fengqiao.triage import model\n"
        "before = gc.get_freeze_count()\n"
        "gunicorn_hooks.when_ready(None)\n"
        "print(before, gc.get_freeze_count(), model._loaded is not None)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**server_env(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "fengqiao.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    before, frozen, loaded = done.stdout.split()[-3:]
    assert int(before) == 0 and int(frozen) > 100_000 and loaded == "True"


# --- serving on the leg's database ------------------------------------------------------


@pytest.mark.skipif(on_postgresql(), reason="the SQLite leg's single process")
def test_on_sqlite_one_process_serves_and_stops_on_sigterm(tmp_path):
    env = server_env(tmp_path / "data")
    with Server(env, tmp_path / "serve.log", "--migrate", "--workers", "3") as server:
        server.wait_until_serving()
        status, page = server.request("GET", "/accounts/login/")
        assert status == 200 and "登录" in page
        assert len(server.group()) == 1, server.group()
        assert server.stop(signal.SIGTERM) == 0
    log = server.log()
    assert "SQLite：单进程运行；更多用户请使用 PostgreSQL（DATABASE_URL）" in log
    assert "--workers 3" in log  # said to be ignored
    assert f"http://127.0.0.1:{server.port}/" in log and "已停止 / stopped" in log


@pytest.mark.skipif(not on_postgresql(), reason="the PostgreSQL leg's worker processes")
@pytest.mark.usefixtures("transactional_db")
def test_on_postgresql_workers_and_the_task_worker_run_a_queued_task(tmp_path):
    from django_tasks.base import TaskResultStatus

    from fengqiao.disputes.tasks import watch_deadlines

    env = server_env(tmp_path / "data")
    with Server(env, tmp_path / "serve.log", "--workers", "3") as server:
        server.wait_until_serving()
        status, page = server.request("GET", "/accounts/login/")
        assert status == 200 and "登录" in page
        group = server.group()
        workers = [line for line in group if "gunicorn" in line]
        assert len(workers) == 1 + 3, group  # gunicorn's master and three workers
        assert sum("db_worker" in line for line in group) == 1, group
        assert sum("fengqiao.serving scheduler" in line for line in group) == 1, group

        queued = watch_deadlines.enqueue()
        deadline = time.monotonic() + 120
        while queued.status in (TaskResultStatus.READY, TaskResultStatus.RUNNING):
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.5)
            queued.refresh()
        assert queued.status == TaskResultStatus.SUCCESSFUL, server.log()
        assert set(queued.return_value) >= {"flagged", "escalated"}

        assert server.stop(signal.SIGTERM) == 0
        assert server.group() == []
    log = server.log()
    assert "3 个 Web 进程（--workers 3）" in log and "已停止 / stopped" in log


@pytest.mark.skipif(not on_postgresql(), reason="the PostgreSQL leg's task worker")
@pytest.mark.usefixtures("transactional_db")
def test_on_postgresql_a_report_s_figures_are_refreshed_by_the_niced_task_worker(tmp_path):
    """The web workers hand the figures' refresh to the task worker, which runs behind them
    for the CPU (a higher niceness): the report's figure appears all the same."""
    from django_tasks_db.models import DBTaskResult

    from fengqiao.analytics.models import DailyFact

    env = server_env(tmp_path / "data")
    token = build_place(env)
    with Server(env, tmp_path / "serve.log", "--workers", "2") as server:
        server.wait_until_serving()
        niceness = server.niceness()
        (worker,) = [nice for line, nice in niceness.items() if "db_worker" in line]
        web = [nice for line, nice in niceness.items() if "gunicorn" in line]
        assert web and all(worker > nice for nice in web), niceness
        status, body = post_report(server, token, "figures-1")  # a dispute
        assert status == 201, body
        deadline = time.monotonic() + 120
        while not DailyFact.objects.filter(category="neighbourhood", reports=1).exists():
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.5)
        refreshes = DBTaskResult.objects.filter(task_path="fengqiao.analytics.facts.refresh_facts")
        assert refreshes.filter(status="SUCCESSFUL").exists(), list(refreshes.values())
        assert server.stop(signal.SIGTERM) == 0
