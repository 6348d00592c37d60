"""Presets: every shipped file validates and trains; bad files fail in one line; the main claims (slow)."""

from __future__ import annotations

import math

import pytest

from ganviz.core.config import ConfigError, TrainConfig
from ganviz.core.objectives import OBJECTIVES
from ganviz.core.presets import (
    PRESET_DIR,
    Preset,
    PresetError,
    get_preset,
    list_presets,
    load_preset_file,
    preset_config,
    preset_names,
)
from ganviz.core.trainer import Trainer

TEACHING = ("mode-collapse", "saturating-minimax-stalls", "weight-clipping-pathology", "wgan-gp-vs-gan")
NAMES = preset_names()


def test_the_preset_folder_is_found_and_complete():
    assert PRESET_DIR.is_dir()
    expected = {f"{o}-{d}" for o in OBJECTIVES.names() for d in ("ring8", "grid25")} | set(TEACHING)
    assert expected <= set(NAMES)
    assert [p.name for p in list_presets()] == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_preset_validates(name):
    preset = get_preset(name)
    assert preset.name == name and preset.path == PRESET_DIR / f"{name}.toml"
    assert preset.title and preset.description
    assert preset.description.count(". ") <= 2 and len(preset.description) < 400  # a sentence or two
    assert isinstance(preset.config, TrainConfig)
    preset.config.validate()
    preset.config.resolved()
    assert preset.steps is None or preset.steps >= 1
    assert preset_config(name) == preset.config


@pytest.mark.parametrize("name", NAMES)
def test_preset_trains_a_step(name):
    config = preset_config(name).replace(n_fixed=200)
    trainer = Trainer(config)
    trainer.step(1)
    metrics = trainer.evaluate(n_w1=100)
    assert math.isfinite(metrics["w1"])


def test_objective_presets_match_their_names():
    for objective in OBJECTIVES.names():
        for dataset in ("ring8", "grid25"):
            config = preset_config(f"{objective}-{dataset}")
            assert (config.objective, config.dataset) == (objective, dataset)
    collapse, gp = preset_config("mode-collapse"), preset_config("wgan-gp-vs-gan")
    assert (collapse.objective, collapse.dataset, gp.objective, gp.dataset) == (
        "nonsaturating",
        "grid25",
        "wgan-gp",
        "grid25",
    )
    same_nets = ("hidden", "layers", "zdim", "activation", "prior", "batch")
    assert [getattr(collapse, f) for f in same_nets] == [getattr(gp, f) for f in same_nets]
    assert preset_config("saturating-minimax-stalls").objective == "minimax"
    assert preset_config("weight-clipping-pathology").objective == "wgan"


def test_unknown_preset_lists_the_names():
    with pytest.raises(ValueError, match=r"unknown preset 'nope'; choose one of: .*mode-collapse"):
        get_preset("nope")


GOOD = """
name = "demo"
title = "Demo"
description = "A demo."
steps = 10
[config]
dataset = "grid25"
lr_d = 1
[expect]
modes_robust_min = 3
hq_max = 0.5
"""


def test_a_good_file_and_its_claims(tmp_path):
    path = tmp_path / "demo.toml"
    path.write_text(GOOD)
    preset = load_preset_file(path)
    assert preset.config == TrainConfig(dataset="grid25", lr_d=1.0) and preset.steps == 10
    assert preset.claims and preset.expect == {"modes_robust_min": 3.0, "hq_max": 0.5}
    assert preset.check({"modes_robust": 3, "hq": 0.5}) == []
    assert len(preset.check({"modes_robust": 2, "hq": 0.6})) == 2
    assert preset.check({"modes_robust": 5, "hq": math.nan}) == ["hq = nan, expected ≤ 0.5"]
    assert get_preset("demo", tmp_path) == preset and [p.name for p in list_presets(tmp_path)] == ["demo"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("lr_d = 1", "lrd = 1"), "unknown field config.lrd"),
        (("lr_d = 1", 'lr_d = "fast"'), "config.lr_d must be a number"),
        (("lr_d = 1", "hidden = 1.5"), "config.hidden must be an integer"),
        (("lr_d = 1", "spectral_norm = 1"), "config.spectral_norm must be true or false"),
        (("lr_d = 1", 'objective = "gan"'), "objective 'gan' is not allowed"),
        (("lr_d = 1", "lr_d = -1"), "lr_d must be a number > 0"),
        (('name = "demo"', 'name = "other"'), "must match the file name"),
        (('title = "Demo"\n', ""), "missing 'title'"),
        (("steps = 10", 'steps = "long"'), "steps must be an integer"),
        (("steps = 10", "steps = 0"), "steps must be an integer ≥ 1"),
        (("steps = 10", "colour = 1"), "unknown key 'colour'"),
        (("hq_max", "hq_maximum"), "unknown key expect.hq_maximum"),
        (("hq_max = 0.5", 'hq_max = "high"'), "expect.hq_max must be a number"),
        (("[config]", "[config"), "TOML syntax error"),
    ],
)
def test_bad_file_fails_in_one_line(tmp_path, change, words):
    path = tmp_path / "demo.toml"
    path.write_text(GOOD.replace(*change))
    with pytest.raises(PresetError) as info:
        load_preset_file(path)
    message = str(info.value)
    assert words in message and "demo.toml" in message and "\n" not in message
    assert isinstance(info.value, ConfigError) and isinstance(info.value, ValueError)


def test_a_bad_file_is_reported_by_list_presets(tmp_path):
    (tmp_path / "demo.toml").write_text(GOOD.replace("lr_d = 1", "lrd = 1"))
    with pytest.raises(PresetError, match="demo.toml"):
        list_presets(tmp_path)


# --- the claims (minutes of training each: skipped unless -m slow) -----------------------------------


def _run(preset: Preset, seed: int) -> dict:
    trainer = Trainer(preset.config.replace(seed=seed))
    trainer.step(preset.steps)
    return trainer.evaluate(trainer.snapshot().fakes)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["nonsaturating-ring8", "nonsaturating-grid25", "wgan-gp-ring8", "mode-collapse"])
def test_preset_claims_hold(name):
    preset = get_preset(name)
    assert preset.claims
    metrics = _run(preset, 0)
    assert preset.check(metrics) == [], metrics


@pytest.mark.slow
def test_wgan_gp_covers_more_modes_than_the_collapsing_gan():
    gp, gan = _run(get_preset("wgan-gp-vs-gan"), 0), _run(get_preset("mode-collapse"), 0)
    assert gp["modes_robust"] > gan["modes_robust"], (gp, gan)
