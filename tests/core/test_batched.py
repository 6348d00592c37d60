"""Runs trained as one batch of models (ganviz.core.training.batched) are the runs trained alone."""

from __future__ import annotations

import pytest
import torch

from ganviz.core.training.batched import BatchedTrainer, NotBatchable, check_batchable
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.trainer import Trainer


def _configs(objective: str, **kw) -> list[TrainConfig]:
    base = dict(objective=objective, hidden=16, layers=2, batch=32, threads=1, **kw)
    # runs differ in seed, learning rates and betas: two runs share settings (one fused call), one has its own
    return [
        TrainConfig(seed=0, **base),
        TrainConfig(seed=1, **base),
        TrainConfig(seed=2, lr_g=2e-3, lr_d=3e-4, beta1=0.0, beta2=0.99, **base),
    ]


def _max_difference(batched: BatchedTrainer, r: int, single: Trainer) -> float:
    diffs = []
    for stacked, net in ((batched.G, single.G), (batched.D, single.D)):
        mine = stacked.state_dict(r)
        diffs += [float((mine[k] - v).abs().max()) for k, v in net.state_dict().items()]
    return max(diffs)


def test_wgan_gp_runs_are_their_single_runs_bit_for_bit():
    """Same initial weights, random streams, losses and Adam kernel; WGAN-GP's D gradients reach the biases as
    constants, so even the reductions' rounding agrees: every weight equal after 3 G steps (15 critic steps)."""
    configs = _configs("wgan-gp")
    batched = BatchedTrainer(configs)
    batched.step(3)
    for r, config in enumerate(configs):
        single = Trainer(config)
        single.step(3)
        assert _max_difference(batched, r, single) == 0.0, r


@pytest.mark.parametrize(
    "objective, penalties", [("nonsaturating", {}), ("lsgan", {}), ("nonsaturating", {"r1": 1.0, "r2": 0.5})]
)
def test_gan_runs_equal_their_single_runs_to_rounding(objective, penalties):
    """The batched products sum bias gradients in another order: equal to float rounding (a few 1e-8 on weights
    of order 0.1-1 after 10 steps), not bit for bit; a wrong stream, loss or update would differ by ≥ lr (1e-4)."""
    configs = _configs(objective, **penalties)
    batched = BatchedTrainer(configs)
    batched.step(10)
    for r, config in enumerate(configs):
        single = Trainer(config)
        single.step(10)
        assert _max_difference(batched, r, single) < 1e-6, r
        other = Trainer(configs[(r + 1) % len(configs)])
        other.step(10)
        assert _max_difference(batched, r, other) > 1e-3  # the check tells runs apart


def test_trainer_view_scores_a_batched_run():
    configs = _configs("nonsaturating")
    batched = BatchedTrainer(configs)
    batched.step(2)
    t = batched.trainer(1)
    assert t.step_count == 2 and batched.finite() == [True, True, True]
    assert torch.equal(t.G.state_dict()["0.weight"], batched.G.weights[0][1])
    assert t.evaluate()["w1"] > 0


@pytest.mark.parametrize(
    "change, why",
    [
        ({"hidden": 32}, "hidden"),
        ({"objective": "wgan-gp"}, "n_critic"),  # another objective is fine, another number of critic steps not
        ({"batch": 64}, "batch"),
        ({"update": "sim"}, "update"),
    ],
)
def test_runs_that_differ_in_more_than_seed_and_rates_are_refused(change, why):
    configs = _configs("nonsaturating")
    with pytest.raises(NotBatchable, match=why):
        check_batchable([*configs, configs[0].replace(**change)])


@pytest.mark.parametrize(
    "change, why",
    [
        ({"optimizer": "sgd"}, "only adam and rmsprop are batched, not sgd"),
        ({"spectral_norm": True}, "spectral"),
        # remedies the batched step does not implement: batching them would silently train without them
        ({"instance_noise": 0.1}, "instance_noise"),
        ({"pack": 2}, "pack"),
        ({"lecam": 0.1}, "lecam"),
        ({"consensus": 0.1}, "consensus"),
        ({"unroll": 2}, "unroll"),
    ],
)
def test_unsupported_settings_are_refused(change, why):
    with pytest.raises(NotBatchable, match=why):
        check_batchable([TrainConfig(hidden=8, layers=1, **change)])


def _mixed(objectives: list[str], **kw) -> list[TrainConfig]:
    """Compare mode's typical set: one seed, one net, an objective (and its defaults) per run."""
    base = TrainConfig(hidden=16, layers=2, batch=32, threads=1, seed=3, **kw)
    return [base.replace(objective=o).resolved() for o in objectives]


def _assert_runs_are_their_single_runs(configs: list[TrainConfig], steps: int) -> BatchedTrainer:
    batched = BatchedTrainer(configs)
    batched.record = True
    batched.step(steps)
    for r, config in enumerate(configs):
        single = Trainer(config)
        single.step(steps)
        assert _max_difference(batched, r, single) < 1e-5, (r, config.objective)
        # the numbers the compare child publishes are the run's own, as its single Trainer records them
        for key, value in single.last_values().items():
            assert float(batched.last[key][r]) == pytest.approx(value, rel=1e-4, abs=1e-6), (config.objective, key)
    return batched


def test_runs_of_different_objectives_are_their_single_runs():
    """Each group of runs takes its own objective's losses on its slice of the batched D output; their
    sum keeps runs independent, so after 20 steps each is its single run to rounding."""
    configs = _mixed(["nonsaturating", "minimax", "lsgan", "hinge"])
    batched = _assert_runs_are_their_single_runs(configs, 20)
    assert len(batched.groups) == 4
    # and they are four different runs: same start, different objectives
    assert _max_difference(batched, 0, Trainer(configs[2])) > 1e-3


def test_a_gradient_penalty_run_in_a_mixed_batch_is_its_single_run():
    """WGAN-GP's penalty (and its α draws) only for its runs: the others' gradients and streams stay theirs;
    runs of one objective may differ in learning rate and λ."""
    gp = _mixed(["wgan-gp", "wgan-gp"])
    configs = [gp[0], gp[1].replace(lr_d=3e-4, gp_lambda=1.0).resolved(), *_mixed(["hinge"], n_critic=5)]
    batched = _assert_runs_are_their_single_runs(configs, 4)
    assert [float(v) > 0 for v in batched.last["penalty"]] == [True, True, False]


def test_only_the_runs_that_clip_are_clipped():
    configs = _mixed(["wgan", "minimax"], optimizer="adam", n_critic=2, clip=0.02)
    _assert_runs_are_their_single_runs(configs, 3)
    batched = BatchedTrainer(configs)
    batched.step(3)
    w = batched.D.weights[0].detach()
    assert float(w[0].abs().max()) <= 0.02 < float(w[1].abs().max())


def test_weight_clipped_wgan_runs_with_rmsprop_are_their_single_runs():
    """The WGAN paper's setting (RMSprop, clipping, 5 critic steps): RMSprop's elementwise update on the stacked
    weights is each run's own torch.optim.RMSprop, and WGAN's linear loss sums no bias gradient in another order,
    so every weight is equal, bit for bit; runs may differ in learning rate (one update per group)."""
    configs = [c.replace(objective="wgan").resolved() for c in _configs("wgan")]
    assert {c.optimizer for c in configs} == {"rmsprop"} and configs[0].n_critic == 5
    batched = BatchedTrainer(configs)
    batched.step(4)
    for r, config in enumerate(configs):
        single = Trainer(config)
        single.step(4)
        assert _max_difference(batched, r, single) == 0.0, r
        other = Trainer(configs[(r + 1) % len(configs)])
        other.step(4)
        assert _max_difference(batched, r, other) > 1e-3
    assert float(batched.D.weights[0].detach().abs().max()) <= configs[0].clip


def test_runs_with_different_critic_steps_are_refused_with_the_reason():
    with pytest.raises(NotBatchable, match=r"runs differ in n_critic \(1 vs 5\)"):
        check_batchable(_mixed(["nonsaturating", "wgan-gp"]))
