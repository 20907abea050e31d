"""The labelled corpus in ``data/corpus/*.jsonl`` and its fixed train/development split, and
the real development set in ``data/real/*.jsonl`` (reports written by other people, kept for
measuring only: nothing here ever trains on it)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from fengqiao.triage import signals
from fengqiao.triage.taxonomy import CATEGORIES, LEVELS, RISKS
from fengqiao.triage.text import LANGS

CORPUS_DIR = Path(__file__).parent / "data" / "corpus"
BLIND_DIR = Path(__file__).parent / "data" / "blind"
REAL_DIR = Path(__file__).parent / "data" / "real"
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
    # The people's-mediation statistics category a mediator gave the record (real set only),
    # as one of the 14 labels or 其他 (``mediation.LABELS``).
    mediation_category: str | None = None
    # Who wrote it, where the source says (real set: "voice"; corpus: from ``source``).
    voice: str = ""

    @property
    def dev(self) -> bool:
        """Held out for evaluation, decided by the id alone so the split never drifts as
        the corpus grows: never train on these."""
        digest = hashlib.sha1(self.id.encode()).digest()
        return int.from_bytes(digest[:4], "big") % DEV_SHARE == 0


class CorpusError(ValueError):
    pass


def parse(line: str, where: str = "", *, lenient_signals: bool = False) -> Example:
    """One corpus line as an Example, or CorpusError naming the field that is wrong.

    ``lenient_signals`` drops signal names the lexicon does not know instead of refusing
    the line: the real set is labelled by people outside the team."""
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
    if isinstance(tags, list) and lenient_signals:
        tags = [tag for tag in tags if tag in signals.NAMES]
    if not isinstance(tags, list) or any(tag not in signals.NAMES for tag in tags):
        problems.append("signals")
    mediation = raw.get("mediation_category")
    if mediation is not None and not isinstance(mediation, str):
        problems.append("mediation_category")
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
        mediation_category=mediation or None,
        voice=str(raw.get("voice") or _voice(raw["source"])),
    )


def _voice(source: str) -> str:
    """``authored:<voice>`` names the voice; any other source only its kind."""
    kind, _, rest = source.partition(":")
    return rest if kind == "authored" else kind


def load(directory: Path = CORPUS_DIR, *, lenient_signals: bool = False) -> list[Example]:
    """Every example, checked: a bad line or a repeated id stops with its file and line."""
    examples: list[Example] = []
    seen: set[str] = set()
    for path in sorted(directory.glob("*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                example = parse(line, f"{path.name}:{number}", lenient_signals=lenient_signals)
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


def load_real(directory: Path = REAL_DIR) -> list[Example]:
    """The real development set: reports written by other people (``source: real:<url>``),
    for measuring only. Never pass these to ``model.train`` (a test holds it): tuning on
    them would make the one honest measure of triage on real text meaningless."""
    if not directory.exists():
        return []
    return load(directory, lenient_signals=True)


def training_set() -> list[Example]:
    """What the shipped model is trained on: the corpus's training part, never the
    development, blind or real sets."""
    training, _dev = split(load())
    return training
