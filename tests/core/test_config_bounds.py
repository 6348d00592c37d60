"""TrainConfig's numeric ranges (config.BOUNDS): one-line errors past them, and the extremes really run."""

from __future__ import annotations

import pytest

from ganviz.core.training.config import BOUNDS, ConfigError, TrainConfig, unused_by
from ganviz.core.training.objectives import OBJECTIVES
from ganviz.core.training.trainer import Trainer

TINY = {"hidden": 16, "layers": 2, "batch": 32, "n_fixed": 64}


@pytest.mark.parametrize("field", list(BOUNDS))
def test_past_the_upper_bound_is_refused_with_the_range(field):
    bound = BOUNDS[field]
    for value in (bound.high + 1, bound.high * 1000, 10**30 if bound.integer else float("inf")):
        with pytest.raises(ConfigError) as exc:
            TrainConfig(**{field: value}).validate()
        assert str(exc.value) == f"{field} must be {bound.describe()} (got {value!r})"
    TrainConfig(**{field: bound.high}).validate()


@pytest.mark.parametrize(
    ("field", "value"), [("hidden", 10**12), ("seed", 18446744073709), ("seed", 2**31), ("lr_d", float("nan"))]
)
def test_reported_values_are_config_errors(field, value):
    with pytest.raises(ConfigError, match=f"^{field} must be "):
        TrainConfig(**{field: value}).validate()


def test_below_and_wrong_types_still_refused():
    for field, value in [("hidden", 0), ("seed", -1), ("lr_g", 0.0), ("r1", -0.5), ("batch", 2.0), ("zdim", True)]:
        with pytest.raises(ConfigError, match=f"^{field} must be "):
            TrainConfig(**{field: value}).validate()
    TrainConfig(lr_g=None, lr_d=None, n_critic=None, r1=0.0, threads=0).validate()  # None: the objective's default


def test_the_largest_seed_trains():
    """seed * 1_000_003 + k seeds torch generators, which refuse ≥ 2**63: the bound keeps well inside."""
    trainer = Trainer(TrainConfig(seed=BOUNDS["seed"].high, **TINY))
    trainer.step(1)
    assert trainer.step_count == 1


def test_objective_only_settings_table():
    assert unused_by("nonsaturating") == {
        "clip": "only wgan clips weights",
        "gp_lambda": "only wgan-gp has a gradient penalty",
    }
    assert set(unused_by("wgan")) == {"gp_lambda"} and set(unused_by("wgan-gp")) == {"clip"}
    for name in OBJECTIVES.names():  # R1 and n_critic apply to every objective (Trainer._d_forward, Trainer.step)
        assert not {"r1", "n_critic", "spectral_norm"} & set(unused_by(name))
