"""The run model: live changes reach the trainer as commands and come back as the settings it applied; fields
that need new networks are refused until a reset; a divergence notice pauses the run."""

from __future__ import annotations

import pytest
from waiting import wait_for

from ganviz.core.runs.run_model import NeedsReset, RunModel
from ganviz.core.training.config import ConfigError, TrainConfig

TINY = TrainConfig(hidden=16, layers=2, batch=32, seed=5)


@pytest.fixture(scope="module")
def model():
    m = RunModel(TINY)
    yield m
    m.close()


def echo(model: RunModel) -> None:
    """Build frames (the frame source polls the trainer) until its echo includes every command sent."""
    wait_for(lambda: (model.builder.build(force=True), model.engine.settings_current)[1], what="the echo")
    model.take_echo()


def test_a_live_change_reaches_the_trainer_and_its_echo_the_settings(model):
    seen = []
    model.settings.changed.connect(lambda config, fields: seen.append(fields))
    assert model.change(objective="wgan-gp", lr_g=2e-4, n_critic=3) == {"objective", "lr_g", "n_critic"}
    assert seen == [{"objective", "lr_g", "n_critic"}]
    assert model.builder.mirror.config.objective == "wgan-gp"  # the frame source draws the new surface at once
    echo(model)
    child = model.engine.child_config
    assert (child.objective, child.lr_g, child.n_critic) == ("wgan-gp", 2e-4, 3)
    assert model.config == child.replace(device=model.config.device)  # the settings are what the child applied
    model.step(2)
    wait_for(lambda: (model.builder.build(), model.builder.mirror.step_count >= 2)[1], what="two steps")
    assert model.engine.error is None


def test_fields_that_need_new_networks_are_refused_until_a_reset(model):
    before = model.config
    with pytest.raises(NeedsReset, match="hidden need new networks"):
        model.change(hidden=32, lr_d=1e-4)
    assert model.config == before  # nothing applied, not even the live part
    old_engine = model.engine
    model.reset(model.config.replace(hidden=32))
    assert model.engine is not old_engine and not old_engine.alive
    assert model.builder.mirror.config.hidden == 32 and model.config.hidden == 32
    assert not model.running and model.divergence is None


def test_a_bad_value_is_refused_in_one_line(model):
    before = model.config
    with pytest.raises(ConfigError, match="batch must be an integer") as info:
        model.change(batch=0)
    assert "\n" not in str(info.value) and model.config == before


def test_running_and_divergence_state(model):
    model.start()
    assert model.running
    model.note("diverged", (10, 5, "lower the learning rates"))
    assert not model.running and model.divergence == (10, 5, "lower the learning rates")
    model.note("saved", ("x.gvz", 3))  # other notices change nothing
    assert model.divergence == (10, 5, "lower the learning rates")
    model.pause()


def test_a_paced_run_refuses_steps_of_its_own():
    """Compare mode's runs are paced by the lock-step driver: a step sent past it would put one run ahead."""
    paced = RunModel(TrainConfig(hidden=16, layers=2, batch=32, seed=1), launch=False, paced=True)
    with pytest.raises(RuntimeError, match="driver"):
        paced.step(1)
