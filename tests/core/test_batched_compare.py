"""Compare mode's batched path (ganviz.core.runs.batched_engine): one child trains the runs as one batch and
publishes each run as its own trainer process would."""

from __future__ import annotations

import gc
import os
import sys
import textwrap

import numpy as np
import pytest
import torch
from test_engine import child_ends_with_its_window, shm_files
from waiting import wait_for

from ganviz.core.runs.commands import SetObjective, Stop
from ganviz.core.runs.compare import CompareError, LockStep, run_config
from ganviz.core.runs.engine import state_tensors
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.trainer import Trainer

BASE = TrainConfig(dataset="grid25", hidden=16, layers=2, batch=64, seed=5, n_fixed=200, device="cpu")
RUNS = [run_config(BASE, o) for o in ("nonsaturating", "minimax", "lsgan", "hinge")]


def _max_difference(mine: list[torch.Tensor], theirs: list[torch.Tensor]) -> float:
    return max(float((a - b).abs().max()) for a, b in zip(mine, theirs, strict=True))


def test_batched_runs_publish_what_their_own_processes_publish():
    """After the same lock-step chunks (pipelined ones included) each run's published weights, fakes and loss
    history are its single Trainer's to rounding: what the process-per-run path publishes bit for bit
    (test_compare.test_lock_step_equals_independent_training_bit_for_bit)."""
    lock = LockStep(RUNS)
    group = lock.group
    try:
        assert lock.batched and lock.not_batched is None
        wait_for(lock.ready, what="the batched trainer to publish")
        held = shm_files(group.process.pid)  # its queues' semaphores (torch's segments are unlinked at once)
        assert lock.frames().step == 0
        for n in (1, 7):
            assert lock.advance(n)
            lock.frames(chunk=n)
        # the next chunk starts before the frames are built; they still show step 8, history up to step 8
        bundle = lock.frames(chunk=7, then=12)
        assert [f.step for f in bundle.frames] == [8] * 4 and lock.in_flight
        assert all(f.column("step")[-1] == 8 for f in bundle.frames)
        assert lock.wait()
        bundle = lock.frames(chunk=12)
        assert bundle.step == 20 and [f.step for f in bundle.frames] == [20] * 4 and lock.steps == [20] * 4
        for config, model, frame in zip(RUNS, lock.models, bundle.frames):
            reference = Trainer(config)
            reference.step(20)
            assert _max_difference(model.engine.tensors, state_tensors(reference)) < 1e-5, config.objective
            assert np.allclose(frame.fakes, reference.fakes(), atol=1e-5)
            assert frame.objective == config.objective
            assert list(frame.column("step")) == list(range(1, 21))  # one row per step, as a single child sends
            assert frame.column("g_loss")[-1] == pytest.approx(reference.last_values()["g_loss"], rel=1e-4)
        assert not np.allclose(bundle.frames[0].fakes, bundle.frames[2].fakes)  # four different runs
    finally:
        lock.close()
    assert not group.alive  # every run released: it ends
    del lock, group, model
    gc.collect()  # the queues' semaphores are unlinked with the last owner-side reference
    assert held and not any(os.path.exists(p) for p in held)


def test_a_diverging_batched_run_stops_alone_and_the_others_go_on():
    # Adam with β2 = 0 at lr 10: a saturating gradient divided by its own tiny size, NaN within a few steps
    blowing = run_config(BASE, "lsgan").replace(lr_g=10.0, lr_d=10.0, beta1=0.99, beta2=0.0)
    runs = [RUNS[0], blowing, RUNS[3]]
    lock = LockStep(runs)
    try:
        assert lock.batched
        assert lock.advance(20)
        assert lock.diverged[0] is None and lock.diverged[2] is None and lock.diverged[1] is not None
        detected, restored, suggestion = lock.diverged[1]
        assert restored < detected and lock.active == [0, 2] and "learning rates" in suggestion
        assert lock.advance(5) and lock.step == 25
        bundle = lock.frames()
        assert [f.step for f in bundle.frames] == [25, restored, 25]
        assert np.isfinite(bundle.frames[1].fakes).all()
        assert (bundle.frames[1].column("step") <= restored).all()  # its rows past the restored step dropped
        for r in (0, 2):  # the others trained on undisturbed: still their single runs
            reference = Trainer(runs[r])
            reference.step(25)
            assert _max_difference(lock.models[r].engine.tensors, state_tensors(reference)) < 1e-4
    finally:
        lock.close()


class _Model:
    """A stand-in RunModel: records how LockStep builds its runs, starts no process."""

    def __init__(self, config, state, paced, engine=None, sharing=1) -> None:
        self.config, self.engine = config, engine
        self.divergence = None

    def send(self, cmd) -> None:
        assert isinstance(cmd, Stop)

    def close(self) -> None:
        pass


def test_a_set_that_cannot_be_batched_trains_in_separate_processes():
    runs = [RUNS[0], run_config(BASE, "wgan-gp")]  # 1 vs 5 critic steps
    lock = LockStep(runs, model=_Model)
    assert not lock.batched and "n_critic" in lock.not_batched and all(m.engine is None for m in lock.models)
    lock.close()
    with pytest.raises(CompareError, match="cannot train as one batch: runs differ in n_critic"):
        LockStep(runs, model=_Model, batched=True)
    lock = LockStep(RUNS[:2], model=_Model, batched=False)
    assert not lock.batched and lock.not_batched == "separate processes asked for"
    sn = [RUNS[0], run_config(BASE, "hinge", spectral_norm=True)]
    assert "spectral" in LockStep(sn, model=_Model).not_batched


def test_a_run_that_leaves_the_batch_gets_a_process_of_its_own():
    """A command the batch cannot follow for one run is refused with a notice; resetting that run gives it a
    trainer process of its own, and the batch goes on with the others."""
    lock = LockStep(RUNS[:2])
    try:
        lock.models[1].send(SetObjective("hinge"))
        engine = lock.models[1].engine
        wait_for(lambda: (engine.poll(), any(k == "rejected" for k, _ in engine.notices))[1], what="a rejection")
        lock.models[1].reset()
        assert lock.models[1].engine is not engine and lock.group.alive  # run 0 still trains in the batch
        assert lock.advance(3) and lock.steps == [3, 3]
    finally:
        lock.close()
    assert not lock.group.alive


WINDOW = textwrap.dedent(
    """
    import time
    from ganviz.core.runs.batched_engine import BatchedProcess
    from ganviz.core.runs.commands import Step
    from ganviz.core.training.config import TrainConfig

    if __name__ == "__main__":
        configs = [TrainConfig(hidden=16, layers=2, batch=32, seed=1, objective=o) for o in ("minimax", "hinge")]
        group = BatchedProcess(configs)
        for e in group.engines:
            e.send(Step(100000))  # training until killed
        while True:  # training, both runs published
            for e in group.engines:
                e.poll()
            if all(e.last_seq >= 0 and e.mirror.step_count >= 5 for e in group.engines):
                break
            time.sleep(0.01)
        print(group.process.pid, flush=True)
        time.sleep(300)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_batched_child_exits_soon_after_its_window_is_killed(tmp_path, child_env):
    """As a single trainer child does (engine._die_with_parent, _ParentWatch): kill -9 of the window ends it,
    and the semaphores it held in /dev/shm are unlinked."""
    child_ends_with_its_window(tmp_path, WINDOW, [], child_env, "batched trainer")
