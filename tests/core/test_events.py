"""Loss-plot events found in synthetic history and quality tables (no training here)."""

from __future__ import annotations

import numpy as np

from ganviz.core.analysis.events import EventScanner
from ganviz.core.analysis.frames import HISTORY_COLUMNS, QUALITY_COLUMNS

H = {name: i for i, name in enumerate(HISTORY_COLUMNS)}
Q = {name: i for i, name in enumerate(QUALITY_COLUMNS)}


def history(n: int, start: int = 1, d_real: float = 0.6, d_fake: float = 0.4, grad: float = 1.0) -> np.ndarray:
    h = np.full((n, len(HISTORY_COLUMNS)), 0.5)
    h[:, H["step"]] = np.arange(start, start + n)
    h[:, H["d_real"]], h[:, H["d_fake"]] = d_real, d_fake
    h[:, H["d_grad_norm"]] = np.nan
    h[::10, H["d_grad_norm"]] = grad  # recorded at publish steps only, as in the engine
    return h


def quality(modes: list[float], every: int = 100) -> np.ndarray:
    q = np.zeros((len(modes), len(QUALITY_COLUMNS)))
    q[:, Q["step"]] = every * np.arange(1, len(modes) + 1)
    q[:, Q["modes"]] = modes
    return q


def scanner() -> EventScanner:
    return EventScanner(HISTORY_COLUMNS, QUALITY_COLUMNS)


def kinds(events) -> list[str]:
    return [kind for _, kind, _ in events]


def test_quiet_history_has_no_events():
    assert scanner().scan(history(3000), quality([8, 8, 7, 8, 8, 7, 6, 7, 8])) == []


def test_coverage_drop_of_three_is_one_event():
    q = quality([8, 8, 8, 7, 5, 5, 4, 5])
    events = scanner().scan(history(10), q)
    assert kinds(events) == ["coverage_drop"]
    step, _, text = events[0]
    assert step == 500 and "8 to 5" in text


def test_coverage_drop_counts_from_the_best_and_re_arms():
    s = scanner()
    q = quality([6, 8, 7, 6, 5, 8, 9, 6, 8])  # 8 → 5 (step 500), then 9 → 6 (step 800)
    assert [e[0] for e in s.scan(history(10), q[:5])] == [500]
    assert [e[0] for e in s.scan(history(10), q)] == [800]  # only the new rows are scanned


def test_coverage_ignores_unmeasured_rows():
    assert scanner().scan(history(10), quality([np.nan, np.nan, np.nan])) == []


def test_d_confident_for_500_steps_is_one_event():
    h = history(2000)
    h[100:900, H["d_real"]], h[100:900, H["d_fake"]] = 0.999, 0.001  # 800 confident steps: one run
    events = scanner().scan(h, quality([]))
    assert kinds(events) == ["d_confident"]
    assert events[0][0] == h[100 + 499, H["step"]]


def test_d_confident_needs_500_steps_and_sigmoid_outputs():
    h = history(1000)
    h[100:599, H["d_real"]], h[100:599, H["d_fake"]] = 0.999, 0.001  # 499 steps
    assert scanner().scan(h, quality([])) == []
    h = history(1000, d_real=0.999, d_fake=0.001)
    assert scanner().scan(h, quality([]), sigmoid_d=False) == []  # a critic's raw values mean nothing here


def test_d_confident_run_across_scans_is_found_once():
    h = history(3000, d_real=0.995, d_fake=0.002)
    s = scanner()
    found = []
    for end in range(100, 3001, 100):  # frames arrive in small chunks
        found += s.scan(h[:end], quality([]))
    assert kinds(found) == ["d_confident"] and found[0][0] == 500
    # a new run after a break is a new event
    h2 = np.concatenate([h, history(10, start=3001), history(600, start=3011, d_real=0.999, d_fake=0.0)])
    assert kinds(s.scan(h2, quality([]))) == ["d_confident"]


def test_critic_gradient_above_limit():
    h = history(3000)
    h[1500, H["d_grad_norm"]] = 5e3
    h[1510, H["d_grad_norm"]] = 6e3  # the same episode: no second marker within 500 steps
    events = scanner().scan(h, quality([]))
    assert kinds(events) == ["critic_grad_exploded"] and events[0][0] == 1501 and "5e+03" in events[0][2]
    # once it has come back down, a later explosion is a new event
    h[2500, H["d_grad_norm"]] = 2e4
    assert [e[0] for e in scanner().scan(h, quality([]))] == [1501, 2501]


def test_critic_gradient_growing_100x_in_500_steps():
    h = history(2000, grad=1e-3)
    rows = np.arange(1000, 2000)
    h[rows[::10], H["d_grad_norm"]] = 1e-3 * np.geomspace(1, 1e5, len(rows[::10]))  # ~300× per 500 steps, < 1e3
    events = scanner().scan(h, quality([]))
    assert kinds(events) == ["critic_grad_exploded"] and "grew" in events[0][2]
    # slow growth (10× in 1000 steps) is no event
    h = history(2000, grad=0.5)
    h[rows[::10], H["d_grad_norm"]] = 0.5 * np.geomspace(1, 10, len(rows[::10]))
    assert scanner().scan(h, quality([])) == []


def test_rewind_rescans_the_rows_after_the_cut():
    h = history(2000, d_real=0.999, d_fake=0.001)
    s = scanner()
    assert kinds(s.scan(h, quality([]))) == ["d_confident"]
    s.rewind(200, 0)  # rolled back to step 200: the rows that follow are a new timeline
    h2 = np.concatenate([h[:200], history(600, start=201, d_real=0.999, d_fake=0.001)])
    assert kinds(s.scan(h2, quality([]))) == ["d_confident"]
