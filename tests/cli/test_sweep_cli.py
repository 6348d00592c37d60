"""`ganviz sweep`: a tiny sweep in 2 local worker processes and on a local Dask cluster, each CSV row checked
against an independent Trainer; heatmap PNG; one-line errors with exit 2 and nothing written."""

from __future__ import annotations

import contextlib
import io
import math

import pytest
from cli_helpers import run_main

from ganviz.cli import main
from ganviz.core.config import TrainConfig
from ganviz.core.sweep import read_results
from ganviz.core.trainer import Trainer

TINY_SPEC = """
description = "tiny"
[base]
dataset = "grid25"
hidden = 16
layers = 2
batch = 32
steps = 30
seed = 2
[grid]
objective = ["nonsaturating", "wgan-gp"]
lr_d = [1e-3, 5e-3]
"""

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "tiny.toml"
    path.write_text(TINY_SPEC)
    return path


@pytest.fixture(scope="module")
def expected():
    """Metrics of each run of the grid from a Trainer built here, independently of the sweep code."""
    out = {}
    for objective in ("nonsaturating", "wgan-gp"):
        for lr_d in (1e-3, 5e-3):
            config = TrainConfig(
                dataset="grid25", objective=objective, lr_d=lr_d, hidden=16, layers=2, batch=32, seed=2, threads=1
            )
            trainer = Trainer(config)
            trainer.step(30)
            out[objective, lr_d] = trainer.evaluate(trainer.snapshot().fakes)
    return out


@pytest.fixture(scope="module")
def local_run(spec_path, tmp_path_factory):
    """The tiny sweep in 2 local worker processes: exit code, output folder, stdout, stderr."""
    out = tmp_path_factory.mktemp("local") / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["sweep", str(spec_path), "--workers", "2", "--out", str(out)])
    return code, out, stdout.getvalue(), stderr.getvalue()


def check_rows(rows: list[dict], expected: dict) -> None:
    assert len(rows) == 4
    assert [(r["objective"], float(r["lr_d"])) for r in rows] == [
        ("nonsaturating", 1e-3),
        ("nonsaturating", 5e-3),
        ("wgan-gp", 1e-3),
        ("wgan-gp", 5e-3),
    ]
    for row in rows:
        want = expected[row["objective"], float(row["lr_d"])]
        assert row["error"] == "" and row["seed"] == "2" and row["steps"] == "30"
        assert int(row["modes"]) == want["modes"] and int(row["modes_robust"]) == want["modes_robust"]
        for key in ("hq", "w1", "critic_estimate"):
            assert float(row[key]) == pytest.approx(want[key], rel=1e-12, abs=1e-15), key
        if math.isnan(want["rkl"]):
            assert row["rkl"] == ""
        else:
            assert float(row["rkl"]) == pytest.approx(want["rkl"], rel=1e-12)
        wall = float(row["wall_s"])
        assert wall > 0 and float(row["steps_per_s"]) == pytest.approx(30 / wall)


def test_local_sweep_rows_equal_independent_trainers(local_run, expected):
    code, out, _, _ = local_run
    assert code == 0
    check_rows(read_results(out / "results.csv"), expected)


def test_local_sweep_writes_a_png_heatmap(local_run):
    _, out, _, _ = local_run
    png = (out / "modes.png").read_bytes()
    assert png[:8] == PNG and len(png) > 2000
    assert sorted(p.name for p in out.iterdir()) == ["modes.png", "results.csv"]  # no temporary files left


def test_stdout_table_and_stderr_progress(local_run):
    _, out, stdout, stderr = local_run
    lines = stdout.splitlines()
    assert lines[0] == "mean modes_robust (mean HQ)"
    assert lines[1].split() == ["objective", "\\", "lr_d", "0.001", "0.005"]
    assert lines[2].split()[0] == "nonsaturating" and lines[3].split()[0] == "wgan-gp" and len(lines) == 4
    err = stderr.splitlines()
    assert err[0] == "ganviz sweep: 4 runs on 2 worker processes"
    assert sorted(line.split("]")[0] for line in err[1:5]) == ["[1/4", "[2/4", "[3/4", "[4/4"]
    assert "objective=wgan-gp lr_d=0.005: modes_robust=" in stderr
    assert err[5].startswith(f"ganviz sweep: wrote {out / 'results.csv'} and {out / 'modes.png'}")


def test_dask_cluster_sweep_gives_the_same_metrics(spec_path, tmp_path, expected):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, timeout=60
    ) as cluster:
        out = tmp_path / "dask"
        assert main(["sweep", str(spec_path), "--scheduler", cluster.scheduler_address, "--out", str(out)]) == 0
    check_rows(read_results(out / "results.csv"), expected)
    assert (out / "modes.png").read_bytes()[:8] == PNG


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "no such file"),
        ("[grid]\nseed = [0, 1\n", "TOML syntax error"),
        ("[base]\nlrd = 1e-3\n[grid]\nseed = [0]\n", "unknown field base.lrd"),
        ("[base]\nhidden = 16\n[grid]\n", "empty grid"),
        ("[base]\nhidden = 16\n", "empty grid"),
        ('[grid]\nlr_d = ["fast"]\n', "grid.lr_d must be a number"),
        ("[grid]\nseed = [0]\nhidden = [16.5]\n", "grid.hidden must be an integer"),
    ],
)
def test_bad_spec_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, content, words):
    spec = tmp_path / "spec.toml"
    if content is not None:
        spec.write_text(content)
    out = tmp_path / "out"
    assert run_main(["sweep", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ganviz sweep: error: ") and words in err and err.count("\n") == 1
    assert not out.exists()


def test_bad_flags_exit_2(tmp_path, spec_path, capsys):
    assert run_main(["sweep", str(spec_path), "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err
    code = run_main(["sweep", str(spec_path), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"])
    assert code == 2 and capsys.readouterr().err.count("\n") == 1
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert run_main(["sweep", str(spec_path), "--out", str(blocker)]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_unreachable_scheduler_exits_2(spec_path, tmp_path, capsys, monkeypatch):
    pytest.importorskip("dask.distributed")
    import ganviz.core.sweep as sweep

    real = sweep.connect_dask
    monkeypatch.setattr(sweep, "connect_dask", lambda address: real(address, timeout=2))
    out = tmp_path / "o"
    assert run_main(["sweep", str(spec_path), "--scheduler", "tcp://127.0.0.1:9", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "cannot connect to the Dask scheduler" in err and err.count("\n") == 1
    assert not out.exists()
