"""Sweeps (ganviz.core.runs.sweep): grid expansion, spec checks, one run against an independent Trainer, outputs."""

from __future__ import annotations

import csv
import functools
import io
import math
import time
from pathlib import Path

import numpy as np
import pytest
import sweep_jobs

from ganviz.core.files.presets import get_preset
from ganviz.core.runs import sweep, sweep_dask
from ganviz.core.runs.sweep_results import ResultsFile, load_previous
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.trainer import Trainer

TINY = {"hidden": 16, "layers": 2, "batch": 32, "steps": 30, "dataset": "grid25"}


def spec_of(grid: dict, **base) -> sweep.Spec:
    return sweep.parse_spec({"base": {**TINY, **base}, "grid": grid})


def test_expand_grid_is_the_cartesian_product_last_key_fastest():
    grid = {"objective": ["nonsaturating", "wgan-gp"], "lr_d": [1e-4, 1e-3], "seed": [0, 1, 2]}
    runs = sweep.expand_grid(grid)
    assert len(runs) == 12
    assert runs[0] == {"objective": "nonsaturating", "lr_d": 1e-4, "seed": 0}
    assert runs[1] == {"objective": "nonsaturating", "lr_d": 1e-4, "seed": 1}
    assert runs[3] == {"objective": "nonsaturating", "lr_d": 1e-3, "seed": 0}
    assert runs[-1] == {"objective": "wgan-gp", "lr_d": 1e-3, "seed": 2}
    assert len({tuple(r.values()) for r in runs}) == 12


def test_spec_jobs_carry_base_and_grid_values():
    spec = spec_of({"objective": ["nonsaturating", "wgan-gp"], "lr_d": [1e-3, 5e-3], "steps": [10, 20]}, r1=0.5)
    assert len(spec.jobs) == 8 and [j.index for j in spec.jobs] == list(range(8))
    job = spec.jobs[5]
    assert job.values == {"objective": "wgan-gp", "lr_d": 1e-3, "steps": 20}
    config = TrainConfig(**job.config)
    assert config.objective == "wgan-gp" and config.lr_d == 1e-3 and config.r1 == 0.5
    assert (config.hidden, config.layers, config.batch, config.dataset) == (16, 2, 32, "grid25")
    assert config.threads == 1  # one torch thread per worker
    assert job.steps == 20 and spec.jobs[0].steps == 10
    assert spec.axes == ["objective", "lr_d"]


def test_integers_are_taken_for_float_fields_and_seed_is_not_a_heatmap_axis():
    spec = spec_of({"seed": [0, 1], "lr_g": [1, 2]})
    assert [TrainConfig(**j.config).lr_g for j in spec.jobs] == [1.0, 2.0, 1.0, 2.0]
    assert spec.axes == ["lr_g"]
    assert spec_of({"seed": [0, 1]}).axes == ["seed"]


def test_base_preset_gives_config_and_steps():
    preset = get_preset("wgan-gp-ring8")
    spec = sweep.parse_spec({"base": {"preset": "wgan-gp-ring8", "hidden": 16}, "grid": {"seed": [0, 1]}})
    assert spec.steps == preset.steps
    assert TrainConfig(**spec.jobs[1].config) == preset.config.replace(hidden=16, seed=1, threads=1)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"base": {"lrd": 1e-3}, "grid": {"seed": [0]}}, "unknown field base.lrd"),
        ({"base": {}, "grid": {"lr_x": [1.0]}}, "unknown field grid.lr_x"),
        ({"base": {}}, "empty grid"),
        ({"base": {}, "grid": {}}, "empty grid"),
        ({"base": {}, "grid": {"seed": []}}, "empty grid"),
        ({"base": {}, "grid": {"seed": 3}}, "grid.seed must be a list"),
        ({"base": {}, "grid": {"lr_d": ["fast"]}}, "grid.lr_d must be a number"),
        ({"base": {"hidden": 1.5}, "grid": {"seed": [0]}}, "base.hidden must be an integer"),
        ({"base": {"spectral_norm": "yes"}, "grid": {"seed": [0]}}, "base.spectral_norm must be true or false"),
        ({"base": {"steps": 0}, "grid": {"seed": [0]}}, "base.steps must be an integer ≥ 1"),
        ({"base": {}, "grid": {"objective": ["nonsaturating", "gan"]}}, "objective 'gan' is not allowed"),
        ({"base": {}, "grid": {"lr_d": [-1e-3]}}, "lr_d must be a number > 0"),
        ({"base": {}, "grid": {"seed": [1, 1]}}, "lists a value twice"),
        ({"base": {"preset": "nope"}, "grid": {"seed": [0]}}, "unknown preset 'nope'"),
        ({"base": {}, "grid": {"preset": ["wgan-gp-ring8"]}}, "preset is allowed in [base] only"),
        ({"base": {}, "grid": {"seed": [0]}, "extra": {}}, "unknown key 'extra'"),
    ],
)
def test_bad_specs_raise_one_line(data, words):
    with pytest.raises(sweep.SpecError) as info:
        sweep.parse_spec(data)
    message = str(info.value)
    assert words in message and "\n" not in message


def test_load_spec_file_errors_name_the_file(tmp_path):
    with pytest.raises(sweep.SpecError, match="no such file"):
        sweep.load_spec(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[grid]\nseed = [0, 1\n")
    with pytest.raises(sweep.SpecError, match=r"bad\.toml: TOML syntax error") as info:
        sweep.load_spec(bad)
    assert "\n" not in str(info.value)


def test_example_spec_is_valid():
    spec = sweep.load_spec(sweep.SHIPPED_SWEEPS / "example.toml")
    assert len(spec.jobs) == 12 and spec.axes == ["objective", "lr_d"]


def test_a_shipped_sweep_is_found_by_its_name_and_a_file_here_comes_first(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert sweep.load_spec("example").path == sweep.SHIPPED_SWEEPS / "example.toml"
    (tmp_path / "example").write_text("[grid]\nseed = [0, 1]\n")  # a file of that name here is what is meant
    assert len(sweep.load_spec("example").jobs) == 2
    with pytest.raises(sweep.SpecError, match=r"^exampel: no such file; a spec is a TOML file or a shipped "
                       r"sweep's name \(example\)$"):  # fmt: skip
        sweep.load_spec("exampel")
    with pytest.raises(sweep.SpecError, match=r"^exampel\.toml: no such file$"):
        sweep.load_spec("exampel.toml")


def test_run_job_equals_an_independent_trainer():
    spec = spec_of({"objective": ["wgan-gp"], "lr_d": [5e-3]}, seed=4)
    (job,) = spec.jobs
    row = sweep.run_job(job)
    config = TrainConfig(
        dataset="grid25", objective="wgan-gp", lr_d=5e-3, hidden=16, layers=2, batch=32, seed=4, threads=1
    )
    trainer = Trainer(config)
    trainer.step(30)
    expected = trainer.evaluate(trainer.snapshot().fakes)
    assert row["steps"] == 30 and row["seed"] == 4
    for key in ("modes", "modes_robust"):
        assert row[key] == expected[key]
    for key in ("hq", "w1", "critic_estimate"):
        assert row[key] == pytest.approx(expected[key], rel=1e-12)
    assert row["wall_s"] > 0 and row["steps_per_s"] == pytest.approx(30 / row["wall_s"])


def _fake_table(spec: sweep.Spec) -> list[dict]:
    results = {}
    for job in spec.jobs:
        v = job.values
        robust = (10 if v["objective"] == "wgan-gp" else 2) + (1 if v["lr_d"] > 2e-3 else 0) + v["seed"]
        results[job.index] = {
            "modes": 25,
            "modes_robust": robust,
            "hq": 0.5,
            "rkl": math.nan,
            "w1": 0.1,
            "critic_estimate": 1.0,
            "steps": 30,
            "wall_s": 1.0,
            "steps_per_s": 30.0,
            "seed": v["seed"],
        }
    return sweep.rows(spec, results)


def test_heat_matrix_averages_over_the_other_axes():
    spec = spec_of({"objective": ["nonsaturating", "wgan-gp"], "lr_d": [1e-3, 5e-3], "seed": [0, 1, 2]})
    table = _fake_table(spec)
    assert sweep.heat_metric(table) == "modes_robust"
    axes, rows, cols, matrix = sweep.heat_matrix(spec, table, "modes_robust")
    assert axes == ["objective", "lr_d"] and rows == ["nonsaturating", "wgan-gp"] and cols == [1e-3, 5e-3]
    assert matrix == [[3.0, 4.0], [11.0, 12.0]]  # mean over seeds 0, 1, 2 adds 1
    text = sweep.summary_text(spec, table)
    assert "objective \\ lr_d" in text and "11.0 (50%)" in text and "over 3 runs per cell" in text


def test_csv_text_has_one_row_per_run_and_blank_for_missing(tmp_path):
    spec = spec_of({"objective": ["nonsaturating", "wgan-gp"], "lr_d": [1e-3, 5e-3], "seed": [0, 1]})
    table = _fake_table(spec)
    path = tmp_path / "r.csv"
    path.write_text(sweep.csv_text(spec, table))
    got = sweep.read_results(path)
    assert len(got) == 8 and list(got[0]) == sweep.csv_columns(spec)
    assert got[5]["objective"] == "wgan-gp" and float(got[5]["lr_d"]) == 1e-3 and got[5]["seed"] == "1"
    assert got[5]["rkl"] == "" and got[5]["error"] == "" and int(got[5]["modes_robust"]) == 11


def test_heatmap_png_is_a_png():
    spec = spec_of({"objective": ["nonsaturating", "wgan-gp"], "lr_d": [1e-3, 5e-3], "seed": [0, 1]})
    png = sweep.heatmap_png(spec, _fake_table(spec))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000
    one_axis = spec_of({"seed": [0, 1]})
    assert sweep.heatmap_png(one_axis, _fake_table_seed(one_axis))[:4] == b"\x89PNG"


def _fake_table_seed(spec):
    res = {
        j.index: {"modes": 1, "modes_robust": j.values["seed"], "hq": 0.1, "seed": j.values["seed"]} for j in spec.jobs
    }
    table = sweep.rows(spec, res)
    assert np.allclose(sweep.heat_matrix(spec, table, "modes_robust")[3], [[0.0], [1.0]])
    return table


# --- running: a dead worker, a failing job, an interrupt (stand-in jobs from sweep_jobs, no training) -------


def test_a_run_whose_worker_died_runs_again_and_a_failing_run_gets_a_one_line_error(tmp_path):
    spec = spec_of({"seed": [0, 1, 2, 3]})
    seen = []
    run = functools.partial(sweep_jobs.kill_worker, tmp_path, 1, 1)
    results = sweep.run_local(spec.jobs, 1, lambda job, row, done, total: seen.append((done, total)), fn=run)
    assert sorted(results) == [0, 1, 2, 3] and seen == [(i, 4) for i in range(1, 5)]
    killed = int((tmp_path / "killed-0").read_text())
    assert "error" not in results[1] and results[1]["modes"] == 1 and results[1]["pid"] != killed
    assert results[2] == {"error": "ValueError: this job's settings are bad", "seed": 2}
    assert "error" not in results[0] and "error" not in results[3]
    table = sweep.rows(spec, results)
    assert [r["error"] for r in table] == ["", "", "ValueError: this job's settings are bad", ""]
    path = tmp_path / "r.csv"
    path.write_text(sweep.csv_text(spec, table))
    assert sweep.read_results(path)[2]["error"] == "ValueError: this job's settings are bad"


def test_a_run_whose_worker_dies_twice_gets_an_error_row_and_the_others_finish(tmp_path):
    spec = spec_of({"seed": [0, 1, 2, 3]})
    # job 1 would raise: left out. Job 2 takes 2 s, so it is in the pool beside job 0 when each of job 0's
    # workers dies; the deaths are charged to job 0 alone, so job 2 is run again each time and finishes
    run = functools.partial(sweep_jobs.kill_worker, tmp_path, 0, 2, pause=2.0)
    results = sweep.run_local([spec.jobs[0], *spec.jobs[2:]], 2, fn=run)
    assert results[0] == {"error": sweep.WORKER_DIED, "seed": 0}
    assert results[2]["modes"] == 2 and results[3]["modes"] == 3
    assert len(list(tmp_path.glob("killed-*"))) == 2


def test_an_interrupt_terminates_the_running_workers_and_starts_no_more(tmp_path):
    psutil = pytest.importorskip("psutil")
    spec = spec_of({"seed": [0, 1, 2, 3]})

    def report(job, row, done, total):
        assert (tmp_path / "started-1").exists() or _wait_for(tmp_path / "started-1")
        raise KeyboardInterrupt

    run = functools.partial(sweep_jobs.sleep_unless_first, tmp_path)
    with pytest.raises(KeyboardInterrupt):
        sweep.run_local(spec.jobs, 2, report, fn=run)
    sleeper = int((tmp_path / "started-1").read_text())
    assert not psutil.pid_exists(sleeper) or psutil.Process(sleeper).status() == psutil.STATUS_ZOMBIE
    assert not (tmp_path / "finished-1").exists()  # cut short, not waited for
    assert not list(tmp_path.glob("started-[23]"))  # the queued runs never started
    assert _children_gone(psutil)


def _wait_for(path, timeout: float = 120.0) -> bool:
    end = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < end, f"{path} never appeared"
        time.sleep(0.05)
    return True


def _children_gone(psutil) -> bool:
    """True when every child process of this one ends within a generous bound (the spawn start method's
    resource tracker may outlive a pool for a moment)."""
    children = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "resource_tracker" not in " ".join(child.cmdline()):
                children.append(child)
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(children, timeout=30)
    return not alive


def test_diverged_at_has_its_own_column_and_is_reported():
    spec = spec_of({"seed": [0, 1]})
    results = {
        0: {"modes": 3, "modes_robust": 2, "hq": 0.4, "steps": 30, "diverged_at": 120, "seed": 0},
        1: {"modes": 5, "modes_robust": 5, "hq": 0.6, "steps": 30, "diverged_at": None, "seed": 1},
    }
    table = sweep.rows(spec, results)
    assert [r["diverged_at"] for r in table] == [120, None] and [r["error"] for r in table] == ["", ""]
    got = list(csv.DictReader(io.StringIO(sweep.csv_text(spec, table))))
    assert [r["diverged_at"] for r in got] == ["120", ""]
    assert "1 run(s) diverged; see the diverged_at column" in sweep.summary_text(spec, table)
    assert "diverged at step 120" in sweep.describe_result(table[0])
    assert "diverged" not in sweep.describe_result(table[1])


# --- results.csv kept current and read back to resume ---------------------------------------------------


def _fake_result(job: sweep.Job, **extra) -> dict:
    return {
        "modes": 7,
        "modes_robust": 6,
        "hq": 0.25,
        "rkl": None,
        "w1": 0.5,
        "steps": job.steps,
        "wall_s": 1.5,
        "seed": job.config["seed"],
        **extra,
    }


def test_results_file_holds_the_finished_runs_in_grid_order_and_leaves_no_temporary_file(tmp_path):
    spec = spec_of({"objective": ["nonsaturating", "wgan-gp"], "seed": [0, 1]})
    record = ResultsFile(tmp_path / "out", spec)
    record.add(3, _fake_result(spec.jobs[3]))
    record.add(1, {"error": "ValueError: no", "seed": 1})
    got = sweep.read_results(record.path)
    assert [r["run"] for r in got] == ["1", "3"] and got[0]["error"] == "ValueError: no"
    assert got[1]["config_id"] == spec.jobs[3].key and got[1]["objective"] == "wgan-gp"
    assert [p.name for p in record.out.iterdir()] == ["results.csv"]


def test_resume_matches_rows_by_settings_not_row_number_and_reruns_failed_ones(tmp_path):
    old = spec_of({"lr_d": [1e-3, 5e-3], "seed": [0, 1]})
    record = ResultsFile(tmp_path, old)
    for job in old.jobs:
        record.add(job.index, _fake_result(job, diverged_at=40 if job.index == 3 else None))
    record.add(2, {"error": "ValueError: no", "seed": 0})
    grown = spec_of({"lr_d": [1e-4, 1e-3, 5e-3], "seed": [0, 1]})  # a new first value moves every row down two
    found = load_previous(record.path, grown)
    assert sorted(found) == [2, 3, 5]  # lr_d 1e-3 seeds 0, 1 and lr_d 5e-3 seed 1; 5e-3 seed 0 failed: run again
    assert found[5] == {
        **{m: None for m in sweep.METRICS},
        **_fake_result(old.jobs[3], diverged_at=40),
        "steps_per_s": None,
    }
    assert found[2]["rkl"] is None and found[2]["modes"] == 7 and found[2]["diverged_at"] is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (None, "rows are runs this spec does not have"),
        ("run,seed\n0,0\n", "no config_id column"),
        ("\xff\xfe", "cannot resume from"),
    ],
)
def test_resume_refuses_a_file_of_another_spec_in_one_line(tmp_path, text, words):
    path = tmp_path / "results.csv"
    if text is None:
        old = spec_of({"seed": [0, 1]})
        ResultsFile(tmp_path, old).add(0, _fake_result(old.jobs[0]))
    else:
        path.write_bytes(text.encode("latin-1"))
    with pytest.raises(sweep.SpecError) as info:
        load_previous(path, spec_of({"seed": [0, 1]}, hidden=8))
    assert words in str(info.value) and "\n" not in str(info.value)


# --- the Dask scheduler's address; waiting for a worker ------------------------------------------------


@pytest.mark.parametrize("address", ["tcp://10.0.0.5:8786", "tls://host:1", "[::1]:8786", "ws://h.example:80"])
def test_scheduler_addresses_dask_takes_pass(address):
    assert sweep_dask.check_scheduler_address(address) == address


@pytest.mark.parametrize(
    "address", ["nonsense://x", "tcp://host", "tcp://:8786", "host", "tcp://h:99999", "tcp://h:1/x"]
)
def test_malformed_scheduler_addresses_fail_in_one_line(address):
    with pytest.raises(ValueError, match="is not a Dask scheduler address; give SCHEME://HOST:PORT"):
        sweep_dask.check_scheduler_address(address)


def test_a_cluster_without_workers_is_reported_as_waiting_at_most_every_interval():
    distributed = pytest.importorskip("dask.distributed")
    spec = spec_of({"seed": [0, 1]})
    notes: list[tuple[float, str]] = []
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        client = distributed.Client(cluster, set_as_default=False)

        def note(text):
            notes.append((time.monotonic(), text))
            if len(notes) == 3:
                cluster.scale(1)  # a worker joins: the runs go ahead

        results = sweep_dask.run_dask(spec.jobs, client, note=note, note_every=0.3, fn=sweep_jobs.quick)
    assert sorted(results) == [0, 1] and results[1]["modes"] == 1
    assert len(notes) >= 3 and notes[0][1] == "waiting: the Dask scheduler has no worker (2 runs to go)"
    assert all(b[0] - a[0] >= 0.3 for a, b in zip(notes, notes[1:]))


def test_the_workers_of_a_killed_sweep_end_with_it(tmp_path):
    """kill -9 of a sweep (or of bench_presets, or a closed terminal's SIGKILL) left its pool workers running
    their jobs, reparented to init, for as long as a run takes (minutes to hours of a core each)."""
    import signal
    import subprocess
    import sys

    psutil = pytest.importorskip("psutil")
    script = (
        "import functools, pathlib, sys\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "import sweep_jobs\n"
        "from ganviz.core.runs import sweep\n"
        "if __name__ == '__main__':\n"
        "    spec = sweep.parse_spec({'base': {'steps': 1}, 'grid': {'seed': [0, 1]}})\n"
        "    run = functools.partial(sweep_jobs.sleep_unless_first, pathlib.Path(sys.argv[1]))\n"
        "    sweep.run_local(spec.jobs, 1, fn=run)\n"
    )
    here = str(Path(__file__).resolve().parent)
    parent = subprocess.Popen([sys.executable, "-c", script, str(tmp_path), here])
    try:
        _wait_for(tmp_path / "started-1")
        worker = int((tmp_path / "started-1").read_text())
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        end = time.monotonic() + 10
        while psutil.pid_exists(worker) and psutil.Process(worker).status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < end, "the sweep's worker outlived it by 10 s"
            time.sleep(0.05)
    finally:
        parent.kill()
    assert not (tmp_path / "finished-1").exists()
