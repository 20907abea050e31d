"""The model trained once per fingerprint: a warm-up in a child process leaves the cache
that the parent then reads instead of training again (the demo's first start trains it on
the second core while the county loads)."""

from __future__ import annotations

import fcntl
import time

import pytest

from fengqiao.triage import model


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FENGQIAO_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_the_warm_up_in_a_child_leaves_the_cache_the_parent_reads(empty_cache, monkeypatch):
    child = model.warm_in_background()
    assert child is not None
    assert child.wait(timeout=600) == 0
    assert list(empty_cache.glob("triage-*.pickle"))

    def no_training(*args, **kwargs):
        raise AssertionError("the parent trained although the child left the model")

    monkeypatch.setattr(model, "train", no_training)
    loaded = model._load_or_train()
    assert loaded.fingerprint == model._fingerprint()


def _held_by_another(lock_path) -> bool:
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def test_a_process_that_needs_the_model_meanwhile_waits_for_the_one_training(
    empty_cache, monkeypatch
):
    child = model.warm_in_background()
    assert child is not None
    deadline = time.monotonic() + 120
    while not any(_held_by_another(p) for p in empty_cache.glob("triage-*.lock")):
        assert child.poll() is None, "the child finished before it was seen training"
        assert time.monotonic() < deadline, "the child never took the training lock"
        time.sleep(0.05)

    def no_training(*args, **kwargs):
        raise AssertionError("trained beside the child instead of waiting for it")

    monkeypatch.setattr(model, "train", no_training)
    loaded = model._load_or_train()
    assert loaded.fingerprint == model._fingerprint()
    assert child.wait(timeout=600) == 0
