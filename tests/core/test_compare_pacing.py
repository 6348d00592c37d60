"""Compare mode keeps its runs training: chunks cover the GUI's drawing, and exact W1 keeps to a CPU budget.

Measured before these (4 runs of 64×3, offscreen): the runs trained at 0.28× of one run alone, because a chunk
was sized by the frames' build time only (the runs idled while the GUI drew four views) and four metrics
threads each solved a 500×500 assignment a second, a whole core taken from training."""

from __future__ import annotations

import time

from waiting import wait_for

from ganviz.core.analysis.frames import SURFACE_SHARE, W1_CORE_SHARE, FrameBuilder
from ganviz.core.runs.commands import Start
from ganviz.core.runs.compare import LockStep, run_config
from ganviz.core.training.config import TrainConfig

TINY = TrainConfig(dataset="ring8", hidden=16, layers=2, batch=32, seed=3, n_fixed=300, device="cpu")


def test_a_chunk_lasts_as_long_as_the_gui_takes_to_draw_a_bundle():
    """A GUI that needs 0.3 s per bundle: the runs' chunks grow until the children train through it (each
    chunk ≥ 0.15 s of their own time), instead of stopping after the ~0.05 s target and waiting."""
    lock = LockStep([run_config(TINY, o) for o in ("nonsaturating", "lsgan")])
    try:
        wait_for(lock.ready, what="the trainers to start")
        lock.start()
        deadline = time.monotonic() + 60
        while lock.chunk_s < 0.15:
            assert time.monotonic() < deadline, f"chunks stayed at {lock.chunk_s:.3f} s of training"
            if lock.next_frame(False) is not None:
                time.sleep(0.3)  # the GUI drawing the bundle: the worker hands the next one over only after it
    finally:
        lock.close()


def test_exact_w1_waits_longer_when_it_costs_more_than_its_share_of_a_core():
    """With a tiny share, one W1 (tens of ms of CPU) puts the next one tens of seconds away: no second
    quality row within 4 s of frames, where the old once-a-second rule measured three or four."""
    builder = FrameBuilder(TINY)
    builder.w1_share = 0.001
    try:
        wait_for(lambda: builder.build() is not None, what="the trainer's first publish")
        builder.send(Start())
        wait_for(lambda: (builder.build(force=True), len(builder.quality.view()))[1] >= 1, what="a first row")
        until = time.monotonic() + 4
        while time.monotonic() < until:
            builder.build(force=True)
            time.sleep(0.05)
        assert len(builder.quality.view()) == 1
        assert builder.quality_period_s > 10
    finally:
        builder.close()


def test_every_compare_run_gets_an_equal_part_of_the_w1_and_heatmap_budgets():
    """Four runs' heatmaps, each re-evaluated as often as its own 35 % of the frame worker allowed, took 140 % of
    it together (py-spy of a compare window: the worker 67 % busy, its largest part the four surfaces)."""
    lock = LockStep([run_config(TINY, o) for o in ("nonsaturating", "lsgan", "hinge", "minimax")])
    try:
        assert [m.builder.w1_share for m in lock.models] == [W1_CORE_SHARE / 4] * 4
        assert [m.builder.surface_share for m in lock.models] == [SURFACE_SHARE / 4] * 4
        lock.models[1].reset()  # a run edited or taken out of the batch gets a new builder: the same shares
        assert lock.models[1].builder.w1_share == W1_CORE_SHARE / 4
        assert lock.models[1].builder.surface_share == SURFACE_SHARE / 4
    finally:
        lock.close()
