"""`ganviz dirac`: JSON fields, the §5.3 minimax number, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from cli_helpers import run_main

from ganviz.core.problems.dirac import PAPER_START, simulate


def dirac_json(capsys, *args: str) -> dict:
    capsys.readouterr()
    assert run_main(["dirac", *args, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    return json.loads(out)


def test_json_fields_and_defaults(capsys):
    m = dirac_json(capsys, "--objective", "minimax")
    for key in ("objective", "update", "steps", "lr", "start", "theta", "psi", "r_final", "converged_step"):
        assert key in m
    assert (m["objective"], m["update"], m["steps"], m["lr"], m["start"]) == ("minimax", "sim", 500, 0.2, [1.0, 1.0])
    assert m["r_final"] == pytest.approx(np.hypot(m["theta"], m["psi"]), rel=1e-12)
    ref = simulate("minimax", "sim", 500, 0.2, start=(1.0, 1.0))
    assert [m["theta"], m["psi"]] == pytest.approx(list(ref.trajectory[-1]), abs=1e-12)
    assert m["converged_step"] is None


def test_minimax_sim_from_the_paper_start(capsys):
    m = dirac_json(capsys, "--objective", "minimax", "--update", "sim", "--start", *map(str, PAPER_START))
    assert m["r_final"] == pytest.approx(3.10, rel=0.01)


def test_r1_converged_step(capsys):
    m = dirac_json(capsys, "--objective", "minimax", "--r1", "1", "--start", "1", "1", "--steps", "100")
    assert m["converged_step"] == 65 and m["r_final"] < 0.01


def test_wgan_defaults_reported(capsys):
    m = dirac_json(capsys, "--objective", "wgan", "--steps", "10")
    assert m["clip"] == 1.0 and m["gp_lambda"] is None
    m = dirac_json(capsys, "--objective", "wgan-gp", "--steps", "10")
    assert m["gp_lambda"] == 0.35 and m["clip"] is None


def test_human_line(capsys):
    assert run_main(["dirac", "--objective", "nonsaturating", "--steps", "20"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "nonsaturating" in out and "r=" in out


@pytest.mark.parametrize(
    "args",
    [
        ["--objective", "nope"],
        ["--objective", "minimax", "--lr", "0"],
        ["--objective", "minimax", "--steps", "-1"],
        ["--objective", "minimax", "--update", "foo"],
        ["--objective", "minimax", "--start", "1"],
        ["--objective", "minimax", "--clip", "1"],
        ["--objective", "wgan", "--gp-lambda", "1"],
        [],
        ["--objective", "minimax", "--r2", "-1"],
        ["--objective", "minimax", "--instance-noise", "nan"],
        ["--objective", "minimax", "--instance-noise", "0.7", "--noise-samples", "0"],
        ["--objective", "minimax", "--instance-noise", "0.7", "--instance-noise-anneal", "2.5"],
        ["--objective", "minimax", "--instance-noise", "0.7", "--seed", "-3"],
        ["--objective", "minimax", "--seed", "3"],  # no noise: the seed would change nothing
        ["--objective", "minimax", "--noise-samples", "10"],
        ["--objective", "minimax", "--instance-noise-anneal", "10"],
        ["--objective", "minimax", "--consensus", "inf"],
        ["--objective", "minimax", "--lecam", "x"],
        ["--objective", "minimax", "--update", "optimistic-adam"],
    ],
)
def test_bad_input_one_line_exit_2(capsys, args):
    capsys.readouterr()
    assert run_main(["dirac", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("ganviz dirac: error:")


def test_subprocess_no_traceback(child_env):
    p = subprocess.run(
        [sys.executable, "-m", "ganviz", "dirac", "--objective", "minimax", "--update", "foo"],
        env=child_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr


def test_remedy_fields_default_off(capsys):
    m = dirac_json(capsys, "--objective", "minimax", "--steps", "5")
    assert (m["r2"], m["instance_noise"], m["consensus"], m["lecam"]) == (0.0, 0.0, 0.0, 0.0)
    assert m["stochastic"] is False
    assert m["seed"] is None and m["noise_samples"] is None and m["instance_noise_anneal"] is None
    assert m["lecam_anchors"] is None


def test_instance_noise_json_is_the_seeded_simulation(capsys):
    args = ["--objective", "minimax", "--update", "alt", "--instance-noise", "0.7", "--seed", "3", "--steps", "300"]
    m = dirac_json(capsys, *args)
    assert m["stochastic"] is True and (m["seed"], m["noise_samples"], m["instance_noise_anneal"]) == (3, 1000, 0)
    ref = simulate("minimax", "alt", 300, 0.2, start=PAPER_START, instance_noise=0.7, seed=3)
    assert [m["theta"], m["psi"]] == pytest.approx(list(ref.trajectory[-1]), abs=1e-12)
    assert m["converged_step"] == ref.converged_step is not None
    assert m["r_final"] < 0.05  # science.md §5.3: instance noise converges to the noise level
    again = dirac_json(capsys, *args)
    assert again == m  # seeded: the same run


def test_consensus_converged_step(capsys):
    """science.md §5.3 prints 114 / 102 from the notebook's field, whose f′f″ term is half of ∇½‖v‖²; the
    true gradient converges at 119 / 107 (tests/core/test_dirac.py)."""
    for update, step in (("sim", 119), ("alt", 107)):
        m = dirac_json(capsys, "--objective", "minimax", "--consensus", "1", "--update", update, "--steps", "130")
        assert m["consensus"] == 1.0 and m["converged_step"] == step and m["r_final"] < 0.01


def test_r2_lecam_and_new_updates(capsys):
    m = dirac_json(capsys, "--objective", "minimax", "--r2", "1", "--steps", "100")
    assert m["r2"] == 1.0 and m["converged_step"] == 65  # R2 ≡ R1 here: science.md §5.3's R1 γ = 1 row
    m = dirac_json(capsys, "--objective", "minimax", "--lecam", "0.5", "--steps", "3")
    ref = simulate("minimax", "sim", 3, 0.2, start=PAPER_START, lecam=0.5)
    assert m["lecam_anchors"] == pytest.approx(list(ref.lecam_anchors), abs=1e-15)
    for update in ("extragradient", "optimistic"):
        m = dirac_json(capsys, "--objective", "minimax", "--update", update, "--steps", "150")
        ref = simulate("minimax", update, 150, 0.2, start=PAPER_START)
        assert m["update"] == update and m["r_final"] == pytest.approx(ref.r_final, abs=1e-12)
        assert m["r_final"] < 0.75  # spirals in (r₀ = 1.41), where sim spirals out


def test_human_line_names_the_remedies(capsys):
    args = ["dirac", "--objective", "minimax", "--consensus", "1", "--instance-noise", "0.5", "--steps", "5"]
    assert run_main([*args, "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "consensus=1" in out and "σ=0.5" in out and "seed 2" in out
