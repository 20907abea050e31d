"""The outbound bridge against a real HTTP server on 127.0.0.1: what is posted, what counts
as failure, retries with backoff, giving up, and that nothing is queued or sent twice."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.utils import timezone

from fengqiao.community import bridge
from fengqiao.community.models import OutboundDelivery, OutboundTarget


class Robot:
    """A group robot's webhook: records each POST and answers as told."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict]] = []  # consumed first; then 200 errcode 0
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                robot.requests.append(
                    {"path": self.path, "type": self.headers["Content-Type"], "body": body}
                )
                status, answer = robot.answers.pop(0) if robot.answers else (200, {"errcode": 0})
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send?key=test"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def fail_next(self, times: int, status: int = 500, answer: dict | None = None) -> None:
        self.answers.extend([(status, answer or {"errmsg": "boom"})] * times)

    def payloads(self) -> list[dict]:
        return [json.loads(request["body"]) for request in self.requests]


@pytest.fixture
def robot():
    robot = Robot()
    robot.thread.start()
    yield robot
    robot.server.shutdown()
    robot.server.server_close()


@pytest.fixture
def county_robot(world, robot):
    return OutboundTarget.objects.create(name="县指挥中心群", url=robot.url, region=world.county)


def _push(region, source="broadcast:1", **fields):
    return bridge.push(
        source=source,
        title=fields.get("title", "反诈提醒"),
        text=fields.get("text", "近期冒充客服退款诈骗高发，请勿转账。"),
        region_path=region.path,
    )


def _later(minutes: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)


def test_a_push_is_queued_not_sent_and_a_round_posts_markdown_json(world, robot, county_robot):
    assert _push(world.community_a) == 1
    assert robot.requests == []
    assert bridge.deliver_due() == {"sent": 1, "retrying": 0, "failed": 0, "skipped": 0}
    [request] = robot.requests
    assert request["path"] == "/send?key=test"
    assert request["type"].startswith("application/json")
    assert json.loads(request["body"]) == {
        "msgtype": "markdown",
        "markdown": {"content": "**反诈提醒**\n\n近期冒充客服退款诈骗高发，请勿转账。"},
    }
    delivery = OutboundDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    assert delivery.sent_at is not None


def test_a_plain_text_push_posts_a_text_message(world, robot, county_robot):
    bridge.push(
        source="alert:1",
        title="寻人",
        text="请留意",
        region_path=world.grid_a1.path,
        markdown=False,
    )
    bridge.deliver_due()
    assert robot.payloads() == [{"msgtype": "text", "text": {"content": "寻人\n请留意"}}]


def test_a_push_reaches_targets_above_and_inside_its_region_but_not_beside_it(world, robot):
    def target(name, region, active=True):
        return OutboundTarget.objects.create(name=name, url=robot.url, region=region, active=active)

    reached = {
        target("县", world.county),
        target("甲镇", world.township_a),
        target("甲村", world.community_a),
        target("甲村一网格", world.grid_a1),
    }
    target("乙镇", world.township_b)
    target("甲镇（停用）", world.township_a, active=False)
    assert _push(world.township_a) == 4
    assert {d.target for d in OutboundDelivery.objects.select_related("target")} == reached


def test_pushing_the_same_source_twice_queues_once(world, robot, county_robot):
    assert _push(world.community_a) == 1
    assert _push(world.community_a) == 0
    assert _push(world.community_a, source="broadcast:2") == 1
    assert OutboundDelivery.objects.count() == 2


def test_two_rounds_do_not_send_twice(world, robot, county_robot):
    _push(world.community_a)
    bridge.deliver_due()
    assert bridge.deliver_due() == {"sent": 0, "retrying": 0, "failed": 0, "skipped": 0}
    assert bridge.deliver_due(now=_later(600))["sent"] == 0
    assert len(robot.requests) == 1


def test_a_row_claimed_by_another_worker_is_not_sent_again(world, robot, county_robot):
    _push(world.community_a)
    delivery = OutboundDelivery.objects.get()
    # Another worker claimed it between our read and our claim.
    assert bridge._claim(delivery, timezone.now())
    stale = OutboundDelivery.objects.get()
    stale.attempts = 0
    assert not bridge._claim(stale, timezone.now())
    assert bridge.deliver_due() == {"sent": 0, "retrying": 0, "failed": 0, "skipped": 0}
    assert robot.requests == []


def test_a_failure_is_recorded_and_retried_after_the_backoff(world, robot, county_robot):
    _push(world.community_a)
    robot.fail_next(1, status=502)
    assert bridge.deliver_due()["retrying"] == 1
    delivery = OutboundDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.last_error.startswith("HTTP 502")
    # Not before the backoff (30 s after the first failure) ...
    assert bridge.deliver_due(now=_later(0.25))["sent"] == 0
    # ... and after it, sent.
    assert bridge.deliver_due(now=_later(1))["sent"] == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    assert len(robot.requests) == 2


def test_the_backoff_doubles_and_is_capped():
    delays = [bridge.retry_delay(n).total_seconds() for n in range(1, 12)]
    assert delays[:4] == [30, 60, 120, 240]
    assert max(delays) == bridge.MAX_RETRY_SECONDS


def test_a_nonzero_errcode_in_a_200_answer_is_a_failure(world, robot, county_robot):
    _push(world.community_a)
    robot.fail_next(1, status=200, answer={"errcode": 93000, "errmsg": "invalid webhook url"})
    assert bridge.deliver_due()["retrying"] == 1
    assert OutboundDelivery.objects.get().last_error == "errcode 93000: invalid webhook url"


def test_a_delivery_is_given_up_after_the_last_attempt_and_kept(world, robot, county_robot):
    _push(world.community_a)
    robot.fail_next(bridge.MAX_ATTEMPTS)
    now = timezone.now()
    for _ in range(bridge.MAX_ATTEMPTS):
        bridge.deliver_due(now=now)
        now += bridge.retry_delay(bridge.MAX_ATTEMPTS)
    delivery = OutboundDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", bridge.MAX_ATTEMPTS)
    assert delivery.last_error.startswith("HTTP 500")
    assert bridge.deliver_due(now=now + dt.timedelta(days=1))["sent"] == 0
    assert len(robot.requests) == bridge.MAX_ATTEMPTS


def test_an_unreachable_address_is_a_recorded_failure(world):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    OutboundTarget.objects.create(
        name="失联机器人", url=f"http://127.0.0.1:{port}/send", region=world.county
    )
    _push(world.community_a)
    assert bridge.deliver_due()["retrying"] == 1
    assert OutboundDelivery.objects.get().last_error.startswith("unreachable")


def test_a_non_http_address_is_refused_without_opening_it(world, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("x")
    OutboundTarget.objects.create(name="坏地址", url=f"file://{secret}", region=world.county)
    _push(world.community_a)
    bridge.deliver_due()
    assert "must be http" in OutboundDelivery.objects.get().last_error


def test_an_adapter_that_crashes_does_not_stop_the_round(world, robot, county_robot):
    class Broken(bridge.Adapter):
        def send(self, target, payload):
            raise ValueError("bug")

    _push(world.community_a)
    assert bridge.deliver_due(adapter_for=lambda target: Broken())["retrying"] == 1
    assert "ValueError" in OutboundDelivery.objects.get().last_error


def test_the_command_delivers_one_round(world, robot, county_robot, capsys):
    _push(world.community_a)
    call_command("deliver_outbound")
    assert "sent 1" in capsys.readouterr().out
    assert len(robot.requests) == 1
