"""The README's first command, for real: `fengqiao demo` starts, loads and serves."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from fengqiao.cli import main


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ungraded_recent_reports(database, *, wait: float) -> int:
    """The reports of the last two months without triage's reading, once there are none or
    after ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        with sqlite3.connect(database) as db:
            recent = "created_at >= datetime('now', '-59 days')"
            ungraded, graded = db.execute(
                f"SELECT SUM(triage IS NULL), SUM(triage IS NOT NULL) FROM intake_report "
                f"WHERE {recent}"
            ).fetchone()
        assert graded is not None, "the demo has no recent reports"
        if not ungraded or time.monotonic() > deadline:
            return ungraded
        time.sleep(1)


def test_fengqiao_demo_serves_the_login_page_in_chinese(tmp_path):
    port = _free_port()
    env = {**os.environ, "FENGQIAO_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)  # the demo is the embedded SQLite start
    # The demo's output goes to a file, not a pipe: a server logging errors into a pipe no
    # one reads would block once the pipe is full, and the test would hang instead of fail.
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "fengqiao.cli", "demo", "--port", str(port), "--scale", "0.02"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                url = f"http://127.0.0.1:{port}/accounts/login/"
                with urllib.request.urlopen(url, timeout=30) as reply:
                    page = reply.read().decode()
                break
            except urllib.error.HTTPError as error:
                # The server answered, with an error: that is a failure, not "not yet up".
                raise AssertionError(f"HTTP {error.code}\n{log.read_text()}") from None
            except OSError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "fengqiao demo did not serve in 90 s"
                time.sleep(0.5)
        assert "登录" in page
        assert (tmp_path / "fengqiao.sqlite3").exists()
        # Served before triage's model is ready: the recent reports are graded after.
        assert _ungraded_recent_reports(tmp_path / "fengqiao.sqlite3", wait=90) == 0
    finally:
        process.terminate()
        process.wait(timeout=30)
    output = log.read_text()
    assert "演示账号" in output and "police" in output


def test_a_busy_port_is_refused_at_once_with_a_hint(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["demo", "--port", str(port)]) == 1
    assert "--port" in capsys.readouterr().err


@pytest.mark.parametrize("port", ["0", "70000", "http"])
def test_a_bad_port_is_refused_by_the_command_line(port, capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--port", port])
    assert "端口" in capsys.readouterr().err
