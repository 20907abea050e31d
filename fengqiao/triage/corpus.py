"""The labelled corpus in ``data/corpus/*.jsonl`` and its fixed train/development split."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from fengqiao.triage import signals
from fengqiao.triage.taxonomy import CATEGORIES, LEVELS, RISKS
from fengqiao.triage.text import LANGS

CORPUS_DIR = Path(__file__).parent / "data" / "corpus"
DEV_SHARE = 5  # one example in five is held out


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    lang: str
    category: str
    risk: str
    dispatch: bool
    level: int
    signals: tuple[str, ...]
    source: str

    @property
    def dev(self) -> bool:
        """Held out for evaluation, decided by the id alone so the split never drifts as
        the corpus grows: never train on these."""
        digest = hashlib.sha1(self.id.encode()).digest()
        return int.from_bytes(digest[:4], "big") % DEV_SHARE == 0


class CorpusError(ValueError):
    pass


def parse(line: str, where: str = "") -> Example:
    """One corpus line as an Example, or CorpusError naming the field that is wrong."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as error:
        raise CorpusError(f"{where}: not JSON ({error.msg})") from None
    problems = []
    if not isinstance(raw.get("id"), str) or not raw["id"]:
        problems.append("id")
    if not isinstance(raw.get("text"), str) or not raw["text"].strip():
        problems.append("text")
    if raw.get("lang") not in LANGS:
        problems.append("lang")
    if raw.get("category") not in CATEGORIES:
        problems.append("category")
    if raw.get("risk") not in RISKS:
        problems.append("risk")
    if not isinstance(raw.get("dispatch"), bool):
        problems.append("dispatch")
    if raw.get("level") not in LEVELS:
        problems.append("level")
    tags = raw.get("signals", [])
    if not isinstance(tags, list) or any(tag not in signals.NAMES for tag in tags):
        problems.append("signals")
    if not isinstance(raw.get("source"), str) or ":" not in raw.get("source", ""):
        problems.append("source")
    if problems:
        raise CorpusError(f"{where}: bad {', '.join(problems)}")
    return Example(
        id=raw["id"],
        text=raw["text"],
        lang=raw["lang"],
        category=raw["category"],
        risk=raw["risk"],
        dispatch=raw["dispatch"],
        level=raw["level"],
        signals=tuple(tags),
        source=raw["source"],
    )


def load(directory: Path = CORPUS_DIR) -> list[Example]:
    """Every example, checked: a bad line or a repeated id stops with its file and line."""
    examples: list[Example] = []
    seen: set[str] = set()
    for path in sorted(directory.glob("*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                example = parse(line, f"{path.name}:{number}")
                if example.id in seen:
                    raise CorpusError(f"{path.name}:{number}: id {example.id} used twice")
                seen.add(example.id)
                examples.append(example)
    return examples


def fingerprint(directory: Path = CORPUS_DIR) -> str:
    """A hash of the corpus files, to know when a trained model is out of date."""
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.jsonl")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def split(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    """(training, development)."""
    return [e for e in examples if not e.dev], [e for e in examples if e.dev]
