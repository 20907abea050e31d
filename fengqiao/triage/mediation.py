"""Our 20 category codes on the people's-mediation statistics line (14 named categories and
其他, domain-notes §1.1), read from ``data/mediation_categories.json``.

A mediator files a record under one of those 15; triage answers with one of our 20, which
is finer in places (campus, fraud, missing people and the like are police incident types).
``mediation_category(code)`` says where a code falls, so official figures and a
mediator's own category can be compared.
"""

from __future__ import annotations

import json
from pathlib import Path

from fengqiao.triage.taxonomy import CATEGORIES

_DATA = json.loads(
    (Path(__file__).parent / "data" / "mediation_categories.json").read_text(encoding="utf-8")
)

LABELS: tuple[str, ...] = tuple(_DATA["labels"])
OTHER = "其他"
_ALIASES: dict[str, str] = _DATA["aliases"]
_CODES: dict[str, dict] = _DATA["codes"]


def mediation_category(code: str) -> str:
    """The people's-mediation statistics label (one of ``LABELS``) our ``code`` falls under;
    KeyError for a code that is not in the taxonomy."""
    if code not in CATEGORIES:
        raise KeyError(f"未知类别 / unknown category code: {code!r}")
    return _CODES[code]["label"]


def finer(code: str) -> str:
    """Where our code is finer than, or differs from, the official line ('' when it is one
    to one)."""
    return _CODES[code].get("finer", "")


def label_of(written: str) -> str | None:
    """One of ``LABELS`` for a category as a mediator writes it ("邻里纠纷", "其它",
    "劳资纠纷", "婚姻家庭继承"), or None when it is none of them."""
    text = "".join(written.split())
    for suffix in ("纠纷", "类", "案件"):
        text = text.removesuffix(suffix)
    if text in LABELS:
        return text
    return _ALIASES.get(text)
