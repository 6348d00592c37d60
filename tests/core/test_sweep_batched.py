"""Sweeps trained as batches of models (ganviz.core.runs.sweep_batched): grouping, rows equal to the single runs'
(metrics to 1e-6 relative, integer counts exactly: the batched products only round differently), the divergence
guard per run, resume and the CLI's --no-batch."""

from __future__ import annotations

import contextlib
import io
import math

import pytest
import torch

from ganviz.cli import main
from ganviz.core.runs import sweep
from ganviz.core.runs.sweep import Job
from ganviz.core.runs.sweep_batched import Batches, BatchJob, plan, run_batch, unit_rows
from ganviz.core.runs.sweep_results import ResultsFile
from ganviz.core.training.batched import BatchedTrainer
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.trainer import Trainer

TINY = {"hidden": 16, "layers": 2, "batch": 32, "steps": 30, "dataset": "grid25"}
REL = 1e-6  # batched vs single: measured ≤ 1e-9 relative on these metrics after 30 steps


def spec_of(grid: dict, **base) -> sweep.Spec:
    return sweep.parse_spec({"base": {**TINY, **base}, "grid": grid})


def shape(units) -> list:
    return [[j.index for j in u.jobs] if isinstance(u, BatchJob) else u.index for u in units]


def test_plan_batches_runs_that_differ_in_per_run_settings_only():
    spec = spec_of({"objective": ["nonsaturating", "wgan-gp"], "lr_d": [1e-3, 5e-3], "seed": [0, 1]})
    assert shape(plan(spec.jobs, workers=1)) == [[0, 1, 2, 3], [4, 5, 6, 7]]  # one batch per objective
    assert shape(plan(spec.jobs, workers=1, max_batch=3)) == [[0, 1], [2, 3], [4, 5], [6, 7]]  # even pieces
    # 2 workers: WGAN-GP's batch (5 critic steps per step) is 3/4 of the work, more than a worker's share: halved
    assert shape(plan(spec.jobs, workers=2)) == [[0, 1, 2, 3], [4, 5], [6, 7]]
    assert shape(plan(spec_of({"seed": [0, 1, 2, 3, 4]}).jobs, workers=2)) == [[0, 1, 2], [3, 4]]  # no idle core
    assert shape(plan(spec.jobs[:3], workers=8)) == [0, 1, 2]  # batches of one are plain jobs
    # length is part of the group; settings the batched step does not implement leave runs alone
    assert shape(plan(spec_of({"steps": [10, 20], "seed": [0, 1]}).jobs)) == [[0, 1], [2, 3]]
    assert shape(plan(spec_of({"seed": [0, 1]}, spectral_norm=True).jobs)) == [0, 1]
    assert shape(plan(spec_of({"hidden": [8, 16]}).jobs)) == [0, 1]


def test_a_failed_batch_gives_each_of_its_runs_the_error_with_its_own_seed():
    spec = spec_of({"seed": [3, 4]})
    unit = BatchJob(tuple(spec.jobs))
    seen = []
    batches = Batches(spec.jobs, report=lambda job, row, done, n: seen.append((job.index, row, done, n)))
    batches.report(unit, {"error": sweep.WORKER_DIED, "seed": 3}, 1, 1)
    assert seen == [
        (0, {"error": sweep.WORKER_DIED, "seed": 3}, 1, 2),
        (1, {"error": sweep.WORKER_DIED, "seed": 4}, 2, 2),
    ]
    assert [row for _, row in unit_rows(unit, {"rows": {0: {"a": 1}, 1: {"a": 2}}})] == [{"a": 1}, {"a": 2}]


@pytest.mark.parametrize("objective, steps", [("nonsaturating", 30), ("wgan-gp", 10)])
def test_batched_rows_equal_the_single_runs(objective, steps):
    spec = spec_of({"lr_d": [1e-3, 5e-3], "seed": [0, 1]}, objective=objective, steps=steps)
    rows = run_batch(spec.jobs)
    for job in spec.jobs:
        mine, single = rows[job.index], sweep.run_job(job)
        assert mine["steps"] == steps and mine["seed"] == job.config["seed"] and mine["diverged_at"] is None
        assert (mine["modes"], mine["modes_robust"]) == (single["modes"], single["modes_robust"])
        for key in ("hq", "w1", "rkl", "critic_estimate"):
            if single[key] is None or math.isnan(single[key]):
                assert mine[key] is None or math.isnan(mine[key]), key
            else:
                assert mine[key] == pytest.approx(single[key], rel=REL, abs=1e-12), key
        assert mine["steps_per_s"] == pytest.approx(steps / mine["wall_s"])
    # the check tells runs apart: another seed's metrics are not within the tolerance
    assert rows[0]["w1"] != pytest.approx(rows[1]["w1"], rel=1e-3)


def test_a_diverging_run_is_rolled_back_and_stopped_while_the_others_finish(monkeypatch):
    """Run 1's weights are made NaN after step 25 (Adam at allowed learning rates does not blow up a tiny net
    quickly): found at the check of step 30, rolled back to its older checkpoint (step 0; 20 was the newer) and
    stopped; runs 0 and 2 train all 50 steps and equal their single runs. (Checks every 10 steps, checkpoints
    every 20: the sweep's 100 and 200 scaled down.)"""
    spec = spec_of({"seed": [0, 1, 2]}, steps=50)
    step, poisoned_at = BatchedTrainer.step, []

    def poisoned(self, n=1):
        step(self, n)
        if self.step_count > 25 and not poisoned_at:  # once: a stopped run's weights stay as it left them
            poisoned_at.append(self.step_count)
            with torch.no_grad():
                self.G.weights[0][1].fill_(math.nan)

    monkeypatch.setattr(BatchedTrainer, "step", poisoned)
    rows = run_batch(spec.jobs, chunk=10, every=20)
    bad = rows[1]
    assert (bad["diverged_at"], bad["rolled_back_to"], bad["steps"]) == (30, 0, 0)
    fresh = Trainer(TrainConfig(**spec.jobs[1].config))  # step 0's weights, as the rolled-back run has
    want = fresh.evaluate(fresh.snapshot().fakes)
    assert bad["modes"] == want["modes"] and bad["w1"] == pytest.approx(want["w1"], rel=1e-12)
    assert bad["steps_per_s"] == pytest.approx(30 / bad["wall_s"])
    for i in (0, 2):
        single = sweep.run_job(spec.jobs[i])
        assert rows[i]["diverged_at"] is None and rows[i]["steps"] == 50
        assert rows[i]["w1"] == pytest.approx(single["w1"], rel=REL)
    table = sweep.rows(spec, rows)
    assert "1 run(s) diverged" in sweep.summary_text(spec, table)


def _cli(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(["sweep", *argv])
    return code, err.getvalue()


def test_a_batched_sweep_resumes_and_trains_only_the_missing_runs_as_a_batch(tmp_path):
    path = tmp_path / "spec.toml"
    path.write_text(
        '[base]\ndataset = "ring8"\nhidden = 8\nlayers = 2\nbatch = 32\nsteps = 3\n[grid]\nseed = [0, 1, 2]\n'
    )
    spec = sweep.load_spec(path)
    out = tmp_path / "out"
    ResultsFile(out, spec).add(0, {"modes": 8, "modes_robust": 8, "hq": 0.9, "steps": 3, "wall_s": 123.0, "seed": 0})
    code, err = _cli([str(path), "--workers", "1", "--out", str(out)])
    lines = err.splitlines()
    assert code == 0
    assert lines[0] == (
        "ganviz sweep: 2 runs on 1 worker process, 2 of them as 1 batch of models "
        f"(resuming: 1 of 3 done in {out / 'results.csv'})"
    )
    assert lines[1].startswith("[2/3] seed=1: ") and "ETA" in lines[1] and lines[2].startswith("[3/3] seed=2: ")
    rows = sweep.read_results(out / "results.csv")
    assert [r["seed"] for r in rows] == ["0", "1", "2"] and rows[0]["wall_s"] == "123.0"
    for r in rows[1:]:
        single = sweep.run_job(spec.jobs[int(r["run"])])
        assert r["error"] == "" and r["steps"] == "3" and int(r["modes"]) == single["modes"]
        assert float(r["w1"]) == pytest.approx(single["w1"], rel=REL)


def test_no_batch_gives_the_pool_one_run_per_job(tmp_path, monkeypatch):
    """--no-batch: the old path, run_job per run (bit for bit); by default the pool gets batches. The pool is
    stood in for by a loop in this process (a spawned pool costs seconds; the pool itself is tested above)."""
    path = tmp_path / "spec.toml"
    path.write_text('[base]\ndataset = "ring8"\nhidden = 8\nlayers = 2\nbatch = 32\nsteps = 3\n[grid]\nseed = [0, 1]\n')
    seen = []

    def pool(jobs, workers, report, fn=sweep.run_job, progress=None):
        seen.append([type(j).__name__ for j in jobs])
        for i, job in enumerate(jobs):
            report(job, fn(job), i + 1, len(jobs))

    monkeypatch.setattr(sweep, "run_local", pool)
    code, err = _cli([str(path), "--workers", "1", "--out", str(tmp_path / "one"), "--no-batch"])
    assert code == 0 and err.splitlines()[0] == "ganviz sweep: 2 runs on 1 worker process" and seen == [["Job"] * 2]
    rows = sweep.read_results(tmp_path / "one" / "results.csv")
    assert float(rows[1]["w1"]) == sweep.run_job(sweep.load_spec(path).jobs[1])["w1"]
    code, err = _cli([str(path), "--workers", "1", "--out", str(tmp_path / "two")])
    assert code == 0 and seen[1] == ["BatchJob"] and "[2/2] seed=1: " in err


def test_jobs_of_a_batch_keep_their_config_hash():
    spec = spec_of({"seed": [0, 1]})
    unit = plan(spec.jobs)[0]
    assert isinstance(unit, BatchJob) and [j.key for j in unit.jobs] == [j.key for j in spec.jobs]
    assert unit.index == 0 and unit.config["seed"] == 0 and isinstance(unit.jobs[0], Job)


def test_a_batch_in_a_worker_reports_its_steps_as_it_trains_and_the_work_left_counts_them():
    """A batch's runs all finish at its end: without progress from inside it, a sweep of one batch of 16 runs
    showed nothing for its whole length and its ETA came only with the last row."""
    spec = spec_of({"seed": [0, 1]}, steps=250, hidden=8)
    batches = Batches(spec.jobs, workers=1)
    assert shape(batches.units) == [[0, 1]] and batches.work() == (0, 500)
    seen = []

    def progress(index, done, total):
        seen.append((index, done, total))
        batches.progress(index, done, total)
        work.append(batches.work())

    work: list[tuple[int, int]] = []
    from ganviz.core.runs.sweep_batched import run_unit

    sweep.run_local(batches.units, 1, batches.report, fn=run_unit, progress=progress)
    assert seen == [(0, 100, 250), (0, 200, 250)]  # after each guarded chunk but the last (the rows say that)
    assert work == [(200, 500), (400, 500)]  # two runs at step 100, then 200
    assert batches.work() == (500, 500) and sorted(batches.results) == [0, 1]


def test_the_sweep_prints_a_batch_in_flight_with_its_step_and_eta(tmp_path, monkeypatch):
    monkeypatch.setattr("ganviz.cli.sweep.PROGRESS_EVERY_S", 0.0)  # every report (the default: twice a minute)
    path = tmp_path / "spec.toml"
    path.write_text(
        '[base]\ndataset = "ring8"\nhidden = 8\nlayers = 2\nbatch = 32\nsteps = 250\n[grid]\nseed = [0, 1]\n'
    )
    code, err = _cli([str(path), "--workers", "1", "--out", str(tmp_path / "out")])
    lines = err.splitlines()
    assert code == 0 and lines[0].endswith("2 of them as 1 batch of models")
    assert lines[1].startswith("[0/2] a batch of 2 runs at step 100 of 250; ETA ")
    assert lines[2].startswith("[0/2] a batch of 2 runs at step 200 of 250; ETA ")
    assert lines[3].startswith("[1/2] seed=0: ") and "ETA" not in lines[4]


def test_a_stopped_sweep_names_the_batch_in_flight_it_loses():
    """Ctrl+C during a batch: its runs were not results yet, and the stop line says how far they had come."""
    batches = Batches(spec_of({"seed": [0, 1, 2]}, steps=250, hidden=8).jobs, workers=1)
    assert batches.lost_text() == ""  # nothing said its step yet: nothing to name
    batches.progress(0, 1200, 2500)
    assert batches.lost_text() == "lost a batch of 3 runs at step 1,200 of 2,500 (a batch's runs are kept when it ends)"
