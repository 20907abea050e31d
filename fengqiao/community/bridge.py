"""The outbound bridge: broadcasts and alerts pushed to external chat groups (webhook robots).

``push`` queues one ``OutboundDelivery`` per active target whose region is on the same branch
of the region tree as the pushed place, and sends nothing itself: callers call it from
``transaction.on_commit`` so a rolled-back broadcast queues nothing. ``deliver_due`` (the
``deliver_outbound`` command, the demo's watcher thread) sends what is due. A failed send is
retried with exponential backoff and, after ``MAX_ATTEMPTS``, kept as failed with its last
error: a delivery row is never deleted, so nothing is lost silently.

Which targets a push reaches: a target whose region contains the place (a township
broadcast reaches the township's and the county's robots) and a target whose region lies
inside it (the same broadcast reaches each of the township's community robots, since it is
addressed to them too). Targets on other branches (a neighbouring township) get nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db.models import F, Q
from django.utils import timezone

from fengqiao.community.models import OutboundDelivery, OutboundTarget
from fengqiao.places.models import PATH_SEPARATOR, subtree_q

log = logging.getLogger("fengqiao")

TIMEOUT_SECONDS = 5.0
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600
MAX_ATTEMPTS = 10  # 30 s, 1 min, 2 min ... then hourly: about four hours before giving up
# A claimed row is due again after this long: a worker that died mid-send is retried.
CLAIM_SECONDS = 120
BATCH_SIZE = 200
# WeCom's limit on a markdown message is 4,096 bytes; DingTalk's is larger.
MAX_CONTENT_BYTES = 4000
MAX_RESPONSE_BYTES = 64 * 1024


class DeliveryError(Exception):
    """A push the far end did not accept; the message says why (kept as ``last_error``)."""


class Adapter(ABC):
    """Sends one delivery's payload to one target, or raises ``DeliveryError``."""

    @abstractmethod
    def send(self, target: OutboundTarget, payload: dict) -> None: ...


class WebhookRobotAdapter(Adapter):
    """A group robot's webhook (WeCom 企业微信, DingTalk 钉钉, Feishu-style): a JSON POST.

    Both answer HTTP 200 with ``{"errcode": 0, ...}`` on success and a non-zero ``errcode``
    (bad key, rate limit, content too long) otherwise, so a 200 alone is not success.
    """

    def __init__(self, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.timeout = timeout

    def send(self, target: OutboundTarget, payload: dict) -> None:
        if urlsplit(target.url).scheme not in ("http", "https"):
            # urllib would also open file:// and ftp:// addresses.
            raise DeliveryError(f"webhook address must be http(s): {target.url[:80]}")
        request = urllib.request.Request(
            target.url,
            data=json.dumps(payload, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = response.status
                body = response.read(MAX_RESPONSE_BYTES)
        except urllib.error.HTTPError as error:
            raise DeliveryError(f"HTTP {error.code} {error.reason}") from None
        except urllib.error.URLError as error:
            raise DeliveryError(f"unreachable: {error.reason}") from None
        except (TimeoutError, OSError) as error:
            raise DeliveryError(f"network error: {error}") from None
        if not 200 <= status < 300:
            raise DeliveryError(f"HTTP {status}")
        _check_answer(body)


def _check_answer(body: bytes) -> None:
    try:
        answer = json.loads(body) if body.strip() else {}
    except ValueError:
        return  # a robot that answers 2xx with plain text accepted the message
    if isinstance(answer, dict) and answer.get("errcode", 0) not in (0, "0"):
        raise DeliveryError(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")


ADAPTERS: dict[str, type[Adapter]] = {
    OutboundTarget.Kind.WEBHOOK_ROBOT: WebhookRobotAdapter,
}


def default_adapter_for(target: OutboundTarget) -> Adapter:
    return ADAPTERS[target.kind]()


# --- queueing ------------------------------------------------------------------------------


def robot_payload(*, title: str, text: str, markdown: bool = True) -> dict:
    """The JSON body group robots accept: a markdown message (title in bold) or plain text."""
    if markdown:
        content = _clip(f"**{title}**\n\n{text}" if title else text)
        return {"msgtype": "markdown", "markdown": {"content": content}}
    return {"msgtype": "text", "text": {"content": _clip(f"{title}\n{text}" if title else text)}}


def _clip(content: str) -> str:
    data = content.encode()
    if len(data) <= MAX_CONTENT_BYTES:
        return content
    return data[: MAX_CONTENT_BYTES - 3].decode(errors="ignore") + "…"


def targets_for(region_path: str):
    """Active targets on the branch of ``region_path``: at or above it, and inside it."""
    codes = [code for code in region_path.split(PATH_SEPARATOR) if code]
    above = [
        PATH_SEPARATOR + PATH_SEPARATOR.join(codes[:n]) + PATH_SEPARATOR
        for n in range(1, len(codes) + 1)
    ]
    return OutboundTarget.objects.unscoped_for_jobs().filter(
        Q(region__path__in=above) | subtree_q(region_path, "region__path"), active=True
    )


def push(*, source: str, title: str, text: str, region_path: str, markdown: bool = True) -> int:
    """Queue ``title``/``text`` for every active target covering ``region_path``; returns
    how many deliveries were queued now. Idempotent: a ``source`` ("broadcast:12") already
    queued for a target is not queued again. Sends nothing: call it after commit."""
    targets = list(targets_for(region_path).values_list("pk", flat=True))
    if not targets:
        return 0
    queued = set(
        OutboundDelivery.objects.filter(source=source, target__in=targets).values_list(
            "target_id", flat=True
        )
    )
    payload = robot_payload(title=title, text=text, markdown=markdown)
    now = timezone.now()
    fresh = [
        OutboundDelivery(target_id=pk, source=source, payload=payload, next_attempt_at=now)
        for pk in targets
        if pk not in queued
    ]
    # A concurrent push of the same source may win a row between the read and the write.
    OutboundDelivery.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


# --- sending -------------------------------------------------------------------------------


@dataclass
class DeliveryRound:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by another worker first

    def as_dict(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "retrying": self.retrying,
            "failed": self.failed,
            "skipped": self.skipped,
        }


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt: 30 s doubling, capped at an hour."""
    return dt.timedelta(
        seconds=min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)
    )


def deliver_due(
    *,
    now: dt.datetime | None = None,
    adapter_for: Callable[[OutboundTarget], Adapter] | None = None,
) -> dict[str, int]:
    """Send every pending delivery due at ``now``; returns counts of what happened.

    Each row is claimed with a conditional update before it is sent, so two workers running
    at once never send the same row twice; a worker that dies after claiming leaves the
    row due again ``CLAIM_SECONDS`` later (delivery is at least once, rarely twice).
    """
    now = now or timezone.now()
    adapter_for = adapter_for or default_adapter_for
    adapters: dict[int, Adapter] = {}
    result = DeliveryRound()
    seen: set[int] = set()
    while True:
        due = list(
            OutboundDelivery.objects.filter(
                status=OutboundDelivery.Status.PENDING, next_attempt_at__lte=now
            )
            .exclude(pk__in=seen)
            .select_related("target")
            .order_by("next_attempt_at", "pk")[:BATCH_SIZE]
        )
        if not due:
            break
        for delivery in due:
            seen.add(delivery.pk)
            if not _claim(delivery, now):
                result.skipped += 1
                continue
            if delivery.target_id not in adapters:
                adapters[delivery.target_id] = adapter_for(delivery.target)
            _attempt(delivery, adapters[delivery.target_id], now, result)
    return result.as_dict()


def _claim(delivery: OutboundDelivery, now: dt.datetime) -> bool:
    claimed = OutboundDelivery.objects.filter(
        pk=delivery.pk,
        status=OutboundDelivery.Status.PENDING,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + dt.timedelta(seconds=CLAIM_SECONDS))
    delivery.attempts += 1
    return claimed == 1


def _attempt(
    delivery: OutboundDelivery, adapter: Adapter, now: dt.datetime, result: DeliveryRound
) -> None:
    mine = OutboundDelivery.objects.filter(
        pk=delivery.pk, status=OutboundDelivery.Status.PENDING, attempts=delivery.attempts
    )
    try:
        adapter.send(delivery.target, delivery.payload)
    except Exception as error:  # noqa: BLE001 — any failure is recorded and retried
        reason = str(error) if isinstance(error, DeliveryError) else repr(error)
        reason = reason[:300]
        if delivery.attempts >= MAX_ATTEMPTS:
            mine.update(status=OutboundDelivery.Status.FAILED, last_error=reason)
            log.warning(
                "outbound %s to %s given up after %d attempts: %s",
                delivery.source,
                delivery.target,
                delivery.attempts,
                reason,
            )
            result.failed += 1
        else:
            mine.update(next_attempt_at=now + retry_delay(delivery.attempts), last_error=reason)
            result.retrying += 1
        return
    mine.update(status=OutboundDelivery.Status.SENT, sent_at=timezone.now(), last_error="")
    result.sent += 1
