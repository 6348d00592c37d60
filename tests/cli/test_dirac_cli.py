"""`ganviz dirac`: JSON fields, the §5.3 minimax number, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from cli_helpers import run_main

from ganviz.core.dirac import PAPER_START, simulate


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
