"""The audit trail's hash chain: how an event is hashed, how appends stay in one line, and
how the chain is checked.

An event's ``hash`` is the SHA-256 (hex) of a canonical serialization of its content fields
and ``prev_hash``, the hash of the event before it (in id order). The first event's
``prev_hash`` is empty, or, after a retention prune, the ``last_hash`` of the newest
``AuditAnchor``. Changing a row breaks its own hash; removing or inserting one breaks the next
row's link. Removing the newest rows leaves no trace in the chain itself: compare the head that
``verify_audit`` prints with one kept elsewhere.

The serialization is a contract: changing it means re-hashing every row in a migration.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.db import connection, transaction

# Any constant the rest of the code does not use for an advisory lock: "fqaudit" in ASCII.
CHAIN_LOCK_KEY = 0x66_71_61_75_64_69_74

CONTENT_FIELDS = (
    "at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "region_path",
    "changes",
    "origin",
)


def _plain_json(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _plain_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_json(item) for item in value]
    return value


def as_stored(changes: dict) -> dict:
    """``changes`` in the form the database gives back, so the hash of what is written is the
    hash of what is read: JSON types only (tuples become lists, int keys strings) and a whole
    float as an int (PostgreSQL's jsonb gives 1e20 back as an integer)."""
    return _plain_json(json.loads(json.dumps(changes)))


def stable_time(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_hash(*, prev_hash: str, **content) -> str:
    """SHA-256 hex over the sorted-key JSON of the content fields and ``prev_hash``.

    ``changes`` is hashed as given: pass it through ``as_stored`` before writing it.
    """
    document = {name: content[name] for name in CONTENT_FIELDS}
    document["at"] = stable_time(document["at"])
    document["prev_hash"] = prev_hash
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lock_and_read_head() -> str:
    """The hash the next event links to, read while holding the chain's append lock.

    Call inside a transaction. On PostgreSQL a transaction-level advisory lock makes a
    concurrent writer wait until this transaction ends, so two events never link to the same
    predecessor; ``audit_chain_head`` (migration 0005) takes it and reads the head in one
    query. SQLite takes its write lock when the transaction begins (IMMEDIATE mode,
    settings.py), which serializes writers already.
    """
    from fengqiao.audit.models import AuditEvent

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT audit_chain_head(%s)", [CHAIN_LOCK_KEY])
            return cursor.fetchone()[0]
    head = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    return head or ""


@dataclass(frozen=True)
class ChainBreak:
    """The first row where the chain does not hold, and why."""

    id: int
    at: dt.datetime
    action: str
    reason: str  # "changed", "missing", "relinked" or "anchor"
    detail: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head_id: int | None
    head_hash: str
    anchor_event_id: int | None  # the last pruned event, where the chain now starts
    broken: ChainBreak | None


def check_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Walk the events in id order from the newest anchor, streaming, and recompute each hash.

    Stops at the first break. On PostgreSQL, outside a transaction, the walk reads one
    snapshot, so events appended or pruned meanwhile neither count nor confuse it. On SQLite
    it runs outside a transaction: an IMMEDIATE one would hold off every writer meanwhile.
    """
    if connection.vendor != "postgresql":
        return _walk(chunk_size)
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return _walk(chunk_size)


def verify_chain() -> ChainBreak | None:
    """The first broken row of the audit chain, or None when it is intact."""
    return check_chain().broken


def _walk(chunk_size: int) -> ChainReport:
    from fengqiao.audit.models import AuditAnchor, AuditEvent

    anchor = AuditAnchor.objects.order_by("-last_event_id").first()
    anchor_id = anchor.last_event_id if anchor else None
    expected_prev = anchor.last_hash if anchor else ""
    previous_id = anchor_id or 0
    rows = (
        AuditEvent.objects.filter(id__gt=previous_id)
        .order_by("id")
        .values_list("id", "hash", "prev_hash", *CONTENT_FIELDS)
        .iterator(chunk_size=chunk_size)
    )
    checked, head_id, head_hash = 0, None, expected_prev
    anchor_recorded = anchor is None

    def report(broken: ChainBreak | None) -> ChainReport:
        return ChainReport(checked, head_id, head_hash, anchor_id, broken)

    for row_id, stored_hash, prev_hash, *content in rows:
        fields = dict(zip(CONTENT_FIELDS, content, strict=True))
        if prev_hash != expected_prev:
            return report(_link_break(row_id, fields, head_id, anchor_id))
        if event_hash(prev_hash=prev_hash, **fields) != stored_hash:
            detail = "its content no longer matches its hash: the row was changed"
            return report(ChainBreak(row_id, fields["at"], fields["action"], "changed", detail))
        anchor_recorded = anchor_recorded or _records_anchor(fields, anchor)
        checked += 1
        head_id, head_hash = row_id, stored_hash
        expected_prev = stored_hash
    if not anchor_recorded:
        detail = "no audit.pruned event in the chain records this anchor: rows were cut by hand"
        return report(ChainBreak(anchor.last_event_id, anchor.last_at, "", "anchor", detail))
    return report(None)


def _link_break(row_id: int, fields: dict, before_id: int | None, anchor_id: int | None):
    """Why ``row_id`` does not link to what comes before it (an event, the anchor, nothing)."""
    if before_id is None and anchor_id is None:
        reason = "missing"
        detail = "the first event links to a predecessor that is gone: older rows were removed"
    elif before_id is None:
        reason = "missing"
        detail = (
            f"it does not link to the retention anchor (event {anchor_id}): "
            "rows after the anchor were removed"
        )
    elif row_id != before_id + 1:
        reason = "missing"
        detail = (
            f"it does not link to event {before_id} before it: rows between were removed "
            f"(or event {before_id} was rewritten)"
        )
    else:
        reason = "relinked"
        detail = f"it does not link to event {before_id} before it: that row was rewritten"
    return ChainBreak(row_id, fields["at"], fields["action"], reason, detail)


def _records_anchor(fields: dict, anchor) -> bool:
    changes = fields["changes"] or {}
    return (
        fields["action"] == "audit.pruned"
        and changes.get("last_event_id") == anchor.last_event_id
        and changes.get("last_hash") == anchor.last_hash
    )
