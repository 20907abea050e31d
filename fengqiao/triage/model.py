"""The statistical part of triage: category, grade, level and dispatch learnt from the corpus.

Features are jieba words (with bigrams), character n-grams (which carry typos and
English alike) and the lexicon's signals as tokens, weighted by TF-IDF; each answer is a
logistic regression over them, fitted by SGD (a second, where lbfgs took thirty).
The probabilities are calibrated on out-of-fold predictions of the training corpus (Platt
scaling), and the red, dispatch and "please choose" thresholds are chosen there by stated
rules (``Calibration``), never by hand and never on the development, blind or real sets.
Training takes a few seconds, so the fitted model is kept in the user's cache directory,
named by a fingerprint of the corpus, the code that reads text and the library versions,
and rebuilt whenever one changes: a model can never be older than its corpus.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import logging
import os
import pickle
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
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

MODEL_VERSION = "3"
FOLDS = 4
# Regularisation of the grade heads, chosen by out-of-fold red precision at the red-recall
# rule below (swept 1e-5 .. 3e-3; 3e-4 best, 0.714 against 0.691 at 1e-5): the grade is
# read from words a real report shares with the corpus less than its category is.
ALPHA = {"risk": 3e-4, "dispatch": 3e-4}
# The rules that choose the thresholds on the out-of-fold predictions.
RED_RECALL = 0.95  # the highest red threshold that keeps red recall at least this
DISPATCH_RECALL = 0.95  # the highest dispatch threshold that keeps dispatch recall at least this
CERTAIN_PRECISION = 0.9  # "police certainly needed" from where dispatch precision reaches this
UNSURE_ACCURACY = 0.5  # below this confidence the top category is right at most half the time
TARGETS = ("category", "risk", "level", "dispatch")
# SGD visits the examples in a shuffled order, and on a corpus this size the order alone
# moves the development set's category macro-F1 by about 0.03 (seeds 0-2, 2026-12-07):
# each head is the mean of this many fits, one per order.
SEEDS = int(os.environ.get("FENGQIAO_TRIAGE_SEEDS", "3"))


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


@dataclass(frozen=True)
class Platt:
    """A monotone map from a raw probability to a calibrated one:
    sigmoid(slope * logit(p) + intercept), slope > 0."""

    slope: float = 1.0
    intercept: float = 0.0

    def __call__(self, chance: float) -> float:
        p = min(max(chance, 1e-6), 1 - 1e-6)
        z = self.slope * float(np.log(p / (1 - p))) + self.intercept
        return float(1.0 / (1.0 + np.exp(-z)))

    @classmethod
    def fit(cls, raw: list[float], truth: list[bool]) -> Platt:
        from sklearn.linear_model import LogisticRegression

        if len(set(truth)) < 2:
            return cls()
        p = np.clip(np.asarray(raw, dtype=float), 1e-6, 1 - 1e-6)
        logits = np.log(p / (1 - p)).reshape(-1, 1)
        fitted = LogisticRegression(C=1e4).fit(logits, np.asarray(truth))
        slope = float(fitted.coef_[0][0])
        if slope <= 0:  # no information: keep the raw probability rather than invert it
            return cls()
        return cls(slope=slope, intercept=float(fitted.intercept_[0]))


@dataclass(frozen=True)
class Calibration:
    """Calibrated probabilities and the thresholds chosen on out-of-fold predictions of the
    training corpus, with how each was chosen (the model's metadata)."""

    red: Platt = Platt()
    dispatch: Platt = Platt()
    category: Platt = Platt()
    red_threshold: float = 0.25
    dispatch_threshold: float = 0.5
    dispatch_certain: float = 0.9
    unsure_below: float = 0.0
    folds: int = 0
    examples: int = 0
    measured: tuple[tuple[str, float], ...] = ()

    def describe(self) -> dict:
        """The chosen values and the rules that chose them, for docs and the benchmark."""
        return {
            "red_threshold": self.red_threshold,
            "red_rule": f"highest with out-of-fold red recall >= {RED_RECALL}",
            "dispatch_threshold": self.dispatch_threshold,
            "dispatch_rule": f"highest with out-of-fold dispatch recall >= {DISPATCH_RECALL}",
            "dispatch_certain": self.dispatch_certain,
            "certain_rule": f"lowest where out-of-fold dispatch precision >= {CERTAIN_PRECISION}",
            "unsure_below": self.unsure_below,
            "unsure_rule": (
                f"highest below which out-of-fold category accuracy <= {UNSURE_ACCURACY}"
            ),
            "folds": self.folds,
            "examples": self.examples,
            "out_of_fold": dict(self.measured),
        }


@dataclass
class Model:
    words: TfidfVectorizer
    chars: TfidfVectorizer
    heads: dict[str, Head]
    fingerprint: str
    calibration: Calibration = Calibration()

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


def _fit_heads(
    matrix, examples: list[corpus.Example], targets: tuple[str, ...] = TARGETS
) -> dict[str, Head]:
    heads = {}
    for target in targets:
        labels = np.array([getattr(e, target) for e in examples])
        fitted = [
            Head.of(
                SGDClassifier(
                    loss="log_loss",
                    alpha=ALPHA.get(target, 1e-5),
                    class_weight="balanced",
                    max_iter=50,
                    random_state=seed,
                ).fit(matrix, labels)
            )
            for seed in range(SEEDS)
        ]
        # One linear head with the mean weights of fits that differ only in SGD's order.
        heads[target] = Head(
            labels=fitted[0].labels,
            weights=np.ascontiguousarray(np.mean([h.weights for h in fitted], axis=0)),
            intercept=np.mean([h.intercept for h in fitted], axis=0),
        )
    return heads


def _row_probabilities(head: Head, matrix) -> list[dict]:
    scores = matrix @ head.weights + head.intercept
    positive = 1.0 / (1.0 + np.exp(-np.asarray(scores)))
    if len(head.labels) == 2:
        return [dict(zip(head.labels, [1.0 - p[0], p[0]], strict=True)) for p in positive]
    shares = positive / positive.sum(axis=1, keepdims=True)
    return [dict(zip(head.labels, row.tolist(), strict=True)) for row in shares]


def calibrate(matrix, examples: list[corpus.Example], found: list[list]) -> Calibration:
    """Out-of-fold predictions of the training corpus (folds fixed by the example's
    position), Platt-scaled, and the thresholds chosen on them by the rules above."""
    from fengqiao.triage import decide

    n = len(examples)
    if n < FOLDS * 10:
        return Calibration()
    fold_of = np.arange(n) % FOLDS
    oof: list[dict] = [{} for _ in range(n)]
    for fold in range(FOLDS):
        inside = np.flatnonzero(fold_of != fold)
        outside = np.flatnonzero(fold_of == fold)
        heads = _fit_heads(
            matrix[inside], [examples[i] for i in inside], ("category", "risk", "dispatch")
        )
        for target, head in heads.items():
            predicted = _row_probabilities(head, matrix[outside])
            for i, probabilities in zip(outside, predicted, strict=True):
                oof[i][target] = probabilities
    red_raw = [o["risk"].get("red", 0.0) for o in oof]
    dispatch_raw = [o["dispatch"].get(True, 0.0) for o in oof]
    best = [max(o["category"], key=o["category"].get) for o in oof]
    top_raw = [o["category"][b] for o, b in zip(oof, best, strict=True)]
    right = [b == e.category for b, e in zip(best, examples, strict=True)]
    red_map = Platt.fit(red_raw, [e.risk == "red" for e in examples])
    dispatch_map = Platt.fit(dispatch_raw, [e.dispatch for e in examples])
    category_map = Platt.fit(top_raw, right)
    red_chance = [red_map(p) for p in red_raw]
    dispatch_chance = [dispatch_map(p) for p in dispatch_raw]
    confidence = [category_map(p) for p in top_raw]

    # The rules are an OR of a part that does not depend on the threshold and "chance >=
    # threshold": read the first once (a threshold no chance reaches), then sweep.
    never = 2.0
    red_by_rule = [decide.is_red(f, 0.0, b, never) for f, b in zip(found, best, strict=True)]
    actual_red = [e.risk == "red" for e in examples]

    def red_at(threshold: float) -> list[bool]:
        return [r or c >= threshold for r, c in zip(red_by_rule, red_chance, strict=True)]

    grid = [round(float(t), 2) for t in np.arange(0.05, 0.951, 0.01)]
    red_threshold = max(
        (t for t in grid if _recall(actual_red, red_at(t)) >= RED_RECALL), default=grid[0]
    )
    reds = red_at(red_threshold)
    actual_dispatch = [e.dispatch for e in examples]
    certain = next(
        (
            t
            for t in grid
            if _precision(actual_dispatch, [c >= t for c in dispatch_chance]) >= CERTAIN_PRECISION
        ),
        0.95,
    )

    # Likewise dispatch: what it says at no threshold and at one no chance reaches.
    always = [
        decide.dispatch(f, c, red=r, threshold=0.0, certain=certain)
        for f, c, r in zip(found, dispatch_chance, reds, strict=True)
    ]
    by_rule = [
        decide.dispatch(f, c, red=r, threshold=never, certain=certain)
        for f, c, r in zip(found, dispatch_chance, reds, strict=True)
    ]

    def dispatched(threshold: float) -> list[bool]:
        return [
            rule or (may and c >= threshold)
            for rule, may, c in zip(by_rule, always, dispatch_chance, strict=True)
        ]

    dispatch_threshold = max(
        (t for t in grid if _recall(actual_dispatch, dispatched(t)) >= DISPATCH_RECALL),
        default=grid[0],
    )
    certain = max(certain, dispatch_threshold)
    unsure_below = 0.0
    for t in grid:
        below = [r for r, c in zip(right, confidence, strict=True) if c < t]
        if below and sum(below) / len(below) <= UNSURE_ACCURACY:
            unsure_below = t
    said_dispatch = dispatched(dispatch_threshold)
    measured = tuple(
        (name, float(value))
        for name, value in (
            ("red recall", round(_recall([e.risk == "red" for e in examples], reds), 3)),
            ("red precision", round(_precision([e.risk == "red" for e in examples], reds), 3)),
            ("dispatch recall", round(_recall(actual_dispatch, said_dispatch), 3)),
            ("dispatch precision", round(_precision(actual_dispatch, said_dispatch), 3)),
            ("category accuracy", round(sum(right) / n, 3)),
            ("unsure share", round(sum(c < unsure_below for c in confidence) / n, 3)),
        )
    )
    return Calibration(
        red=red_map,
        dispatch=dispatch_map,
        category=category_map,
        red_threshold=red_threshold,
        dispatch_threshold=dispatch_threshold,
        dispatch_certain=certain,
        unsure_below=unsure_below,
        folds=FOLDS,
        examples=n,
        measured=measured,
    )


def _recall(actual: list[bool], said: list[bool]) -> float:
    return sum(a and s for a, s in zip(actual, said, strict=True)) / max(sum(actual), 1)


def _precision(actual: list[bool], said: list[bool]) -> float:
    return sum(a and s for a, s in zip(actual, said, strict=True)) / max(sum(said), 1)


def train(examples: list[corpus.Example], fingerprint: str = "") -> Model:
    """Fit the heads on ``examples`` and calibrate them on out-of-fold predictions of the
    same examples (never on any held-out set)."""
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
    heads = _fit_heads(matrix, examples)
    return Model(
        words=words,
        chars=chars,
        heads=heads,
        fingerprint=fingerprint,
        calibration=calibrate(matrix, examples, found),
    )


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
        importlib.metadata.version("opencc-purepy"),
        *(
            (Path(__file__).parent / name).read_text(encoding="utf-8")
            for name in ("lexicon.py", "signals.py", "decide.py", "text.py")
        ),
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
    model = _cached(path, fingerprint)
    if model is not None:
        return model
    # One process trains; another that needs the model meanwhile (the demo beside its
    # warm-up, gunicorn's workers) waits for it and reads its cache instead of training too.
    with _training_lock(path):
        model = _cached(path, fingerprint)
        if model is None:
            model = train(corpus.training_set(), fingerprint)
            _store(model, path)
    return model


def _cached(path: Path, fingerprint: str) -> Model | None:
    try:
        with path.open("rb") as cached:
            model = pickle.load(cached)
        if isinstance(model, Model) and model.fingerprint == fingerprint:
            return model
    except (OSError, pickle.UnpicklingError, AttributeError, EOFError, ImportError):
        pass
    return None


@contextlib.contextmanager
def _training_lock(path: Path) -> Iterator[None]:
    """An advisory lock beside the cache file, where the system has one (best effort: no
    lock only means two processes may train at once, as before)."""
    try:
        import fcntl

        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.with_suffix(".lock").open("a")
    except (ImportError, OSError):
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def warm_in_background() -> subprocess.Popen | None:
    """Train (or load) the model in a child process, on another core, while this process
    does other work (the demo's first start loads its county meanwhile); the first
    ``current()`` here then waits for the child's cache instead of training again."""
    try:
        return subprocess.Popen(
            [sys.executable, "-c", "from fengqiao.triage import model; model.current()"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            # Its failure shows as this process training after all, not as noise.
            stderr=subprocess.DEVNULL,
        )
    except OSError as error:
        log.warning("triage model not warmed in the background: %s", error)
        return None


def _store(model: Model, path: Path) -> None:
    """Best effort: a read-only or full disk only means training again next start."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
    except OSError as error:
        log.warning("triage model not cached at %s: %s", path, error)
