"""The README's first command, for real: `fengqiao demo` starts, loads and serves."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from fengqiao.cli import main


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_fengqiao_demo_serves_the_login_page_in_chinese(tmp_path):
    port = _free_port()
    env = {**os.environ, "FENGQIAO_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)  # the demo is the embedded SQLite start
    process = subprocess.Popen(
        [sys.executable, "-m", "fengqiao.cli", "demo", "--port", str(port), "--scale", "0.02"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as reply:
                    page = reply.read().decode()
                break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "fengqiao demo did not serve in 90 s"
                time.sleep(0.5)
        assert "登录" in page
        assert (tmp_path / "fengqiao.sqlite3").exists()
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
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
