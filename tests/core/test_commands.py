"""Typed commands: each setting, sent to a real trainer process, changes the config the child echoes back as
its definition says; anything that is not a command is rejected in one line and training goes on."""

from __future__ import annotations

import numpy as np
import pytest
from waiting import wait_for

from ganviz.core.runs.commands import (
    Freeze,
    SetBatch,
    SetCustomPoints,
    SetDataset,
    SetLearningRates,
    SetNCritic,
    SetObjective,
    SetOptimizer,
    SetRegularisers,
    Step,
    Together,
    setting_commands,
)
from ganviz.core.runs.engine import TrainerProcess
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.trainer import Trainer

TINY = TrainConfig(hidden=16, layers=2, batch=32, seed=3)
POINTS = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]], np.float32)


@pytest.fixture(scope="module")
def engine():
    e = TrainerProcess(TINY)  # one child for every case below: each spawn costs seconds
    yield e
    e.close()


def echoed(engine: TrainerProcess) -> TrainConfig:
    """The child's config once it has echoed every settings command sent so far."""
    wait_for(lambda: (engine.poll(), engine.settings_current)[1], what="the echoed config")
    assert engine.error is None
    return engine.child_config


CASES = [
    (SetObjective("wgan-gp"), {"objective": "wgan-gp"}),
    (SetDataset("grid25"), {"dataset": "grid25"}),
    (SetLearningRates(3e-4, None), {"lr_g": 3e-4}),
    (SetLearningRates(None, 7e-4), {"lr_d": 7e-4}),
    (SetNCritic(4), {"n_critic": 4}),
    (SetBatch(48), {"batch": 48}),
    (SetRegularisers({"r1": 2.5, "gp_lambda": 5.0, "instance_noise": 0.1}), {"r1": 2.5, "gp_lambda": 5.0}),
    (SetOptimizer("rmsprop"), {"optimizer": "rmsprop"}),
    (SetOptimizer("adam", 0.3, 0.8), {"optimizer": "adam", "beta1": 0.3, "beta2": 0.8}),
    (SetCustomPoints(POINTS, 0.05), {"dataset": "custom", "custom_spread": 0.05}),
    (Together((SetObjective("lsgan"), SetNCritic(2))), {"objective": "lsgan", "n_critic": 2}),
]


@pytest.mark.parametrize("cmd, expected", CASES, ids=[type(c).__name__ for c, _ in CASES])
def test_a_setting_changes_the_echoed_config(engine, cmd, expected):
    before = echoed(engine)
    engine.send(cmd)
    after = echoed(engine)
    for field, value in expected.items():
        assert getattr(after, field) == pytest.approx(value), field
    if isinstance(cmd, SetRegularisers):
        assert after.instance_noise == pytest.approx(0.1)
    if isinstance(cmd, SetCustomPoints):
        assert np.allclose(np.array(after.custom_points), POINTS)
    changed = {f for f in type(after).__dataclass_fields__ if getattr(after, f) != getattr(before, f)}
    assert changed <= set(expected) | {"instance_noise", "custom_points"}, changed  # nothing else moved


def test_freeze_applies_to_a_trainer():
    trainer = Trainer(TINY)
    Freeze("D", True).apply(trainer)
    assert trainer.frozen == {"D"}
    Freeze("D", False).apply(trainer)
    assert trainer.frozen == set()


@pytest.mark.parametrize("thing", ["frobnicate", ("lr", 1.0, 1.0), 42])
def test_anything_else_is_rejected_in_one_line_and_training_goes_on(engine, thing):
    engine.notices.clear()
    start = engine.mirror.step_count
    engine.send(thing)
    engine.send(Step(2))
    wait_for(lambda: (engine.poll(), engine.mirror.step_count >= start + 2)[1], what="2 steps after it")
    rejected = [p for k, p in engine.notices if k == "rejected"]
    assert len(rejected) == 1 and rejected[0][1] == "unknown command"
    assert "\n" not in rejected[0][0] and rejected[0][0] in ("frobnicate", "lr", "int")
    assert engine.alive and engine.error is None


def test_together_takes_settings_only():
    with pytest.raises(TypeError, match="settings only"):
        Together((SetNCritic(2), Step(1)))


def test_setting_commands_turn_a_config_change_into_commands():
    old = TINY.resolved()
    new = old.replace(objective="wgan-gp", lr_g=1e-3, r1=1.0, hidden=32).resolved()
    cmds, rebuild = setting_commands(old, new)
    assert rebuild == {"hidden"}
    assert isinstance(cmds[0], SetObjective)  # first: the steps after it validate under the new objective
    trainer = Trainer(old)
    for c in cmds:
        c.apply(trainer)
    assert trainer.config == new.replace(hidden=old.hidden)
