"""Digits image mode: the classifier, the mode metrics on hand-made inputs, the trainer's determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ganviz.core.problems import digits


@pytest.fixture(scope="module")
def clf() -> digits.DigitClassifier:
    return digits.get_classifier()


def test_classifier_held_out_accuracy(clf):
    print(f"digits classifier ({clf.description}): held-out accuracy {clf.accuracy:.4f} on {clf.n_test} digits")
    assert clf.accuracy >= 0.95
    assert clf.n_train + clf.n_test == 1797 and clf.n_test == 450
    assert digits.get_classifier() is clf  # trained once per process


def test_real_data_is_scaled_to_minus_one_one():
    x, y = digits.load_real()
    assert x.shape == (1797, 64) and x.dtype == np.float32
    assert x.min() == -1.0 and x.max() == 1.0
    assert set(np.unique(y)) == set(range(10))


def test_kl_to_uniform_formula():
    assert digits.kl_to_uniform(np.full(10, 0.1)) == pytest.approx(0.0, abs=1e-15)
    assert digits.kl_to_uniform(np.eye(10)[3]) == pytest.approx(math.log(10))
    p = np.array([0.5, 0.5] + [0.0] * 8)
    assert digits.kl_to_uniform(p) == pytest.approx(math.log(5))  # Σ ½ ln(10·½)


def test_metrics_from_hand_made_labels():
    one = digits.metrics_from_labels(np.full(500, 7))
    assert (one.classes_1pct, one.classes_any) == (1, 1)
    assert one.kl_uniform == pytest.approx(math.log(10))
    assert one.counts[7] == 500 and one.fractions.sum() == pytest.approx(1.0)
    # the notes' "7 7 9 9 9 1 1 1": three classes
    notes = digits.metrics_from_labels([7, 7, 9, 9, 9, 1, 1, 1])
    assert notes.classes_1pct == 3 and notes.counts.tolist() == [0, 3, 0, 0, 0, 0, 0, 2, 0, 3]
    # a class below 1 %: produced (≥ 1 sample) but not counted at ≥ 1 %
    labels = np.array([0] * 995 + [5] * 5)
    m = digits.metrics_from_labels(labels)
    assert (m.classes_1pct, m.classes_any) == (1, 2)


def test_all_samples_of_one_real_class_give_one_class_and_ln_10(clf):
    x, y = digits.load_real()
    m = digits.digit_metrics(x[y == 0], clf)
    assert m.classes_1pct == 1 and m.counts.argmax() == 0
    assert m.kl_uniform == pytest.approx(math.log(10), abs=0.05)
    # exactly ln 10 once the (rare) misread digits are left out
    pure = x[(y == 0) & (clf.predict(x) == 0)]
    exact = digits.digit_metrics(pure, clf)
    assert (exact.classes_1pct, exact.classes_any) == (1, 1)
    assert exact.kl_uniform == pytest.approx(math.log(10), abs=1e-12)


def test_real_digits_are_balanced(clf):
    x, _ = digits.load_real()
    m = digits.digit_metrics(x, clf)
    print(f"real digits: {m.classes_1pct} classes, KL to uniform {m.kl_uniform:.5f}")
    assert m.classes_1pct == 10 and m.classes_any == 10
    assert m.kl_uniform < 0.05


def test_tile_places_each_sample():
    rng = np.random.default_rng(0)
    s = rng.uniform(-1, 1, (64, 64)).astype(np.float32)
    t = digits.tile(s, 8, 8, pad=1, pad_value=0.25)
    assert t.shape == (71, 71)
    for k in range(64):
        r, c = divmod(k, 8)
        np.testing.assert_array_equal(t[9 * r : 9 * r + 8, 9 * c : 9 * c + 8], s[k].reshape(8, 8))
    assert t[8, :].tolist() == [0.25] * 71
    np.testing.assert_array_equal(
        digits.tile(s, 8, 8, pad=0), s.reshape(8, 8, 8, 8).transpose(0, 2, 1, 3).reshape(64, 64)
    )


def test_trainer_shapes_and_determinism(clf):
    a = digits.DigitsGan("nonsaturating", seed=3, width=64)
    b = digits.DigitsGan("nonsaturating", seed=3, width=64)
    c = digits.DigitsGan("nonsaturating", seed=4, width=64)
    for g in (a, b, c):
        g.step(15)
    fa, ma = a.evaluate(clf)
    fb, mb = b.evaluate(clf)
    assert fa.shape == (digits.N_METRIC, 64) and fa.dtype == np.float32
    assert np.abs(fa).max() <= 1.0  # tanh output
    np.testing.assert_array_equal(fa, fb)
    np.testing.assert_array_equal(ma.counts, mb.counts)
    assert not np.array_equal(fa, c.samples())


def test_every_objective_steps_on_digits():
    from ganviz.core.training.objectives import OBJECTIVES

    for name in OBJECTIVES.names():
        g = digits.DigitsGan(name, seed=0, batch=16, width=32)
        g.step(2)
        assert g.step_count == 2 and np.isfinite(g.samples()).all(), name
