"""``fengqiao triage``: JSON Lines in, one graded JSON line out per input (DESIGN.md §5).

Each input line is ``{"id": ..., "text": "...", "lang": "zh"|"en"|"mixed"}`` (lang optional).
A line that cannot be graded gets ``{"id": ..., "error": "..."}`` and the run goes on, so
one bad record never costs the rest. Blank lines are skipped.
"""

from __future__ import annotations

import json
from typing import BinaryIO, TextIO

from fengqiao import triage


def run(source: BinaryIO, out: TextIO) -> int:
    """Grade every line of ``source``; returns how many lines got an error."""
    errors = 0
    for number, raw in enumerate(source, 1):
        if not raw.strip():
            continue
        answer = _answer(raw, number)
        errors += "error" in answer
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
        out.flush()
    return errors


def _answer(raw: bytes, number: int) -> dict:
    try:
        # A file saved by Windows tools may start with a byte-order mark.
        line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError:
        return {"id": None, "error": f"line {number}: not UTF-8"}
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return {"id": None, "error": f"line {number}: not JSON ({error.msg})"}
    if not isinstance(record, dict):
        return {"id": None, "error": f"line {number}: expected a JSON object"}
    id_ = record.get("id")
    if "id" not in record:
        return {"id": None, "error": f"line {number}: missing id"}
    if "text" not in record:
        return {"id": id_, "error": "missing text"}
    lang = record.get("lang")
    try:
        return triage.classify(record["text"], lang=lang).as_contract(id_)
    except triage.TriageInputError as error:
        return {"id": id_, "error": str(error)}
