"""The codes triage answers with, read from the project's taxonomy.json without Django."""

from __future__ import annotations

import json
from pathlib import Path

_TAXONOMY = json.loads((Path(__file__).parents[1] / "taxonomy.json").read_text(encoding="utf-8"))

CATEGORIES: tuple[str, ...] = tuple(c["code"] for c in _TAXONOMY["category"])
RISKS: tuple[str, ...] = tuple(r["code"] for r in _TAXONOMY["risk"])
LEVELS: tuple[int, ...] = tuple(level["code"] for level in _TAXONOMY["level"])
