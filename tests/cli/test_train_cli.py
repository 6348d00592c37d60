"""`ganviz train`: outputs, metrics recomputed from the saved samples, determinism, one-line errors."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import torch
from cli_helpers import TINY, run_main

from ganviz.core.data.datasets import get_dataset


def train(tmp_path, *extra: str, name: str = "run", steps: int = 30) -> tuple[np.ndarray, dict]:
    samples, metrics = tmp_path / f"{name}.npy", tmp_path / f"{name}.json"
    argv = ["train", "--steps", str(steps), *TINY, "--samples-out", str(samples), "--metrics-out", str(metrics)]
    assert run_main(argv + list(extra)) == 0
    return np.load(samples), json.loads(metrics.read_text())


def _independent_mode_stats(x: np.ndarray, centres: np.ndarray, sigma: float) -> dict:
    """science.md §1.2 with plain numpy: nearest centre, HQ if distance < 3σ, counts per centre."""
    x = x.astype(np.float64)
    dist = np.sqrt(((x[:, None, :] - centres[None, :, :]) ** 2).sum(-1))
    k = dist.argmin(1)
    hq = dist.min(1) < 3 * sigma
    counts = np.array([np.sum(hq & (k == j)) for j in range(len(centres))])
    p = counts[counts > 0] / max(counts.sum(), 1)
    return {
        "modes": int(np.sum(counts >= 1)),
        "modes_robust": int(np.sum(counts >= 20)),
        "hq": counts.sum() / len(x),
        "rkl": float(np.sum(p * np.log(p * len(centres)))) if counts.sum() else None,
    }


# one training run shared by the output checks (grid25, NS; lr high enough that HQ samples appear)
@pytest.fixture(scope="module")
def grid_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grid")
    return train(tmp, "--dataset", "grid25", "--seed", "3", "--lr-g", "5e-3", "--lr-d", "5e-3", steps=150)


def test_samples_file(grid_run):
    samples, _ = grid_run
    assert samples.dtype == np.float32 and samples.shape == (2500, 2)
    assert np.isfinite(samples).all()


def test_metrics_file_fields(grid_run):
    _, m = grid_run
    assert m["dataset"] == "grid25" and m["objective"] == "nonsaturating" and m["seed"] == 3
    assert m["steps"] == 150
    assert isinstance(m["wall_s"], float) and m["wall_s"] > 0
    assert m["steps_per_s"] == pytest.approx(m["steps"] / m["wall_s"], rel=1e-9)
    for key in ("modes", "modes_robust"):
        assert isinstance(m[key], int) and 0 <= m[key] <= 25
    assert 0.0 <= m["hq"] <= 1.0
    for key in ("w1", "w1_floor"):
        assert isinstance(m[key], float) and math.isfinite(m[key])
    assert m["w1"] > 0 and 0 < m["w1_floor"] < 0.5
    assert "critic_estimate" not in m  # a GAN's D gap is not a W1 estimate
    assert "rkl" in m


def test_metrics_match_samples_recomputed_independently(grid_run):
    samples, m = grid_run
    ds = get_dataset("grid25")
    want = _independent_mode_stats(samples, ds.centres, ds.sigma)
    assert want["hq"] > 0, "the run must put some samples on modes for this check to mean anything"
    assert (m["modes"], m["modes_robust"]) == (want["modes"], want["modes_robust"])
    assert m["hq"] == pytest.approx(want["hq"], abs=1e-12)
    assert m["rkl"] == pytest.approx(want["rkl"], abs=1e-9)


def test_same_seed_gives_identical_samples(tmp_path):
    a, ma = train(tmp_path, "--seed", "7", name="a", steps=20)
    b, mb = train(tmp_path, "--seed", "7", name="b", steps=20)
    assert np.array_equal(a, b)
    assert (ma["modes"], ma["hq"], ma["w1"]) == (mb["modes"], mb["hq"], mb["w1"])
    c, _ = train(tmp_path, "--seed", "8", name="c", steps=20)
    assert not np.array_equal(a, c)


def test_sklearn_dataset_has_no_mode_metrics(tmp_path):
    _, m = train(tmp_path, "--dataset", "moons", "--objective", "wgan-gp", steps=5)
    assert m["dataset"] == "moons" and m["objective"] == "wgan-gp"
    assert "modes" not in m and math.isfinite(m["w1"])


def test_zero_steps_is_allowed(tmp_path):
    samples, m = train(tmp_path, steps=0)
    assert m["steps"] == 0 and samples.shape == (2500, 2)


def test_outputs_only_when_asked(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run_main(["train", "--steps", "2", *TINY]) == 0
    assert list(tmp_path.iterdir()) == []


def test_not_quiet_prints_a_summary_line(tmp_path, capsys):
    assert run_main(["train", "--steps", "2", "--hidden", "16", "--layers", "2", "--batch", "32"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "modes=" in out[0] and "w1=" in out[0]


def test_python_dash_m_ganviz_train(tmp_path, child_env):
    samples, metrics = tmp_path / "s.npy", tmp_path / "m.json"
    argv = ["train", "--steps", "10", *TINY, "--seed", "2"]
    argv += ["--samples-out", str(samples), "--metrics-out", str(metrics)]
    r = subprocess.run(
        [sys.executable, "-m", "ganviz", *argv], env=child_env, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    x = np.load(samples)
    assert x.dtype == np.float32 and x.shape == (2500, 2)
    assert json.loads(metrics.read_text())["seed"] == 2
    # the child process and an in-process run agree bit for bit
    y, _ = train(tmp_path, "--seed", "2", name="inproc", steps=10)
    assert np.array_equal(x, y)


# --- bad inputs ------------------------------------------------------------------------------------

BAD = {
    "unknown-dataset": ["--dataset", "no-such-data"],
    "unknown-objective": ["--objective", "no-such-loss"],
    "lr-g-zero": ["--lr-g", "0"],
    "lr-d-negative": ["--lr-d", "-1"],
    "batch-zero": ["--batch", "0"],
    "steps-negative": ["--steps", "-1"],
    "hidden-zero": ["--hidden", "0"],
    "seed-negative": ["--seed", "-1"],
    "lr-g-nan": ["--lr-g", "nan"],
    "lr-d-inf": ["--lr-d", "inf"],
    "steps-not-a-number": ["--steps", "ten"],
    "unknown-flag": ["--no-such-flag"],
}


def _assert_one_line_error(rc, err: str) -> None:
    assert rc == 2
    lines = err.strip("\n").splitlines()
    assert len(lines) == 1, err
    assert "error" in lines[0] and "Traceback" not in err


@pytest.mark.parametrize("bad", list(BAD.values()), ids=list(BAD))
def test_bad_input_one_line_exit_2_no_files(bad, tmp_path, capsys):
    samples, metrics = tmp_path / "s.npy", tmp_path / "m.json"
    rc = run_main(["train", "--steps", "3", *TINY, "--samples-out", str(samples), "--metrics-out", str(metrics), *bad])
    _assert_one_line_error(rc, capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


def test_samples_out_in_missing_folder(tmp_path, capsys):
    metrics = tmp_path / "m.json"
    target = tmp_path / "missing" / "s.npy"
    rc = run_main(["train", "--steps", "3", *TINY, "--samples-out", str(target), "--metrics-out", str(metrics)])
    err = capsys.readouterr().err
    _assert_one_line_error(rc, err)
    assert "samples-out" in err
    assert list(tmp_path.iterdir()) == []


def test_metrics_out_is_a_directory(tmp_path, capsys):
    samples = tmp_path / "s.npy"
    folder = tmp_path / "dir"
    folder.mkdir()
    rc = run_main(["train", "--steps", "3", *TINY, "--samples-out", str(samples), "--metrics-out", str(folder)])
    err = capsys.readouterr().err
    _assert_one_line_error(rc, err)
    assert "metrics-out" in err
    assert [p.name for p in tmp_path.iterdir()] == ["dir"] and list(folder.iterdir()) == []


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA GPU is visible: --device cuda is valid here")
def test_device_cuda_without_gpu(tmp_path, capsys):
    samples = tmp_path / "s.npy"
    rc = run_main(["train", "--steps", "3", *TINY, "--device", "cuda", "--samples-out", str(samples)])
    err = capsys.readouterr().err
    _assert_one_line_error(rc, err)
    assert "cuda" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "bad",
    [["--lr-g", "nan"], ["--metrics-out", "/nonexistent-folder-ganviz/m.json"]],
    ids=["argparse", "path-check"],
)
def test_bad_input_in_a_real_process(bad, tmp_path, child_env):
    r = subprocess.run(
        [sys.executable, "-m", "ganviz", "train", "--steps", "3", *TINY, *bad],
        env=child_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    _assert_one_line_error(r.returncode, r.stderr)
    assert r.stdout == ""
    assert list(tmp_path.iterdir()) == []


# --- a run that blows up (issue 14 item 6) -----------------------------------------------------------

BLOW_UP = ["--objective", "lsgan", "--optimizer", "sgd", "--lr-g", "10", "--lr-d", "10"]  # NaN within a few steps


def test_diverged_run_rolls_back_writes_finite_outputs_and_exits_3(tmp_path, capsys):
    from ganviz.core.files.session import load_session

    samples, metrics, session = tmp_path / "s.npy", tmp_path / "m.json", tmp_path / "s.gvz"
    outputs = ["--samples-out", str(samples), "--metrics-out", str(metrics), "--save", str(session)]
    rc = run_main(["train", "--steps", "300", *TINY, *BLOW_UP, *outputs])
    err = capsys.readouterr().err
    assert rc == 3
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ganviz train: diverged: NaN/Inf") and "rolled back to step" in err
    m = json.loads(metrics.read_text())
    assert isinstance(m["diverged_at"], int) and 0 < m["diverged_at"] <= 300
    assert m["steps"] == m["rolled_back_to"] < m["diverged_at"]
    assert math.isfinite(m["w1"]) and m["modes"] is not None
    assert np.isfinite(np.load(samples)).all()
    assert load_session(session).step == m["rolled_back_to"]  # loads: its weights are finite


def test_run_that_goes_well_says_so_in_its_metrics(tmp_path):
    _, m = train(tmp_path, steps=5)
    assert m["diverged_at"] is None and m["rolled_back_to"] is None


def test_help_documents_the_exit_codes(capsys):
    assert run_main(["train", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "3 training diverged (NaN/Inf)" in out
