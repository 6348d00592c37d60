"""Flags a run would not use: notes for objective-only settings, refusals beside --load, a corrupt zip header."""

from __future__ import annotations

import pytest
from cli_helpers import TINY, run_main

from ganviz.cli.window import window_parser

SESSION_FLAGS = ["--hidden", "16", "--layers", "2", "--batch", "32", "--seed", "4"]


def _train(capsys, *argv: str) -> tuple[int, list[str]]:
    capsys.readouterr()
    rc = run_main(["train", "--steps", "1", *TINY, *argv])
    return rc, capsys.readouterr().err.strip("\n").splitlines()


@pytest.mark.parametrize(
    ("argv", "note"),
    [
        (
            ["--objective", "nonsaturating", "--clip", "0.05"],
            "--clip has no effect with nonsaturating: only wgan clips",
        ),
        (["--objective", "lsgan", "--gp-lambda", "1"], "--gp-lambda has no effect with lsgan: only wgan-gp has a"),
        (["--objective", "wgan", "--gp-lambda", "1"], "--gp-lambda has no effect with wgan: only wgan-gp has a"),
        (["--objective", "wgan-gp", "--clip", "0.05"], "--clip has no effect with wgan-gp: only wgan clips weights"),
    ],
)
def test_objective_only_flag_given_to_another_objective_is_noted(argv, note, capsys):
    rc, err = _train(capsys, *argv)
    assert rc == 0
    assert len(err) == 1 and err[0].startswith(f"ganviz: note: {note}"), err


@pytest.mark.parametrize(
    "argv",
    [
        ["--objective", "wgan", "--clip", "0.05"],
        ["--objective", "wgan-gp", "--gp-lambda", "1"],
        ["--objective", "wgan", "--r1", "0.1", "--n-critic", "2"],  # R1 and n_critic apply to every objective
        ["--objective", "hinge", "--r1", "0.1", "--n-critic", "2", "--spectral-norm"],
        ["--objective", "minimax"],  # --clip's default is not a flag the user gave
        ["--preset", "wgan-ring8", "--clip", "0.05"],  # the preset's objective is wgan
    ],
)
def test_flags_that_apply_give_no_note(argv, capsys):
    rc, err = _train(capsys, *argv)
    assert rc == 0 and err == []


def test_compare_notes_optimiser_flags_and_regularisers_no_run_uses():
    from ganviz.cli.args import unused_flag_notes

    parser = window_parser()
    notes = unused_flag_notes(parser, {"lr_g", "clip", "gp_lambda", "r1"}, ["minimax", "wgan"], compare=True)
    assert notes == [
        "--gp-lambda has no effect with minimax, wgan: only wgan-gp has a gradient penalty",
        "--lr-g is ignored with --compare: each run takes its objective's defaults",
    ]


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    path = tmp_path_factory.mktemp("load") / "s.gvz"
    assert run_main(["train", "--steps", "2", *TINY, "--seed", "4", "--objective", "lsgan", "--save", str(path)]) == 0
    return path


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--hidden", "64"], "--hidden 64 cannot be used with --load: the session has hidden = 16"),
        (["--seed", "5"], "--seed 5 cannot be used with --load: the session has seed = 4"),
        (["--lr-d", "0.5"], "--lr-d 0.5 cannot be used with --load: the session has lr_d = 0.001"),
        (["--spectral-norm"], "--spectral-norm cannot be used with --load: the session has spectral_norm = False"),
    ],
)
def test_load_refuses_settings_that_differ_from_the_session(argv, message, session, tmp_path, capsys):
    out = tmp_path / "m.json"
    rc, err = _train(capsys, "--load", str(session), *SESSION_FLAGS, *argv, "--metrics-out", str(out))
    assert rc == 2 and len(err) == 1
    assert err[0].startswith(f"ganviz train: error: {message}") and "--dataset, --objective" in err[0], err
    assert not out.exists()


def test_load_accepts_the_sessions_own_values_and_applies_objective(session, capsys):
    rc, err = _train(capsys, "--load", str(session), *SESSION_FLAGS, "--lr-d", "0.001", "--objective", "hinge")
    assert rc == 0 and err == []


def test_window_load_refuses_a_different_dataset(session, capsys, monkeypatch):
    def no_window(*args, **kwargs):
        raise AssertionError("the window opened")

    monkeypatch.setattr("ganviz.ui.app.run_app", no_window)
    assert run_main(["--load", str(session), "--dataset", "moons"]) == 2
    err = capsys.readouterr().err.strip("\n").splitlines()
    assert err == [
        "ganviz: error: --dataset moons cannot be used with --load: the session has dataset = ring8 and "
        "keeps its settings"
    ]


def test_flipped_version_byte_in_zip_directory_is_one_line(session, tmp_path, capsys):
    data = bytearray(session.read_bytes())
    data[data.index(b"PK\x01\x02") + 6] = 0xFF  # "version needed to extract": zipfile raises NotImplementedError
    bad = tmp_path / "bad.gvz"
    bad.write_bytes(bytes(data))
    rc, err = _train(capsys, "--load", str(bad))
    assert rc == 2 and len(err) == 1, err
    assert err[0].startswith(f"ganviz train: error: cannot load {bad}: truncated or corrupt file")
