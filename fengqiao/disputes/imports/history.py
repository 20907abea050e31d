"""The history an imported case carries, dated from the file: received and accepted at
受理时间, then, by its result, mediation and its end at 调解时间. These are the entries the
indicators read (``analytics.facts``), so an imported case counts by its own dates."""

from __future__ import annotations

import datetime as dt

from fengqiao.disputes.imports.mapping import AGREEMENT, FAILED, PARTIAL, PENDING, TRANSFERRED


def outcome_fields(result: str, mediated_at: dt.datetime | None) -> tuple[str, object, object]:
    """(state, resolved_at, closed_at) of a case with this result. A case the other system
    finished is closed here: old failures do not fill today's worklists."""
    if result in (AGREEMENT, PARTIAL):
        return "closed", mediated_at, mediated_at
    if result == FAILED:
        return "closed", None, mediated_at
    if result == TRANSFERRED:
        return "transferred", None, None
    return ("mediating" if mediated_at else "accepted"), None, None


def events_for(
    result: str, received_at: dt.datetime, mediated_at: dt.datetime | None, receiver: str
) -> list[dict]:
    """The timeline entries (``CaseEvent`` fields) of a case with this history."""
    imported = {"imported": True}
    events = [
        _event("received", received_at, "", "received", receiver, imported),
        _event("accept", received_at, "received", "accepted", receiver, imported),
    ]
    if result == PENDING and mediated_at is None:
        return events
    start = mediated_at if result == PENDING else received_at
    events.append(_event("start_mediation", start, "accepted", "mediating", "", imported))
    if result in (AGREEMENT, PARTIAL):
        payload = {**imported, "partial": True} if result == PARTIAL else imported
        events.append(_event("reach_agreement", mediated_at, "mediating", "agreement", "", payload))
        events.append(_event("close", mediated_at, "agreement", "closed", "", imported))
    elif result == FAILED:
        events.append(_event("fail_mediation", mediated_at, "mediating", "failed", "", imported))
        events.append(_event("close", mediated_at, "failed", "closed", "", imported))
    elif result == TRANSFERRED:
        payload = {**imported, "kind": "court", "body": ""}
        events.append(_event("transfer", mediated_at, "mediating", "transferred", "", payload))
    return events


def _event(kind, at, from_state, to_state, actor_name, payload) -> dict:
    return {
        "kind": kind,
        "at": at,
        "from_state": from_state,
        "to_state": to_state,
        "actor_name": actor_name[:150],
        "payload": payload,
    }
