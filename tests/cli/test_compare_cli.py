"""`ganviz --compare A,B[,…]`: bad lists are one line and exit 2; a good one opens the side-by-side window."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ganviz.cli import main


@pytest.mark.parametrize(
    "argv,expected",
    [
        (["--compare", "nonsaturating"], "argument --compare:"),
        (["--compare", "nonsaturating,bogus"], "argument --compare:"),
        (["--compare", "minimax,lsgan,hinge,wgan,wgan-gp"], "argument --compare:"),
        (["--compare", "minimax,lsgan", "--load", "x.gvz"], "--compare cannot be combined with --load"),
        (["--compare", "minimax,lsgan", "--run-for", "1", "--record", "r.gif"], "--compare cannot be combined"),
    ],
)
def test_bad_compare_lists_are_one_line(argv, expected, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and expected in err and "Traceback" not in err


def test_compare_window_runs_and_writes_a_screenshot(tmp_path, child_env):
    shot = tmp_path / "compare.png"
    argv = ["--compare", "nonsaturating,lsgan", "--hidden", "16", "--layers", "2", "--batch", "32"]
    done = subprocess.run(
        [sys.executable, "-m", "ganviz", *argv, "--run-for", "6", "--screenshot", str(shot)],
        env=child_env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_remedies_opens_the_named_comparison_on_grid25(monkeypatch):
    import ganviz.ui.app

    opened = {}
    monkeypatch.setattr(ganviz.ui.app, "run_compare_app", lambda base, runs, **kw: opened.update(base=base, runs=runs))
    assert main(["--compare", "remedies", "--hidden", "16", "--seed", "4"]) in (0, None)
    base, runs = opened["base"], opened["runs"]
    assert (base.dataset, base.hidden, base.seed) == ("grid25", 16, 4)
    assert [(r.objective, r.pack, r.unroll) for r in runs] == [
        ("nonsaturating", 1, 0),
        ("nonsaturating", 2, 0),
        ("nonsaturating", 1, 5),
        ("wgan-gp", 1, 0),
    ]


def test_compare_remedies_notes_the_flags_it_replaces(monkeypatch, capsys):
    import ganviz.ui.app

    monkeypatch.setattr(ganviz.ui.app, "run_compare_app", lambda base, runs, **kw: None)
    main(["--compare", "remedies", "--hidden", "16", "--spectral-norm", "--r1", "2", "--dataset", "ring8"])
    err = capsys.readouterr().err
    for flag in ("--spectral-norm", "--r1", "--dataset"):
        assert f"note: {flag} is ignored with --compare remedies" in err, err
    assert "--hidden" not in err  # the networks are the comparison's base: kept
