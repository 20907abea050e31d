"""The statistical part of triage: category, grade, level and dispatch learnt from the corpus.

Features are jieba words (with bigrams), character n-grams (which carry typos and
English alike) and the lexicon's signals as tokens, weighted by TF-IDF; each answer is a
logistic regression over them, fitted by SGD (a second, where lbfgs took thirty).
Training takes a few seconds, so the fitted model is kept
in the user's cache directory, named by a fingerprint of the corpus and the library
versions, and rebuilt whenever either changes: a model can never be older than its corpus.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import jieba
import numpy as np
import sklearn
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier

from fengqiao.triage import corpus, signals
from fengqiao.triage.text import normalise

log = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

MODEL_VERSION = "1"
TARGETS = ("category", "risk", "level", "dispatch")


def tokens(text: str, found: list[signals.Signal]) -> str:
    """jieba's words of normalised text, plus one token per signal (and per live signal)."""
    words = [w for w in jieba.lcut(text) if w.strip()]
    words += [f"sig_{s.name}" for s in found]
    words += [f"live_{s.name}" for s in found if s.live]
    words += [f"kw_{category}" for category in signals.category_hints(text)]
    return " ".join(words)


@dataclass
class Model:
    words: TfidfVectorizer
    chars: TfidfVectorizer
    heads: dict[str, SGDClassifier]
    fingerprint: str

    def features(self, text: str, found: list[signals.Signal]):
        return hstack(
            [self.words.transform([tokens(text, found)]), self.chars.transform([text])]
        ).tocsr()

    def predict(self, text: str, found: list[signals.Signal]) -> dict[str, dict]:
        """For each target, each label's probability."""
        row = self.features(text, found)
        answer = {}
        for target, head in self.heads.items():
            probabilities = head.predict_proba(row)[0].tolist()
            answer[target] = dict(zip(head.classes_.tolist(), probabilities, strict=True))
        return answer


def train(examples: list[corpus.Example], fingerprint: str = "") -> Model:
    texts = [normalise(e.text) for e in examples]
    found = [signals.find_signals(t) for t in texts]
    words = TfidfVectorizer(
        tokenizer=str.split,
        token_pattern=None,
        lowercase=False,
        ngram_range=(1, 2),
        min_df=1,
        sublinear_tf=True,
    )
    chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    matrix = hstack(
        [
            words.fit_transform([tokens(t, f) for t, f in zip(texts, found, strict=True)]),
            chars.fit_transform(texts),
        ]
    ).tocsr()
    heads = {}
    for target in TARGETS:
        labels = np.array([getattr(e, target) for e in examples])
        head = SGDClassifier(
            loss="log_loss", alpha=1e-5, class_weight="balanced", max_iter=50, random_state=0
        )
        heads[target] = head.fit(matrix, labels)
    return Model(words=words, chars=chars, heads=heads, fingerprint=fingerprint)


_lock = threading.Lock()
_loaded: Model | None = None


def current() -> Model:
    """The model for the shipped corpus's training part: from the cache, else trained."""
    global _loaded
    with _lock:
        if _loaded is None:
            _loaded = _load_or_train()
        return _loaded


def _fingerprint() -> str:
    parts = (
        corpus.fingerprint(),
        MODEL_VERSION,
        sklearn.__version__,
        jieba.__version__,
        (Path(__file__).parent / "lexicon.py").read_text(encoding="utf-8"),
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


def _cache_dir() -> Path:
    configured = os.environ.get("FENGQIAO_CACHE_DIR")
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("fengqiao"))


def _load_or_train() -> Model:
    fingerprint = _fingerprint()
    path = _cache_dir() / f"triage-{fingerprint}.pickle"
    try:
        with path.open("rb") as cached:
            model = pickle.load(cached)
        if isinstance(model, Model) and model.fingerprint == fingerprint:
            return model
    except (OSError, pickle.UnpicklingError, AttributeError, EOFError, ImportError):
        pass
    training, _dev = corpus.split(corpus.load())
    model = train(training, fingerprint)
    _store(model, path)
    return model


def _store(model: Model, path: Path) -> None:
    """Best effort: a read-only or full disk only means training again next start."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
    except OSError as error:
        log.warning("triage model not cached at %s: %s", path, error)
