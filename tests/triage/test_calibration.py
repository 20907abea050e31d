"""Calibration and thresholds chosen on held-out folds, the 'please choose' path, and the
real development set kept out of training."""

from __future__ import annotations

import pytest

from fengqiao import triage
from fengqiao.triage import corpus, model
from fengqiao.triage.model import Platt


def test_the_shipped_model_carries_its_calibration_and_how_it_was_chosen():
    calibration = model.current().calibration
    described = calibration.describe()
    assert calibration.folds == model.FOLDS and calibration.examples == len(corpus.training_set())
    for key in ("red_threshold", "dispatch_threshold", "dispatch_certain", "unsure_below"):
        assert 0.0 <= described[key] <= 1.0
    for rule in ("red_rule", "dispatch_rule", "certain_rule", "unsure_rule"):
        assert "out-of-fold" in described[rule]
    # The rule it states is the rule it kept: red recall on the folds reaches its target.
    assert described["out_of_fold"]["red recall"] >= model.RED_RECALL


@pytest.mark.parametrize("name", ["red", "dispatch", "category"])
def test_calibrated_probabilities_are_monotone_in_the_raw_ones(name):
    mapping = getattr(model.current().calibration, name)
    assert mapping.slope > 0
    raw = [i / 100 for i in range(1, 100)]
    calibrated = [mapping(p) for p in raw]
    assert calibrated == sorted(calibrated)
    assert all(0.0 <= p <= 1.0 for p in calibrated)


def test_platt_scaling_learns_from_outcomes_and_never_inverts():
    raw = [0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9] * 5
    truth = [False, False, False, True, False, True, True, True] * 5
    fitted = Platt.fit(raw, truth)
    assert fitted.slope > 0 and fitted(0.9) > fitted(0.1)
    backwards = Platt.fit(raw, [not t for t in truth])
    assert backwards == Platt()  # no information the right way round: kept raw


def test_a_text_with_nothing_to_go_on_asks_a_person_to_choose():
    result = triage.classify("情况比较复杂，电话里说不清楚，想当面谈谈")
    assert result.confident is False
    assert result.confidence < model.current().calibration.unsure_below
    assert len(result.alternatives) == triage.ALTERNATIVES
    assert result.alternatives[0][0] == result.category
    # The contract of DESIGN.md §5 keeps its fields whatever the confidence.
    contract = {"id", "category", "risk", "dispatch", "level", "signals"}
    assert set(result.as_contract("x")) == contract


def test_a_plain_text_is_graded_with_confidence():
    result = triage.classify("楼上邻居每天半夜拖椅子，噪音很大，沟通了几次都不理")
    assert result.confident is True
    assert result.category == "neighbourhood"


def test_the_real_set_never_trains_the_model():
    real = corpus.load_real()
    training_ids = {e.id for e in corpus.training_set()}
    corpus_ids = {e.id for e in corpus.load()}
    assert real, "the real development set is in the repository"
    assert all(e.source.startswith("real:") for e in real)
    assert not {e.id for e in real} & corpus_ids
    assert not {e.text for e in real} & {e.text for e in corpus.load()}
    assert training_ids <= corpus_ids
    blind = corpus.load(corpus.BLIND_DIR)
    assert not {e.id for e in blind} & training_ids


def test_the_real_set_loads_its_extra_fields():
    real = corpus.load_real()
    assert all(e.voice for e in real)
    given = [e for e in real if e.mediation_category]
    from fengqiao.triage import mediation

    read = [mediation.label_of(e.mediation_category) for e in given]
    assert any(read), "the mediators' own categories are kept and readable"
    assert all(label is None or label in mediation.LABELS for label in read)
