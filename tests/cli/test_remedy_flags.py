"""The toolbox flags of `ganviz train`: they reach the config, and bad values are one-line errors (exit 2)."""

from __future__ import annotations

import json

import pytest
from cli_helpers import TINY, run_main

FLAGS = [
    "--instance-noise", "0.2", "--instance-noise-anneal", "10", "--r2", "1", "--pack", "2", "--lecam", "0.1",
    "--consensus", "0.1", "--unroll", "1", "--update", "extragradient", "--optimizer", "optimistic-adam",
]  # fmt: skip


def test_toolbox_flags_reach_the_config(tmp_path):
    metrics = tmp_path / "m.json"
    assert run_main(["train", "--steps", "3", *TINY, *FLAGS, "--metrics-out", str(metrics)]) == 0
    config = json.loads(metrics.read_text())["config"]
    assert config["instance_noise"] == 0.2 and config["instance_noise_anneal"] == 10
    assert config["r2"] == 1.0 and config["pack"] == 2 and config["lecam"] == 0.1
    assert config["consensus"] == 0.1 and config["unroll"] == 1
    assert config["update"] == "extragradient" and config["optimizer"] == "optimistic-adam"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--pack", "3"], "batch 32 is not divisible by pack 3: use a multiple of it"),
        (["--pack", "0"], "argument --pack: '0' is not an integer ≥ 1 and ≤ 16"),
        (["--unroll", "2.5"], "argument --unroll: '2.5' is not an integer ≥ 0 and ≤ 50"),
        (["--instance-noise", "-1"], "argument --instance-noise: '-1' is not a number ≥ 0 and ≤ 100"),
        (["--lecam", "nan"], "argument --lecam: 'nan' is not a number ≥ 0 and ≤ 10000"),
        (["--update", "eg"], "argument --update: unknown update 'eg'; choose one of: alt, sim, extragradient"),
    ],
)
def test_bad_toolbox_flags_are_one_line_errors(capsys, argv, message):
    assert run_main(["train", "--steps", "1", *TINY, *argv]) == 2
    err = capsys.readouterr().err
    assert err == f"ganviz train: error: {message}\n"
