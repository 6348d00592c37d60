"""`--dataset csv:PATH` for `ganviz train` and the window, and the window's `--record` checks."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import TINY, run_main

from ganviz.core.data.datasets import DATASETS


@pytest.fixture(autouse=True)
def clean_registry():
    before = dict(DATASETS._items)
    yield
    DATASETS._items.clear()
    DATASETS._items.update(before)


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


def test_train_on_a_csv_file(tmp_path):
    angles = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    data = tmp_path / "ring.csv"
    np.savetxt(data, np.column_stack([np.cos(angles), np.sin(angles)]), delimiter=",", header="x,y", comments="")
    samples, metrics = tmp_path / "s.npy", tmp_path / "m.json"
    argv = ["train", "--dataset", f"csv:{data}", "--steps", "20", *TINY, "--samples-out", str(samples)]
    assert run_main(argv + ["--metrics-out", str(metrics)]) == 0
    x = np.load(samples)
    assert x.shape == (2500, 2) and np.isfinite(x).all()
    m = json.loads(metrics.read_text())
    assert m["dataset"] == f"csv:{data.resolve()}" and m["steps"] == 20 and "modes" not in m
    assert m["w1"] is not None and m["w1"] > 0


def test_relative_csv_path_is_named_absolutely(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text("0 0\n1 1\n2 0\n")
    assert run_main(["train", "--dataset", "csv:d.csv", "--steps", "2", *TINY, "--metrics-out", "m.json"]) == 0
    assert json.loads((tmp_path / "m.json").read_text())["dataset"] == f"csv:{tmp_path / 'd.csv'}"


@pytest.mark.parametrize("prefix", [["train"], []], ids=["train", "window"])
def test_missing_csv_is_one_line_exit_2(prefix, capsys):
    assert run_main([*prefix, "--dataset", "csv:missing.csv"]) == 2
    err = one_line_error(capsys)
    assert "argument --dataset: cannot read missing.csv: no such file" in err


def test_bad_csv_and_unknown_dataset(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n3,oops\n")
    assert run_main(["train", "--dataset", f"csv:{bad}", "--steps", "2"]) == 2
    assert "line 3, column 2: 'oops' is not a number" in one_line_error(capsys)
    assert run_main(["train", "--dataset", "nope", "--steps", "2"]) == 2
    assert "or csv:PATH" in one_line_error(capsys)


def test_subsampling_note_on_stderr(tmp_path, capsys, monkeypatch):
    import ganviz.core.data.custom_data as custom_data

    monkeypatch.setattr(custom_data, "MAX_POINTS", 10)
    data = tmp_path / "many.csv"
    np.savetxt(data, np.random.default_rng(0).normal(size=(50, 2)), delimiter=",")
    assert run_main(["train", "--dataset", f"csv:{data}", "--steps", "1", *TINY]) == 0
    assert "ganviz: note: many.csv has 50 points; using a uniform random subset of 10" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv,expected",
    [
        (["--record", "run.gif"], "--record needs --run-for SECONDS"),
        (["--run-for", "1", "--record", "run.avi"], "'run.avi' is not a .gif or .mp4 file name"),
        (["--run-for", "1", "--record", "no/such/dir/run.mp4"], "argument --record: cannot write"),
    ],
)
def test_record_flag_is_checked_before_any_window(argv, expected, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert run_main(argv) == 2
    assert expected in one_line_error(capsys)


def test_load_resumes_a_csv_session_after_the_file_is_gone(tmp_path):
    csv = tmp_path / "pts.csv"
    csv.write_text("x,y\n-1,0\n1,0\n0,1\n0,-1\n")
    a, b = tmp_path / "a.gvz", tmp_path / "b.gvz"
    assert run_main(["train", *TINY, "--dataset", f"csv:{csv}", "--steps", "10", "--save", str(a)]) == 0
    csv.unlink()
    DATASETS._items.pop(f"csv:{csv}")  # as in a new process: only the session knows the points now
    assert run_main(["train", *TINY, "--load", str(a), "--steps", "5", "--save", str(b)]) == 0
    from ganviz.core.files.session import load_session

    s = load_session(b)
    assert s.step == 15 and s.config.dataset == f"csv:{csv}" and len(s.dataset_points) == 4
