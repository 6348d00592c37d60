"""Training events worth a marker on the loss plot, found by scanning the history tables as they grow.

An event is ``(step, kind, text)``. Kinds:

* ``"diverged"``: NaN/Inf in the losses or weights; the trainer process rolled back (ganviz.core.training.guard);
* ``"coverage_drop"``: the mode count fell by ≥ 3 below its best since the last such event;
* ``"d_confident"``: for ≥ 500 steps D scored real data > 0.99 and fakes < 0.01 (sigmoid objectives, where
  the history's d_real / d_fake are mean σ(D)): the generator's gradient is vanishing;
* ``"critic_grad_exploded"``: ‖∇φ L_D‖ above 1e3, or 100× what it was 500 steps earlier.

No Qt and no torch here: the scanner works on the numpy tables of `ganviz.core.analysis.frames` (or any table with
the same column names), only over the rows added since its last scan.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

Event = tuple[int, str, str]
EVENT_KINDS = ("diverged", "coverage_drop", "d_confident", "critic_grad_exploded")

COVERAGE_DROP = 3
CONFIDENT_P = 0.99
CONFIDENT_STEPS = 500
GRAD_LIMIT = 1e3
GRAD_GROWTH = 100.0
GRAD_SPAN = 500  # steps over which GRAD_GROWTH counts; also the least gap between two grad events
GRAD_SMOOTH = 5  # grad norms are compared as running medians of this many recorded values


def diverged_event(detected: int, restored: int, suggestion: str) -> Event:
    return (
        int(detected),
        "diverged",
        f"NaN/Inf at step {detected}: paused and rolled back to step {restored}; {suggestion}",
    )


def _running_median(values: np.ndarray, k: int) -> np.ndarray:
    if len(values) == 0:
        return values
    padded = np.concatenate([np.full(k - 1, values[0]), values])
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, k), axis=1)


class EventScanner:
    """Finds events in the rows appended since the last `scan`; `rewind` after rows were removed."""

    def __init__(self, history_columns: Sequence[str], quality_columns: Sequence[str]) -> None:
        h, q = list(history_columns), list(quality_columns)
        self._step, self._d_real, self._d_fake, self._d_grad = (
            h.index("step"),
            h.index("d_real"),
            h.index("d_fake"),
            h.index("d_grad_norm"),
        )
        self._q_step, self._modes = q.index("step"), q.index("modes")
        self._history_rows = 0
        self._quality_rows = 0
        self._best_modes = math.nan
        self._streak_start: float | None = None  # step where the current D-confident run began
        self._fired_streak: float | None = None
        self._grad_fired_at = -math.inf
        self._grad_rearm_below = math.inf  # after an event, the next needs the norm back below a tenth of it

    def rewind(self, history_rows: int, quality_rows: int) -> None:
        """The tables were cut to these lengths (a roll-back): forget runs that reached past the cut."""
        self._history_rows = min(self._history_rows, history_rows)
        self._quality_rows = min(self._quality_rows, quality_rows)
        self._streak_start = self._fired_streak = None
        self._grad_fired_at = -math.inf
        self._grad_rearm_below = math.inf

    def scan(self, history: np.ndarray, quality: np.ndarray, sigmoid_d: bool = True) -> list[Event]:
        """New events in rows not scanned yet, by step. `sigmoid_d`: d_real/d_fake are probabilities."""
        events: list[Event] = []
        start_h, self._history_rows = self._history_rows, len(history)
        start_q, self._quality_rows = self._quality_rows, len(quality)
        if len(quality) > start_q:
            events += self._coverage(quality[start_q:])
        if len(history) > start_h:
            if sigmoid_d:
                events += self._confident(history[start_h:])
            else:
                self._streak_start = None
            events += self._grad(history, start_h)
        return sorted(events, key=lambda e: e[0])

    def _coverage(self, rows: np.ndarray) -> list[Event]:
        out = []
        for step, modes in rows[:, [self._q_step, self._modes]]:
            if not math.isfinite(modes):
                continue
            best = self._best_modes
            if not math.isfinite(best) or modes > best:
                self._best_modes = modes
            elif best - modes >= COVERAGE_DROP:
                out.append(
                    (int(step), "coverage_drop", f"modes captured fell from {best:.0f} to {modes:.0f} (mode dropping)")
                )
                self._best_modes = modes
        return out

    def _confident(self, rows: np.ndarray) -> list[Event]:
        steps = rows[:, self._step]
        with np.errstate(invalid="ignore"):
            ok = (rows[:, self._d_real] > CONFIDENT_P) & (rows[:, self._d_fake] < 1 - CONFIDENT_P)
        idx = np.arange(len(rows))
        last_break = np.maximum.accumulate(np.where(ok, -1, idx))
        carry = self._streak_start if self._streak_start is not None else steps[0]
        start = np.where(last_break >= 0, steps[np.minimum(last_break + 1, len(rows) - 1)], carry)
        fire = ok & (steps - start + 1 >= CONFIDENT_STEPS)
        out = []
        for i in np.flatnonzero(fire):
            if start[i] != self._fired_streak:
                self._fired_streak = start[i]
                out.append(
                    (
                        int(steps[i]),
                        "d_confident",
                        f"D has told real from fake with > {CONFIDENT_P:.0%} confidence for {CONFIDENT_STEPS} steps: "
                        "the generator gets almost no gradient (try the non-saturating loss, a lower D learning "
                        "rate, R1 or spectral normalisation)",
                    )
                )
        self._streak_start = float(start[-1]) if ok[-1] else None
        return out

    def _grad(self, history: np.ndarray, start_row: int) -> list[Event]:
        steps, grads = history[:, self._step], history[:, self._d_grad]
        first_new = steps[start_row]
        # the reference values lie up to ~2 spans back; steps are increasing, so a tail of the table will do
        lo = int(np.searchsorted(steps, first_new - 2 * GRAD_SPAN - 1, side="left"))
        tail_steps, tail = steps[lo:], grads[lo:]
        finite = np.isfinite(tail)
        fs, fg = tail_steps[finite], tail[finite]
        if len(fg) == 0:
            return []
        med = _running_median(fg, GRAD_SMOOTH)
        out = []
        for i in np.flatnonzero(fs >= first_new):
            s, g = fs[i], fg[i]
            if med[i] < self._grad_rearm_below:
                self._grad_rearm_below = math.inf
            if s < self._grad_fired_at + GRAD_SPAN or self._grad_rearm_below < math.inf:
                continue
            text = None
            if g > GRAD_LIMIT:
                text = f"critic gradient norm {g:.3g} > {GRAD_LIMIT:g}"
            else:
                j = int(np.searchsorted(fs, s - GRAD_SPAN, side="right")) - 1
                if j >= GRAD_SMOOTH - 1 and s - fs[j] <= 2 * GRAD_SPAN and med[j] > 0:
                    growth = med[i] / med[j]
                    if growth >= GRAD_GROWTH:
                        text = f"critic gradient norm grew {growth:.0f}× in {s - fs[j]:.0f} steps (now {med[i]:.3g})"
            if text:
                self._grad_fired_at = s
                self._grad_rearm_below = max(g, med[i]) / 10
                out.append(
                    (int(s), "critic_grad_exploded", text + ": lower D's learning rate or add a gradient penalty")
                )
        return out
