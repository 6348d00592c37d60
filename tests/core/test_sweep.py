"""Sweeps (ganviz.core.sweep): grid expansion, spec checks, one run against an independent Trainer, outputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ganviz.core import sweep
from ganviz.core.config import TrainConfig
from ganviz.core.presets import get_preset
from ganviz.core.trainer import Trainer

TINY = {"hidden": 16, "layers": 2, "batch": 32, "steps": 30, "dataset": "grid25"}


def spec_of(grid: dict, **base) -> sweep.Spec:
    return sweep.parse_spec({"base": {**TINY, **base}, "grid": grid})


def test_expand_grid_is_the_cartesian_product_last_key_fastest():
    grid = {"objective": ["nonsaturating", "wgan-gp"], "lr_d": [1e-4, 1e-3], "seed": [0, 1, 2]}
    runs = sweep.expand_grid(grid)
    assert len(runs) == 12
    assert runs[0] == {"objective": "nonsaturating", "lr_d": 1e-4, "seed": 0}
    assert runs[1] == {"objective": "nonsaturating", "lr_d": 1e-4, "seed": 1}
    assert runs[3] == {"objective": "nonsaturating", "lr_d": 1e-3, "seed": 0}
    assert runs[-1] == {"objective": "wgan-gp", "lr_d": 1e-3, "seed": 2}
    assert len({tuple(r.values()) for r in runs}) == 12


def test_spec_jobs_carry_base_and_grid_values():
    spec = spec_of({"objective": ["nonsaturating", "wgan-gp"], "lr_d": [1e-3, 5e-3], "steps": [10, 20]}, r1=0.5)
    assert len(spec.jobs) == 8 and [j.index for j in spec.jobs] == list(range(8))
    job = spec.jobs[5]
    assert job.values == {"objective": "wgan-gp", "lr_d": 1e-3, "steps": 20}
    config = TrainConfig(**job.config)
    assert config.objective == "wgan-gp" and config.lr_d == 1e-3 and config.r1 == 0.5
    assert (config.hidden, config.layers, config.batch, config.dataset) == (16, 2, 32, "grid25")
    assert config.threads == 1  # one torch thread per worker
    assert job.steps == 20 and spec.jobs[0].steps == 10
    assert spec.axes == ["objective", "lr_d"]


def test_integers_are_taken_for_float_fields_and_seed_is_not_a_heatmap_axis():
    spec = spec_of({"seed": [0, 1], "lr_g": [1, 2]})
    assert [TrainConfig(**j.config).lr_g for j in spec.jobs] == [1.0, 2.0, 1.0, 2.0]
    assert spec.axes == ["lr_g"]
    assert spec_of({"seed": [0, 1]}).axes == ["seed"]


def test_base_preset_gives_config_and_steps():
    preset = get_preset("wgan-gp-ring8")
    spec = sweep.parse_spec({"base": {"preset": "wgan-gp-ring8", "hidden": 16}, "grid": {"seed": [0, 1]}})
    assert spec.steps == preset.steps
    assert TrainConfig(**spec.jobs[1].config) == preset.config.replace(hidden=16, seed=1, threads=1)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"base": {"lrd": 1e-3}, "grid": {"seed": [0]}}, "unknown field base.lrd"),
        ({"base": {}, "grid": {"lr_x": [1.0]}}, "unknown field grid.lr_x"),
        ({"base": {}}, "empty grid"),
        ({"base": {}, "grid": {}}, "empty grid"),
        ({"base": {}, "grid": {"seed": []}}, "empty grid"),
        ({"base": {}, "grid": {"seed": 3}}, "grid.seed must be a list"),
        ({"base": {}, "grid": {"lr_d": ["fast"]}}, "grid.lr_d must be a number"),
        ({"base": {"hidden": 1.5}, "grid": {"seed": [0]}}, "base.hidden must be an integer"),
        ({"base": {"spectral_norm": "yes"}, "grid": {"seed": [0]}}, "base.spectral_norm must be true or false"),
        ({"base": {"steps": 0}, "grid": {"seed": [0]}}, "base.steps must be an integer ≥ 1"),
        ({"base": {}, "grid": {"objective": ["nonsaturating", "gan"]}}, "objective 'gan' is not allowed"),
        ({"base": {}, "grid": {"lr_d": [-1e-3]}}, "lr_d must be a number > 0"),
        ({"base": {}, "grid": {"seed": [1, 1]}}, "lists a value twice"),
        ({"base": {"preset": "nope"}, "grid": {"seed": [0]}}, "unknown preset 'nope'"),
        ({"base": {}, "grid": {"preset": ["wgan-gp-ring8"]}}, "preset is allowed in [base] only"),
        ({"base": {}, "grid": {"seed": [0]}, "extra": {}}, "unknown key 'extra'"),
    ],
)
def test_bad_specs_raise_one_line(data, words):
    with pytest.raises(sweep.SpecError) as info:
        sweep.parse_spec(data)
    message = str(info.value)
    assert words in message and "\n" not in message


def test_load_spec_file_errors_name_the_file(tmp_path):
    with pytest.raises(sweep.SpecError, match="no such file"):
        sweep.load_spec(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[grid]\nseed = [0, 1\n")
    with pytest.raises(sweep.SpecError, match=r"bad\.toml: TOML syntax error") as info:
        sweep.load_spec(bad)
    assert "\n" not in str(info.value)


def test_example_spec_is_valid():
    from ganviz.core.presets import PRESET_DIR

    spec = sweep.load_spec(PRESET_DIR.parent / "sweeps" / "example.toml")
    assert len(spec.jobs) == 12 and spec.axes == ["objective", "lr_d"]


def test_run_job_equals_an_independent_trainer():
    spec = spec_of({"objective": ["wgan-gp"], "lr_d": [5e-3]}, seed=4)
    (job,) = spec.jobs
    row = sweep.run_job(job)
    config = TrainConfig(
        dataset="grid25", objective="wgan-gp", lr_d=5e-3, hidden=16, layers=2, batch=32, seed=4, threads=1
    )
    trainer = Trainer(config)
    trainer.step(30)
    expected = trainer.evaluate(trainer.snapshot().fakes)
    assert row["steps"] == 30 and row["seed"] == 4
    for key in ("modes", "modes_robust"):
        assert row[key] == expected[key]
    for key in ("hq", "w1", "critic_estimate"):
        assert row[key] == pytest.approx(expected[key], rel=1e-12)
    assert row["wall_s"] > 0 and row["steps_per_s"] == pytest.approx(30 / row["wall_s"])


def _fake_table(spec: sweep.Spec) -> list[dict]:
    results = {}
    for job in spec.jobs:
        v = job.values
        robust = (10 if v["objective"] == "wgan-gp" else 2) + (1 if v["lr_d"] > 2e-3 else 0) + v["seed"]
        results[job.index] = {
            "modes": 25,
            "modes_robust": robust,
            "hq": 0.5,
            "rkl": math.nan,
            "w1": 0.1,
            "critic_estimate": 1.0,
            "steps": 30,
            "wall_s": 1.0,
            "steps_per_s": 30.0,
            "seed": v["seed"],
        }
    return sweep.rows(spec, results)


def test_heat_matrix_averages_over_the_other_axes():
    spec = spec_of({"objective": ["nonsaturating", "wgan-gp"], "lr_d": [1e-3, 5e-3], "seed": [0, 1, 2]})
    table = _fake_table(spec)
    assert sweep.heat_metric(table) == "modes_robust"
    axes, rows, cols, matrix = sweep.heat_matrix(spec, table, "modes_robust")
    assert axes == ["objective", "lr_d"] and rows == ["nonsaturating", "wgan-gp"] and cols == [1e-3, 5e-3]
    assert matrix == [[3.0, 4.0], [11.0, 12.0]]  # mean over seeds 0, 1, 2 adds 1
    text = sweep.summary_text(spec, table)
    assert "objective \\ lr_d" in text and "11.0 (50%)" in text and "over 3 runs per cell" in text


def test_csv_text_has_one_row_per_run_and_blank_for_missing(tmp_path):
    spec = spec_of({"objective": ["nonsaturating", "wgan-gp"], "lr_d": [1e-3, 5e-3], "seed": [0, 1]})
    table = _fake_table(spec)
    path = tmp_path / "r.csv"
    path.write_text(sweep.csv_text(spec, table))
    got = sweep.read_results(path)
    assert len(got) == 8 and list(got[0]) == sweep.csv_columns(spec)
    assert got[5]["objective"] == "wgan-gp" and float(got[5]["lr_d"]) == 1e-3 and got[5]["seed"] == "1"
    assert got[5]["rkl"] == "" and got[5]["error"] == "" and int(got[5]["modes_robust"]) == 11


def test_heatmap_png_is_a_png():
    spec = spec_of({"objective": ["nonsaturating", "wgan-gp"], "lr_d": [1e-3, 5e-3], "seed": [0, 1]})
    png = sweep.heatmap_png(spec, _fake_table(spec))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000
    one_axis = spec_of({"seed": [0, 1]})
    assert sweep.heatmap_png(one_axis, _fake_table_seed(one_axis))[:4] == b"\x89PNG"


def _fake_table_seed(spec):
    res = {
        j.index: {"modes": 1, "modes_robust": j.values["seed"], "hq": 0.1, "seed": j.values["seed"]} for j in spec.jobs
    }
    table = sweep.rows(spec, res)
    assert np.allclose(sweep.heat_matrix(spec, table, "modes_robust")[3], [[0.0], [1.0]])
    return table
