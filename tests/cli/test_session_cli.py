"""`ganviz train --save / --load`: resume bit for bit, overrides, one-line errors for bad session files."""

from __future__ import annotations

import io
import json
import pickle
import zipfile

import numpy as np
import pytest
from cli_helpers import run_main

from ganviz.core.files.session import load_session

TINY = ["--hidden", "16", "--layers", "2", "--batch", "32", "--quiet", "--seed", "4"]


def train(*argv: str) -> None:
    assert run_main(["train", *TINY, *argv]) == 0


def _assert_one_line_error(rc, err: str) -> None:
    assert rc == 2
    lines = err.strip("\n").splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ganviz train: error: ") and "Traceback" not in err


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A 50-step session of a non-default dataset and objective, saved once for the module."""
    path = tmp_path_factory.mktemp("saved") / "s.gvz"
    train("--steps", "50", "--dataset", "grid25", "--objective", "lsgan", "--save", str(path))
    return path


def test_save_then_load_equals_one_long_run(tmp_path):
    s, a, b = tmp_path / "s.gvz", tmp_path / "a.npy", tmp_path / "b.npy"
    train("--steps", "50", "--save", str(s))
    assert load_session(s).step == 50
    train("--load", str(s), "--steps", "50", "--samples-out", str(a), "--metrics-out", str(tmp_path / "a.json"))
    train("--steps", "100", "--samples-out", str(b))
    assert np.array_equal(np.load(a), np.load(b))
    assert json.loads((tmp_path / "a.json").read_text())["steps"] == 100


def test_load_keeps_the_sessions_dataset_and_objective(saved, tmp_path):
    m = tmp_path / "m.json"
    train("--load", str(saved), "--steps", "2", "--metrics-out", str(m))
    got = json.loads(m.read_text())
    assert (got["dataset"], got["objective"], got["steps"]) == ("grid25", "lsgan", 52)


def test_dataset_and_objective_given_with_load_override(saved, tmp_path):
    m1, m2, s2 = tmp_path / "m1.json", tmp_path / "m2.json", tmp_path / "s2.gvz"
    train("--load", str(saved), "--steps", "2", "--dataset", "moons", "--objective", "hinge", "--metrics-out", str(m1))
    got = json.loads(m1.read_text())
    assert (got["dataset"], got["objective"]) == ("moons", "hinge")
    assert "modes" not in got  # the metrics follow the new dataset
    train("--load", str(saved), "--steps", "2", "--objective", "hinge", "--metrics-out", str(m2), "--save", str(s2))
    got = json.loads(m2.read_text())
    assert (got["dataset"], got["objective"]) == ("grid25", "hinge")
    assert load_session(s2).config.objective == "hinge"


def test_load_then_save_over_the_same_file(saved, tmp_path):
    s = tmp_path / "s.gvz"
    s.write_bytes(saved.read_bytes())
    train("--load", str(s), "--steps", "3", "--save", str(s))
    assert load_session(s).step == 53
    assert [p.name for p in tmp_path.iterdir()] == ["s.gvz"]


# --- bad session files -----------------------------------------------------------------------------


class Boom:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return open, (self.marker, "w")


def _bad_file(kind: str, saved, tmp_path):
    path = tmp_path / "in" / f"{kind}.gvz"
    path.parent.mkdir()
    if kind == "text":
        path.write_text("not a session\n")
    elif kind == "truncated":
        data = saved.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind in ("pickle", "old-format", "nan-weights"):
        with zipfile.ZipFile(saved) as zin, zipfile.ZipFile(path, "w") as zout:
            for name in zin.namelist():
                data = zin.read(name)
                if kind == "pickle" and name == "state/G/0.weight.npy":
                    data = pickle.dumps(Boom(str(tmp_path / "pwned")))
                if kind == "nan-weights" and name == "state/G/0.weight.npy":  # a run saved after it blew up
                    weights = np.load(io.BytesIO(data))
                    weights[0, 0] = np.nan
                    buf = io.BytesIO()
                    np.save(buf, weights)
                    data = buf.getvalue()
                if kind == "old-format" and name == "meta.json":
                    data = json.dumps({**json.loads(data), "format_version": 0}).encode()
                zout.writestr(name, data)
    return path


BAD_FILES = {
    "text": "not a ganviz session",
    "truncated": "truncated or corrupt",
    "pickle": "not a plain .npy array",
    "old-format": "format 0, this version reads 1",
    "nan-weights": "the saved state holds NaN or Inf (G 0.weight): the run had diverged",
    "missing": "No such file",
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_session_one_line_exit_2_no_files(kind, saved, tmp_path, capsys):
    path = _bad_file(kind, saved, tmp_path) if kind != "missing" else tmp_path / "in" / "nope.gvz"
    out = tmp_path / "out"
    out.mkdir()
    argv = ["--load", str(path), "--steps", "3", "--samples-out", str(out / "s.npy")]
    rc = run_main(["train", *TINY, *argv, "--metrics-out", str(out / "m.json"), "--save", str(out / "s.gvz")])
    err = capsys.readouterr().err
    _assert_one_line_error(rc, err)
    assert f"ganviz train: error: cannot load {path}: " in err and BAD_FILES[kind] in err
    assert list(out.iterdir()) == []
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("where", ["missing-folder", "directory"])
def test_save_to_unwritable_path_fails_before_training(where, tmp_path, capsys, monkeypatch):
    import ganviz.core.training.trainer

    def no_training(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(ganviz.core.training.trainer.Trainer, "__init__", no_training)
    target = tmp_path / "missing" / "s.gvz" if where == "missing-folder" else tmp_path
    rc = run_main(["train", *TINY, "--steps", "3", "--samples-out", str(tmp_path / "a.npy"), "--save", str(target)])
    err = capsys.readouterr().err
    _assert_one_line_error(rc, err)
    assert "--save" in err
    assert list(tmp_path.iterdir()) == []
