"""`ganviz sweep`: a tiny sweep in 2 local worker processes and on a local Dask cluster, each CSV row checked
against an independent Trainer; heatmap PNG; one-line errors with exit 2 and nothing written."""

from __future__ import annotations

import contextlib
import io
import math
import re
import signal
import subprocess
import sys
import time

import pytest
from cli_helpers import run_main

from ganviz.cli import main
from ganviz.core.runs.sweep import read_results
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.trainer import Trainer

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
REL = 1e-6  # batched runs vs their single runs (tests/core/test_sweep_batched.py)


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
        # the sweep trains each objective's two runs as one batch of models: equal to float rounding (REL)
        for key in ("hq", "w1"):
            assert float(row[key]) == pytest.approx(want[key], rel=REL, abs=1e-15), key
        if row["objective"] == "wgan-gp":  # the critic's W1 estimate: the WGAN family only
            assert float(row["critic_estimate"]) == pytest.approx(want["critic_estimate"], rel=REL, abs=1e-15)
        else:
            assert row["critic_estimate"] == "" and "critic_estimate" not in want
        if math.isnan(want["rkl"]):
            assert row["rkl"] == ""
        else:
            assert float(row["rkl"]) == pytest.approx(want["rkl"], rel=REL)
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
    assert err[0] == "ganviz sweep: 4 runs on 2 worker processes, 4 of them as 2 batches of models"
    assert sorted(line.split("]")[0] for line in err[1:5]) == ["[1/4", "[2/4", "[3/4", "[4/4"]
    assert "objective=wgan-gp lr_d=0.005: modes_robust=" in stderr
    assert "; ETA " in err[1] and "ETA" not in err[4]  # time left after each run but the last
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


def test_a_shipped_sweep_runs_by_name_and_a_wrong_name_lists_them(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_main(["sweep", "exampel"]) == 2
    err = capsys.readouterr().err
    why = "exampel: no such file; a spec is a TOML file or a shipped sweep's name (example)"
    assert err == f"ganviz sweep: error: {why}\n"
    assert not list(tmp_path.iterdir())


def test_bad_flags_exit_2(tmp_path, spec_path, capsys):
    assert run_main(["sweep", str(spec_path), "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err
    code = run_main(["sweep", str(spec_path), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"])
    assert code == 2 and capsys.readouterr().err.count("\n") == 1
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert run_main(["sweep", str(spec_path), "--out", str(blocker)]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_unreachable_scheduler_exits_2(spec_path, tmp_path, capsys):
    pytest.importorskip("dask.distributed")
    out = tmp_path / "o"
    argv = ["sweep", str(spec_path), "--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "2", "--out", str(out)]
    assert run_main(argv) == 2
    err = capsys.readouterr().err
    assert "cannot connect to the Dask scheduler at tcp://127.0.0.1:9 within 2 s" in err and err.count("\n") == 1
    assert not out.exists()


@pytest.mark.parametrize("address", ["nonsense://x", "tcp://10.0.0.5", "10.0.0.5"])
def test_malformed_scheduler_address_exits_2_before_connecting(spec_path, tmp_path, capsys, address):
    out = tmp_path / "o"
    assert run_main(["sweep", str(spec_path), "--scheduler", address, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ganviz sweep: error: argument --scheduler: {address!r} is not a Dask scheduler address")
    assert "tcp://10.0.0.5:8786" in err and err.count("\n") == 1 and not out.exists()


def test_connect_timeout_is_for_a_scheduler(spec_path, capsys):
    assert run_main(["sweep", str(spec_path), "--connect-timeout", "5"]) == 2
    assert "--connect-timeout is for --scheduler" in capsys.readouterr().err
    assert run_main(["sweep", str(spec_path), "--scheduler", "tcp://h:1", "--connect-timeout", "0"]) == 2


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_more_than_200_runs_need_yes_or_a_yes_on_the_terminal(tmp_path, capsys, monkeypatch):
    spec = tmp_path / "big.toml"
    spec.write_text("[base]\nhidden = 8\nsteps = 1\n[grid]\nseed = [" + ", ".join(map(str, range(201))) + "]\n")
    out = tmp_path / "out"
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal
    assert run_main(["sweep", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == "ganviz sweep: error: 201 runs to start (more than 200): add --yes to confirm\n"
    monkeypatch.setattr("sys.stdin", _Terminal("n\n"))
    assert run_main(["sweep", str(spec), "--out", str(out)]) == 1
    assert capsys.readouterr().err == "ganviz sweep: start 201 runs? [y/N] ganviz sweep: nothing started\n"
    assert not out.exists()


def _resume_spec(tmp_path, seeds: str, hidden: int = 8):
    from ganviz.core.runs.sweep import load_spec

    path = tmp_path / "spec.toml"
    path.write_text(
        f'[base]\ndataset = "ring8"\nhidden = {hidden}\nlayers = 2\nbatch = 32\nsteps = 3\n[grid]\nseed = {seeds}\n'
    )
    return path, load_spec(path)


def test_a_sweep_resumes_into_its_folder_and_runs_only_what_is_missing(tmp_path, capsys):
    from ganviz.core.runs.sweep_results import ResultsFile

    path, spec = _resume_spec(tmp_path, "[0, 1]")
    out = tmp_path / "out"
    done = {"modes": 8, "modes_robust": 8, "hq": 0.9, "steps": 3, "wall_s": 123.0, "seed": 0}
    ResultsFile(out, spec).add(0, done)  # as a sweep stopped after its first run leaves it
    assert run_main(["sweep", str(path), "--workers", "1", "--out", str(out)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"ganviz sweep: 1 runs on 1 worker process (resuming: 1 of 2 done in {out / 'results.csv'})"
    assert err[1].startswith("[2/2] seed=1: ")
    rows = read_results(out / "results.csv")
    assert [r["seed"] for r in rows] == ["0", "1"] and rows[0]["wall_s"] == "123.0" and rows[0]["modes"] == "8"
    assert float(rows[1]["wall_s"]) != 123.0 and rows[1]["error"] == "" and rows[1]["steps"] == "3"
    assert (out / "modes.png").exists()
    # all there: nothing is run again
    assert run_main(["sweep", str(path), "--out", str(out)]) == 0
    assert f"nothing to run: all 2 runs are in {out / 'results.csv'}" in capsys.readouterr().err
    # a changed [base]: the old rows are not this spec's runs; refused, the file left as it was
    before = (out / "results.csv").read_bytes()
    path, _ = _resume_spec(tmp_path, "[0, 1]", hidden=16)
    assert run_main(["sweep", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "2 of its 2 rows are runs this spec does not have" in err and err.count("\n") == 1
    assert (out / "results.csv").read_bytes() == before


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_every_worker_and_keeps_the_finished_rows(tmp_path, child_env, signum):
    """`python -m ganviz sweep` in a child: two quick runs, two of 10^6 steps; once a row is written the signal
    stops it with 128 + signum, the finished rows kept and no process of it left running."""
    psutil = pytest.importorskip("psutil")
    spec = tmp_path / "spec.toml"
    spec.write_text("[base]\nhidden = 8\nlayers = 2\nbatch = 32\n[grid]\nsteps = [3, 1000000]\nseed = [0, 1]\n")
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "ganviz", "sweep", str(spec), "--workers", "1", "--out", str(out)]
    child = subprocess.Popen(argv, env=child_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        end = time.monotonic() + 300
        while not ((out / "results.csv").exists() and read_results(out / "results.csv")):
            assert child.poll() is None and time.monotonic() < end, "no row was written"
            time.sleep(0.1)
        workers = psutil.Process(child.pid).children(recursive=True)
        child.send_signal(signum)
        _, stderr = child.communicate(timeout=120)
    finally:
        child.kill()
    assert child.returncode == 128 + signum
    rows = read_results(out / "results.csv")
    assert 1 <= len(rows) <= 2 and {r["steps"] for r in rows} == {"3"} and all(r["modes"] for r in rows)
    name = signal.Signals(signum).name
    # the batch of two 10^6-step runs is lost; the line says so once that batch has said its step
    assert re.fullmatch(
        re.escape(f"ganviz sweep: interrupted ({name}); kept {len(rows)} of 4 rows in {out / 'results.csv'}; ")
        + r"(lost a batch of 2 runs at step [\d,]+ of 1,000,000 \(a batch's runs are kept when it ends\); )?"
        + "run the same command again to resume",
        stderr.splitlines()[-1],
    ), stderr.splitlines()[-1]
    assert sorted(p.name for p in out.iterdir()) == ["results.csv"]
    _, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, f"left running: {alive}"
