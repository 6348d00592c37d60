"""The evented settings model: validated updates, one signal per change naming the changed fields, the
trainer's echo fed back."""

from __future__ import annotations

import pytest

from ganviz.core.runs.settings import Settings
from ganviz.core.training.config import ConfigError, TrainConfig

TINY = TrainConfig(hidden=16, layers=2, batch=32, seed=3)


@pytest.fixture
def settings():
    s = Settings(TINY)
    s.seen = []
    s.changed.connect(lambda config, fields: s.seen.append((config, fields)))
    return s


def test_update_emits_the_changed_fields_and_resolves(settings):
    assert settings.config == TINY.resolved()
    changed = settings.update(lr_g=3e-4, batch=64)
    assert changed == {"lr_g", "batch"}
    assert settings.seen == [(settings.config, frozenset({"lr_g", "batch"}))]
    assert settings.config.lr_g == 3e-4 and settings.config.batch == 64


def test_an_update_that_changes_nothing_is_silent(settings):
    assert settings.update(batch=TINY.batch) == frozenset()
    assert settings.seen == []


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"lr_g": -1.0}, "lr_g must be a number > 0"),
        ({"objective": "bogus"}, "objective 'bogus' is not allowed"),
        ({"batch": 30, "pack": 4}, "not divisible by pack"),
        ({"colour": "red"}, "unknown setting 'colour'"),
    ],
)
def test_a_bad_value_raises_one_line_and_changes_nothing(settings, changes, message):
    before = settings.config
    with pytest.raises(ConfigError, match=message) as info:
        settings.update(**changes)
    assert "\n" not in str(info.value)
    assert settings.config == before and settings.seen == []


def test_the_trainers_echo_becomes_the_settings_but_for_the_device(settings):
    echoed = settings.config.replace(device="cpu", n_critic=3)  # the child reports the device "auto" became
    assert settings.applied(echoed) == {"n_critic"}
    assert settings.config.device == "auto" and settings.config.n_critic == 3
