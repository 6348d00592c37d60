"""`--preset NAME` in `ganviz train` and `ganviz`: the preset is the base, explicit flags override it."""

from __future__ import annotations

import json

import pytest
from cli_helpers import TINY, run_main

import ganviz.core.files.presets as presets
from ganviz.cli.args import config_from_args, parse_run_args
from ganviz.cli.train import train_parser
from ganviz.cli.window import window_parser
from ganviz.core.files.presets import preset_config


def config_for(parser, argv):
    args, explicit = parse_run_args(parser, argv)
    return config_from_args(args, explicit)


def test_preset_is_the_base_of_the_window_config():
    base = preset_config("nonsaturating-grid25")
    assert base.r1 > 0  # the override checks below rely on a value that differs from the flag's default
    assert config_for(window_parser(), ["--preset", "nonsaturating-grid25"]) == base
    got = config_for(window_parser(), ["--preset", "nonsaturating-grid25", "--seed", "4", "--lr-g", "2e-4"])
    assert got == base.replace(seed=4, lr_g=2e-4)


def test_a_flag_given_with_its_default_value_still_overrides():
    base = preset_config("nonsaturating-grid25")
    got = config_for(window_parser(), ["--preset", "nonsaturating-grid25", "--r1", "0", "--dataset", "ring8"])
    assert got == base.replace(r1=0.0, dataset="ring8")
    deep = preset_config("weight-clipping-pathology")
    got = config_for(window_parser(), ["--preset", "weight-clipping-pathology", "--layers=3", "--hidden", "128"])
    assert (got.layers, got.hidden, got.objective) == (3, 128, deep.objective)


def test_without_preset_nothing_changes():
    args, explicit = parse_run_args(window_parser(), ["--r1", "0.5"])
    assert explicit == {"r1"} and config_from_args(args, explicit).r1 == 0.5
    assert config_for(window_parser(), []) == config_from_args(window_parser().parse_args([]))


def test_train_uses_preset_config_and_overrides(tmp_path):
    metrics = tmp_path / "m.json"
    argv = ["train", "--preset", "wgan-gp-vs-gan", "--steps", "3", "--seed", "5", *TINY, "--metrics-out", str(metrics)]
    assert run_main(argv) == 0
    m = json.loads(metrics.read_text())
    want = preset_config("wgan-gp-vs-gan").replace(seed=5, hidden=16, layers=2, batch=32).resolved()
    assert m["steps"] == 3 and m["objective"] == want.objective and m["dataset"] == want.dataset
    for key in ("lr_g", "lr_d", "n_critic", "hidden", "layers", "batch", "seed", "gp_lambda"):
        assert m["config"][key] == getattr(want, key), key


def test_train_takes_the_presets_steps_unless_given(tmp_path, monkeypatch):
    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "tiny.toml").write_text(
        'name = "tiny"\ntitle = "Tiny"\ndescription = "A tiny run."\nsteps = 7\n'
        '[config]\ndataset = "grid25"\nhidden = 16\nlayers = 2\nbatch = 32\n'
    )
    monkeypatch.setattr(presets, "PRESET_DIR", folder)
    metrics = tmp_path / "m.json"
    assert run_main(["train", "--preset", "tiny", "--quiet", "--metrics-out", str(metrics)]) == 0
    assert json.loads(metrics.read_text())["steps"] == 7
    assert run_main(["train", "--preset", "tiny", "--steps", "2", "--quiet", "--metrics-out", str(metrics)]) == 0
    assert json.loads(metrics.read_text())["steps"] == 2


def test_train_parser_defaults_are_unchanged():
    args = train_parser().parse_args([])
    assert args.preset is None and args.steps == 2000


@pytest.mark.parametrize("prefix", [["train"], []])
def test_unknown_preset_exits_2_with_one_line(capsys, prefix):
    assert run_main([*prefix, "--preset", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown preset 'nope'; choose one of:" in err and "mode-collapse" in err and err.count("\n") == 1


def test_a_bad_preset_file_exits_2_with_one_line(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "bad.toml").write_text('name = "bad"\ntitle = "Bad"\ndescription = "x"\n[config]\nlrd = 1\n')
    monkeypatch.setattr(presets, "PRESET_DIR", folder)
    assert run_main(["train", "--preset", "bad", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ganviz train: error: preset bad.toml: unknown field config.lrd") and err.count("\n") == 1


def test_preset_and_load_do_not_combine(tmp_path, capsys):
    assert run_main(["train", "--preset", "mode-collapse", "--load", str(tmp_path / "x.gvz")]) == 2
    assert "--preset and --load" in capsys.readouterr().err
    assert run_main(["--preset", "mode-collapse", "--load", str(tmp_path / "x.gvz")]) == 2
    assert "--preset and --load" in capsys.readouterr().err
