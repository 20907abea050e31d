"""The shared codes (categories, risk grades, channels, levels, states, roles, region levels).

Codes come from ``taxonomy.json`` and never change; labels are bilingual in that file and
picked by the active language, so a code is never translated, only its label.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.utils.functional import lazy
from django.utils.translation import get_language

TAXONOMY_PATH = Path(__file__).with_name("taxonomy.json")


@cache
def taxonomy() -> dict:
    return json.loads(TAXONOMY_PATH.read_text(encoding="utf-8"))


def entries(kind: str) -> list[dict]:
    return taxonomy()[kind]


def codes(kind: str) -> list:
    return [entry["code"] for entry in entries(kind)]


def _pick_label(entry: dict) -> str:
    language = (get_language() or "zh-hans").lower()
    return entry["en"] if language.startswith("en") else entry["zh"]


def label(kind: str, code) -> str:
    """The label of ``code`` in the active language; the code itself if unknown."""
    for entry in entries(kind):
        if entry["code"] == code:
            return _pick_label(entry)
    return str(code)


_lazy_pick = lazy(_pick_label, str)


def choices(kind: str) -> list[tuple]:
    """Model/form choices for a taxonomy list, with labels that follow the active language."""
    return [(entry["code"], _lazy_pick(entry)) for entry in entries(kind)]


def level_index(region_level: str) -> int:
    """Depth of a region level: province 0 ... grid 5."""
    return codes("region_level").index(region_level)
