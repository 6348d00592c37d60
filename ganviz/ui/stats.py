"""What `--stats-json` reports about a window's drawing and training speed (no Qt)."""

from __future__ import annotations

import time

LAUNCHED_AT = time.perf_counter()  # this module is imported as the application starts (ganviz.ui.app)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def frame_rate_stats(frame_times, frame_steps, started: float) -> dict:
    """Drawing and training speed seen by a window since `started`, from its per-frame logs."""
    drawn = [t for t in frame_times if t >= started]
    # training speed from the first frame that shows a step to the last (child start-up excluded)
    moving = [(t, s) for t, s in frame_steps if s > 0]
    (t_a, s_a), (t_b, s_b) = (moving[0], moving[-1]) if len(moving) > 1 else ((0.0, 0), (1.0, 0))
    return {
        "seconds": time.perf_counter() - started,
        "train_steps_per_s": (s_b - s_a) / (t_b - t_a) if t_b > t_a else 0.0,
        "frames": len(drawn),
        "fps": (len(drawn) - 1) / (drawn[-1] - drawn[0]) if len(drawn) > 1 else 0.0,
        "first_frame_s": (drawn[0] - LAUNCHED_AT) if drawn else None,
    }
