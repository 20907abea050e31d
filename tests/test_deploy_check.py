"""Served over HTTPS, Django's deployment checklist has nothing to say."""

from __future__ import annotations

import os
import subprocess
import sys


def test_check_deploy_is_clean_with_https_on(tmp_path):
    env = {
        **os.environ,
        "FENGQIAO_HTTPS": "1",
        "FENGQIAO_DATA_DIR": str(tmp_path),
        "FENGQIAO_ALLOWED_HOSTS": "fengqiao.example.gov.cn",
    }
    for development_only in ("FENGQIAO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(development_only, None)  # the browser tests set the latter for themselves
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "fengqiao.cli",
            "manage",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
