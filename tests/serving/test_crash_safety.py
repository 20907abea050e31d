"""Crash safety: the server killed (SIGKILL) in the middle of a burst of report POSTs loses
no report and makes none twice, once every unanswered request is sent again with its key.

On the SQLite leg the single process is killed; on the PostgreSQL leg the whole process
group (the supervisor, gunicorn's master and its workers) at once.
"""

from __future__ import annotations

import http.client
import re
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.serving.server import Server, build_place, on_postgresql, post_report, server_env

BURST = 60
KILL_AFTER = BURST // 4  # answers received before the kill
KEY_IN_TEXT = re.compile(r"编号 ([A-Za-z0-9_-]+)")


def _all_reports(server: Server, token: str) -> list[dict]:
    rows, page = [], 1
    while True:
        status, body = server.request(
            "GET", f"/api/v1/reports/?page={page}", headers={"Authorization": f"Token {token}"}
        )
        assert status == 200, body
        rows += body["results"]
        if not body["next"]:
            return rows
        page += 1


@pytest.mark.usefixtures("transactional_db")
def test_a_killed_server_loses_no_report_and_makes_none_twice(tmp_path):
    env = server_env(tmp_path / "data")
    token = build_place(env)
    args = ("--no-tasks", "--workers", "2") if on_postgresql() else ("--no-tasks",)
    keys = [f"crash-{n:03d}-{uuid.uuid4().hex[:8]}" for n in range(BURST)]
    answered: dict[str, str] = {}
    lock = threading.Lock()
    enough = threading.Event()

    def send(key: str) -> None:
        try:
            status, body = post_report(server, token, key)
        except (OSError, http.client.HTTPException, ValueError) as error:
            # No answer (refused, reset) or one cut short.
            if not enough.is_set():
                raise AssertionError(f"{key}: no answer before the kill ({error!r})") from None
            return
        assert status == 201, (key, status, body)
        with lock:
            answered[key] = body["tracking_code"]
            if len(answered) >= KILL_AFTER:
                enough.set()

    server = Server(env, tmp_path / "serve.log", *args)
    with server:
        server.wait_until_serving()
        with ThreadPoolExecutor(max_workers=8) as pool:
            sent = [pool.submit(send, key) for key in keys]
            assert enough.wait(120), server.log()
            server.kill()
            for future in sent:
                future.result()
    assert 0 < len(answered) < BURST, "the kill did not land in the middle of the burst"

    again = Server(env, tmp_path / "serve.log", *args, port=server.port)
    with again:
        again.wait_until_serving()
        replayed_after_commit = 0
        for key in keys:
            if key in answered:
                continue
            status, body = post_report(again, token, key)
            assert status in (200, 201), (key, status, body)
            replayed_after_commit += status == 200
            answered[key] = body["tracking_code"]
        # A replayed key answers with the report it made, whether or not its answer got out.
        for key in keys[:3] + keys[-3:]:
            status, body = post_report(again, token, key)
            assert (status, body["tracking_code"]) == (200, answered[key])
        rows = _all_reports(again, token)

    per_key = Counter(KEY_IN_TEXT.search(row["text"]).group(1) for row in rows)
    lost = [key for key in keys if per_key[key] == 0]
    twice = [key for key, count in per_key.items() if count > 1]
    assert (lost, twice) == ([], []), f"{replayed_after_commit} were committed unanswered"
    assert len(rows) == BURST
    assert {KEY_IN_TEXT.search(r["text"]).group(1): r["tracking_code"] for r in rows} == answered
