"""Compare mode core: equal initial weights across runs, lock-step driving equal to independent training."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from ganviz.core.runs.compare import (
    ChunkSizer,
    CompareError,
    LockStep,
    align,
    check_runs,
    default_runs,
    initial_state,
    named_comparison,
    parse_objectives,
    remedy_settings,
    run_config,
    run_details,
    run_title,
    underlying_weights,
)
from ganviz.core.runs.engine import state_tensors
from ganviz.core.runs.run_model import RunModel
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.trainer import Trainer

BASE = TrainConfig(dataset="grid25", hidden=16, layers=2, batch=64, seed=5, n_fixed=500, device="cpu")


def make_trainer(config: TrainConfig) -> Trainer:
    """What a compare run starts from: a fresh Trainer, with compare mode's initial state when it has one."""
    trainer = Trainer(config)
    state = initial_state(config)
    if state is not None:
        trainer.load_state_dict(state)
    return trainer


def assert_same_tensors(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


RUNS = [
    run_config(BASE, "nonsaturating"),
    run_config(BASE, "wgan-gp"),
    run_config(BASE, "nonsaturating", spectral_norm=True),
    run_config(BASE, "hinge", spectral_norm=True, r1=1.0, lr_g=3e-4, lr_d=2e-4),
]


def test_initial_weights_are_equal_across_objectives_and_regularisers():
    first = make_trainer(RUNS[0])
    for config in RUNS[1:]:
        other = make_trainer(config)
        assert_same_tensors(underlying_weights(first.G), underlying_weights(other.G))
        assert_same_tensors(underlying_weights(first.D), underlying_weights(other.D))
        assert torch.equal(first.z_fixed, other.z_fixed)
        assert other.step_count == 0


def test_spectral_norm_alone_would_change_the_initial_weights():
    """Why initial_state exists: wrapping a layer draws u, v from the init stream, so D's later layers differ."""
    plain, wrapped = Trainer(RUNS[0]), Trainer(RUNS[2])
    a, b = underlying_weights(plain.D), underlying_weights(wrapped.D)
    assert torch.equal(a["0.weight"], b["0.weight"])
    assert not torch.equal(a["2.weight"], b["2.weight"])
    assert initial_state(RUNS[0]) is None and initial_state(RUNS[1]) is None  # no change needed: fresh Trainer


def test_spectral_norm_run_keeps_its_normalisation_and_fresh_optimisers():
    state = initial_state(RUNS[2])
    trainer = make_trainer(RUNS[2])
    for layer in (m for m in trainer.D.modules() if isinstance(m, torch.nn.Linear)):
        # 15 power iterations at wrap time: the effective weight's largest singular value is ~1
        assert torch.linalg.matrix_norm(layer.weight.detach(), ord=2) == pytest.approx(1.0, abs=0.05)
    assert state["opt_d"]["state"] == {} and state["opt_g"]["state"] == {} and state["step"] == 0
    assert state["config"]["spectral_norm"] is True
    assert torch.equal(state_tensors(make_trainer(RUNS[2]))[-1], state_tensors(trainer)[-1])  # deterministic


def test_run_configs_share_data_seed_and_shape_but_keep_their_own_hyper_parameters():
    other = TrainConfig(dataset="ring8", objective="wgan", seed=9, hidden=64, lr_g=1e-5, r1=2.0)
    run = align(BASE, other)
    assert (run.dataset, run.seed, run.hidden, run.layers, run.batch) == ("grid25", 5, 16, 2, 64)
    assert (run.objective, run.lr_g, run.r1, run.optimizer, run.n_critic) == ("wgan", 1e-5, 2.0, "rmsprop", 5)
    runs = default_runs(BASE.replace(objective="lsgan", lr_g=0.5, n_critic=3))
    assert [r.objective for r in runs] == ["nonsaturating", "wgan-gp"]
    # base's optimiser settings belonged to base's objective: each run takes its own objective's defaults
    assert (runs[1].optimizer, runs[1].lr_g, runs[1].n_critic, runs[1].beta2) == ("adam", 1e-4, 5, 0.9)
    assert (runs[0].lr_g, runs[0].n_critic) == (1e-3, 1)
    with pytest.raises(CompareError, match="2 to 4 runs"):
        check_runs(BASE, runs[:1])
    with pytest.raises(CompareError, match="2 to 4 runs"):
        check_runs(BASE, runs * 3)
    with pytest.raises(CompareError, match="lr_g"):
        check_runs(BASE, [runs[0], runs[1].replace(lr_g=-1.0)])


def test_titles_and_objective_lists():
    assert run_title(RUNS[3]) == "Hinge + SN + R1 γ=1"
    assert run_title(RUNS[1]) == "WGAN-GP"
    assert run_details(RUNS[1]) == "adam · lr G 0.0001 / D 0.0001 · 5 D steps per G step · λ 0.1"
    assert parse_objectives("nonsaturating, wgan-gp") == ["nonsaturating", "wgan-gp"]
    with pytest.raises(CompareError, match="unknown objective 'nope'"):
        parse_objectives("nonsaturating,nope")
    with pytest.raises(CompareError, match="2 to 4"):
        parse_objectives("hinge")


def test_the_remedies_comparison_runs_gan_pacgan_unrolled_and_wgan_gp_on_grid25():
    base, runs = named_comparison("remedies", BASE.replace(dataset="ring8", pack=4, instance_noise=0.2))
    assert base.dataset == "grid25" and (base.pack, base.instance_noise) == (1, 0.0)  # base's remedies are off
    runs = check_runs(base, runs)  # aligning keeps each run's remedy settings
    assert [r.objective for r in runs] == ["nonsaturating", "nonsaturating", "nonsaturating", "wgan-gp"]
    assert [(r.pack, r.unroll) for r in runs] == [(1, 0), (2, 0), (1, 5), (1, 0)]
    assert all(r.dataset == "grid25" and r.instance_noise == 0.0 and r.hidden == 16 for r in runs)
    assert [run_title(r) for r in runs] == [
        "Non-saturating",
        "Non-saturating + PacGAN2",
        "Non-saturating + unrolled 5",
        "WGAN-GP",
    ]
    assert "first layer takes 4 inputs" in run_details(runs[1]) and "inputs" not in run_details(runs[2])
    assert remedy_settings(runs[1]) == {"pack": 2} and remedy_settings(runs[3]) == {}
    extra = check_runs(base, [runs[0], run_config(base, "hinge", remedies={"update": "extragradient"})])[1]
    assert extra.update == "extragradient" and run_title(extra) == "Hinge + extragradient"  # its own, not shared
    assert parse_objectives("remedies") == ["remedies"]
    with pytest.raises(CompareError, match="unknown comparison 'nope'.*remedies"):
        named_comparison("nope", BASE)
    with pytest.raises(CompareError, match="not a remedy setting: hidden"):
        run_config(BASE, "hinge", remedies={"hidden": 3})
    with pytest.raises(CompareError, match="not divisible by pack"):
        run_config(BASE.replace(batch=63), "hinge", remedies={"pack": 2})


def test_remedy_runs_share_the_initial_weights_where_the_shapes_allow():
    _, runs = named_comparison("remedies", BASE)
    plain, packed, unrolled, wgan = (make_trainer(r) for r in runs)
    for other in (packed, unrolled, wgan):
        assert_same_tensors(underlying_weights(plain.G), underlying_weights(other.G))
    for other in (unrolled, wgan):
        assert_same_tensors(underlying_weights(plain.D), underlying_weights(other.D))
    # PacGAN's D: (PackInput, Linear(4, h), …): its first layer is its own, every later layer is the plain D's
    d, p = underlying_weights(plain.D), underlying_weights(packed.D)
    assert p["1.weight"].shape == (16, 4) and not torch.equal(p["1.weight"][:, :2], d["0.weight"])
    assert torch.equal(p["3.weight"], d["2.weight"]) and torch.equal(p["5.bias"], d["4.bias"])
    assert not torch.equal(underlying_weights(Trainer(runs[1]).D)["3.weight"], d["2.weight"])  # why: own init
    # with spectral norm too: the same plain weights underneath
    sn = make_trainer(runs[1].replace(spectral_norm=True))
    assert torch.equal(underlying_weights(sn.D)["3.weight"], d["2.weight"])


def test_chunk_sizer_grows_and_shrinks_toward_the_target_time():
    s = ChunkSizer(target_s=0.05)
    assert [s.update(s.k, 0.001) for _ in range(4)] == [2, 4, 8, 16]  # at most ×2 per chunk
    assert s.update(16, 0.2) == 8  # 4× too slow: at most ÷2 per chunk
    assert s.update(8, 0.05) == 8
    assert s.update(8, 0.04) == 10
    s.k = 1
    assert s.update(1, 10.0) == 1  # never below one step
    s = ChunkSizer(max_k=5, k=4)
    assert s.update(4, 0.0) == 5
    # frames that cost more than the target: chunks as long as the frames, so training keeps half the time
    s = ChunkSizer(target_s=0.05, k=4)
    assert s.update(4, 0.05, overhead_s=0.1) == 8
    assert s.update(8, 0.1, overhead_s=0.02) == 4


def test_lock_step_equals_independent_training_bit_for_bit():
    """Chunks of different sizes, in separate processes, give each run exactly the weights and fakes of its own
    plain Trainer after the same number of generator steps (same seed, same initial weights)."""
    runs = [RUNS[0], RUNS[1], RUNS[2]]
    lock = LockStep(runs)
    engines = [m.engine for m in lock.models]
    try:
        deadline = time.monotonic() + 60
        while not lock.ready():  # the spawned children take a few seconds to publish their first state
            assert time.monotonic() < deadline, "trainer processes did not start"
            time.sleep(0.05)
        first = lock.frames()
        assert first.ready
        assert first.step == 0 and [f.step for f in first.frames] == [0, 0, 0]
        for n in (1, 7):
            assert lock.advance(n)
            bundle = lock.frames(chunk=n)
            assert [f.step for f in bundle.frames] == [bundle.step] * 3 and lock.steps == [bundle.step] * 3
        # pipelined: each run starts its next chunk as soon as its own frame is built
        bundle = lock.frames(chunk=7, then=12)
        assert bundle.step == 8 and [f.step for f in bundle.frames] == [8, 8, 8] and lock.in_flight
        with pytest.raises(RuntimeError, match="between chunks"):
            lock.frames()
        assert lock.wait() and not lock.in_flight and lock.chunk_s > 0
        bundle = lock.frames(chunk=12)
        assert bundle.step == 20 and bundle.chunk == 12 and bundle.diverged == (None,) * 3
        assert [f.step for f in bundle.frames] == [20, 20, 20] and lock.steps == [20, 20, 20]
        for config, model, frame in zip(runs, lock.models, bundle.frames):
            assert isinstance(model, RunModel) and model.config == config and model.paced
            reference = make_trainer(config)
            reference.step(20)
            for mine, theirs in zip(model.engine.tensors, state_tensors(reference)):
                assert torch.equal(mine, theirs), config.objective
            assert np.array_equal(frame.fakes, reference.fakes())
            assert frame.objective == config.objective
        # the runs really are different: same start, different training
        assert not np.array_equal(bundle.frames[0].fakes, bundle.frames[1].fakes)
        assert not np.array_equal(bundle.frames[0].fakes, bundle.frames[2].fakes)
    finally:
        lock.close()
    assert not any(e.alive for e in engines) and all(m.builder is None for m in lock.models)


def test_a_diverging_run_leaves_the_lock_step_and_the_others_go_on():
    stable = run_config(BASE, "lsgan").replace(optimizer="sgd", lr_g=1e-3, lr_d=1e-3)
    blowing = stable.replace(lr_g=10.0, lr_d=10.0)  # plain SGD at lr 10: NaN within a few steps
    lock = LockStep([stable, blowing])
    try:
        assert lock.advance(60)
        assert lock.diverged[0] is None and lock.diverged[1] is not None
        detected, restored, _ = lock.diverged[1]
        assert restored < detected and lock.active == [0]
        assert lock.models[1].divergence == lock.diverged[1] and lock.models[0].divergence is None
        assert lock.advance(10) and lock.step == 70
        bundle = lock.frames()
        assert bundle.frames[0].step == 70 and bundle.frames[1].step == restored
        assert np.isfinite(bundle.frames[1].fakes).all()
        assert lock.frames().frames[1] is bundle.frames[1]  # a stopped run's frame is not rebuilt
    finally:
        lock.close()


def drive(lock: LockStep, until, force: bool = False, timeout_s: float = 60.0):
    """Call next_frame as the window's frame worker does until a bundle satisfies `until`; that bundle."""
    deadline = time.monotonic() + timeout_s
    while True:
        assert time.monotonic() < deadline, "no such bundle"
        bundle = lock.next_frame(force)
        if bundle is not None and until(bundle):
            return bundle
        time.sleep(0.005)


def test_the_frame_source_starts_pauses_and_steps_every_run_through_its_model():
    """What the frame worker calls: a first bundle as soon as the trainers are up, single steps while paused,
    chunks while started (each model says it runs), and after a pause a bundle where every run stopped."""
    tiny = BASE.replace(n_fixed=200)
    lock = LockStep([run_config(tiny, "nonsaturating"), run_config(tiny, "lsgan")])
    try:
        assert lock.failure() is None and not lock.running
        first = drive(lock, lambda b: b.ready)  # unforced: the source says when every trainer is up
        assert first.step == 0 and lock.next_frame(False) is None  # paused, nothing asked: nothing to build
        lock.step_once(3)
        assert drive(lock, lambda b: True).step == 3
        lock.start()
        assert lock.running and all(m.running for m in lock.models)
        drive(lock, lambda b: b.step >= 10 and b.chunk >= 1)
        lock.pause()
        assert not any(m.running for m in lock.models)
        last = drive(lock, lambda b: not lock.in_flight)
        assert [f.step for f in last.frames] == [last.step] * 2 and lock.steps == [last.step] * 2
        assert lock.next_frame(False) is None and lock.step == last.step  # paused: nothing moves on
    finally:
        lock.close()
    assert lock.failure() == "run A: the run has no trainer process"


def test_lock_step_refuses_a_bad_run_count():
    with pytest.raises(CompareError):
        LockStep([BASE])
