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

MODEL_VERSION = "2"
TARGETS = ("category", "risk", "level", "dispatch")


def tokens(text: str, found: list[signals.Signal]) -> str:
    """jieba's words of normalised text, plus one token per signal (and per live signal)."""
    words = [w for w in jieba.lcut(text) if w.strip()]
    words += [f"sig_{s.name}" for s in found]
    words += [f"live_{s.name}" for s in found if s.live]
    words += [f"kw_{category}" for category in signals.category_hints(text)]
    return " ".join(words)


@dataclass
class Head:
    """One fitted answer, kept as plain arrays: scikit-learn's own predict checks its input
    and copies the weight matrix on every call, milliseconds a text; this is microseconds."""

    labels: list
    weights: np.ndarray  # features x labels (one column when there are two labels)
    intercept: np.ndarray

    @classmethod
    def of(cls, fitted: SGDClassifier) -> Head:
        return cls(
            labels=fitted.classes_.tolist(),
            weights=np.ascontiguousarray(fitted.coef_.T),
            intercept=fitted.intercept_.copy(),
        )

    def probabilities(self, indices: np.ndarray, values: np.ndarray) -> dict:
        scores = values @ self.weights[indices] + self.intercept
        # As scikit-learn's one-vs-rest logistic heads: sigmoid, then normalised.
        positive = 1.0 / (1.0 + np.exp(-scores))
        if len(self.labels) == 2:
            chance = float(positive[0])
            return dict(zip(self.labels, [1.0 - chance, chance], strict=True))
        shares = positive / positive.sum()
        return dict(zip(self.labels, shares.tolist(), strict=True))


@dataclass
class Model:
    words: TfidfVectorizer
    chars: TfidfVectorizer
    heads: dict[str, Head]
    fingerprint: str

    def __post_init__(self) -> None:
        self._analysers = (self.words.build_analyzer(), self.chars.build_analyzer())
        self._offset = len(self.words.vocabulary_)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_analysers", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.__post_init__()

    def features(self, text: str, found: list[signals.Signal]) -> tuple[np.ndarray, np.ndarray]:
        """The TF-IDF row of one text as (column indices, values), computed as the fitted
        vectorisers would (sublinear tf, idf, each block L2-normalised) but without their
        per-call overhead."""
        indices: list[int] = []
        values: list[float] = []
        blocks = ((self.words, tokens(text, found), 0), (self.chars, text, self._offset))
        for (vectoriser, document, offset), analyse in zip(blocks, self._analysers, strict=True):
            counts: dict[int, int] = {}
            for gram in analyse(document):
                column = vectoriser.vocabulary_.get(gram)
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
            if not counts:
                continue
            columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
            weights = (1.0 + np.log(np.fromiter(counts.values(), dtype=float))) * (
                vectoriser.idf_[columns]
            )
            weights /= np.linalg.norm(weights)
            indices.extend((columns + offset).tolist())
            values.extend(weights.tolist())
        return np.asarray(indices, dtype=np.int64), np.asarray(values, dtype=float)

    def predict(self, text: str, found: list[signals.Signal]) -> dict[str, dict]:
        """For each target, each label's probability."""
        indices, values = self.features(text, found)
        return {target: head.probabilities(indices, values) for target, head in self.heads.items()}


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
        heads[target] = Head.of(head.fit(matrix, labels))
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
