"""Your own data: CSV loading (every refusal in one line), points datasets, csv: names and drawn points."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from ganviz.core.data.custom_data import (
    MAX_CSV_BYTES,
    CustomDataError,
    as_config_points,
    csv_name,
    load_points_csv,
    points_dataset,
    register_csv,
)
from ganviz.core.data.datasets import DATASETS, dataset_code, dataset_from_code, resolve_dataset
from ganviz.core.files.session import load_session, save_session
from ganviz.core.runs.commands import Step
from ganviz.core.training.config import ConfigError, TrainConfig
from ganviz.core.training.trainer import Trainer

TINY = dict(hidden=16, layers=2, batch=32, n_fixed=500)


@pytest.fixture(autouse=True)
def clean_registry():
    """csv: datasets registered here must not leak into other tests (the window lists every dataset)."""
    before = dict(DATASETS._items)
    yield
    DATASETS._items.clear()
    DATASETS._items.update(before)


def write(tmp_path, text: str | bytes, name: str = "data.csv"):
    p = tmp_path / name
    (p.write_bytes if isinstance(text, bytes) else p.write_text)(text)
    return p


BAD = {
    "empty": ("", ["is empty", "two numeric columns"]),
    "blank-lines": ("\n  \n\n", ["is empty"]),
    "header-only": ("x,y\n", ["header line (x, y)", "no data rows"]),
    "text-cell": ("x,y\n1,2\n3,abc\n", ["line 3, column 2", "'abc' is not a number", "two numeric columns"]),
    "empty-cell": ("1,2\n,4\n", ["line 2, column 1: is empty"]),
    "decimal-comma": ("1,5;2,5\n3,0;4,0\n", ["line 1, column 1", "use '.' for decimals"]),
    "nan": ("x,y\n1,2\nnan,3\n", ["line 3, column 1", "not a finite number", "NaN and Inf are not allowed"]),
    "inf": ("1,2\n3,-inf\n", ["line 2, column 2", "not a finite number"]),
    "one-column": ("1\n2\n3\n", ["only one column", "two numeric columns"]),
    "three-columns": ("a,b,c\n1,2,3\n4,5,6\n", ["has 3 columns", "exactly two numeric columns"]),
    "ragged": ("1,2\n3,4,5\n", ["line 2 has 3 columns, not 2"]),
    "one-point": ("x,y\n1,2\n", ["only 1 data row", "at least 2 points"]),
    "binary": (b"\xff\xfe\x00\x81\x00garbage", ["not a text (UTF-8) file"]),
    "beyond-float32": ("x,y\n1,2\n1e39,3\n4,5\n", ["line 3, column 1: 1e+39 is too large", "±3.403e+38"]),
}


@pytest.mark.parametrize("text,expected", list(BAD.values()), ids=list(BAD))
def test_bad_csv_is_refused_in_one_line(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(CustomDataError) as err:
        load_points_csv(path)
    message = str(err.value)
    assert "\n" not in message and str(path) in message
    for part in expected:
        assert part in message, (part, message)


def test_number_beyond_float32_gives_the_line_and_no_warning(tmp_path):
    path = write(tmp_path, "x,y\n1,2\n3,-2e40\n4,5\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's overflow warning would be a second, two-line message
        with pytest.raises(CustomDataError, match="line 3, column 2: -2e\\+40 is too large"):
            load_points_csv(path)


def test_csv_over_the_size_cap_is_refused_unread(tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as f:
        f.truncate(MAX_CSV_BYTES + 1)  # sparse: no disk used
    with pytest.raises(CustomDataError) as err:
        load_points_csv(path)
    message = str(err.value)
    assert f"may be at most {MAX_CSV_BYTES:,}" in message and "random subset" in message and "\n" not in message


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(CustomDataError, match="no such file"):
        load_points_csv(tmp_path / "missing.csv")
    with pytest.raises(CustomDataError, match="it is a folder"):
        load_points_csv(tmp_path)


GOOD = {
    "header": "x,y\n0,0\n1,2\n-3.5,4e-1\n",
    "no-header": "0,0\n1,2\n-3.5,0.4\n",
    "semicolon": "x;y\n0;0\n1;2\n-3.5;0.4\n",
    "whitespace": "0 0\n1\t2\n  -3.5    0.4\n",
    "quoted-trailing-comma": '"x","y",\n"0","0",\n1,2,\n-3.5,0.4,\n',
    "comments-blanks-bom": "\ufeff# my points\nx, y\n\n0, 0\n1, 2\n# a note\n-3.5, .4\n",
}


@pytest.mark.parametrize("text", list(GOOD.values()), ids=list(GOOD))
def test_good_csv(tmp_path, text):
    points, note = load_points_csv(write(tmp_path, text))
    assert points.dtype == np.float32 and points.shape == (3, 2)
    np.testing.assert_allclose(points, [[0, 0], [1, 2], [-3.5, 0.4]], rtol=1e-6)
    assert note is None


def test_large_csv_is_subsampled_with_a_note(tmp_path):
    rows = np.column_stack([np.arange(1000), np.arange(1000) % 7]).astype(float) / 100
    path = tmp_path / "big.csv"
    np.savetxt(path, rows, delimiter=",", header="x,y", comments="")
    points, note = load_points_csv(path, max_points=100)
    assert points.shape == (100, 2)
    assert "1,000 points" in note and "subset of 100" in note and "fixed seed" in note
    # a subset of the rows, and the same one every time
    assert {tuple(p) for p in points.tolist()} <= {tuple(p) for p in rows.astype(np.float32).tolist()}
    again, _ = load_points_csv(path, max_points=100)
    np.testing.assert_array_equal(points, again)


def test_far_away_data_gets_a_scale_note(tmp_path):
    _, note = load_points_csv(write(tmp_path, "0,0\n1000,500\n"))
    assert "consider rescaling" in note


def test_points_dataset_samples_lie_near_stored_points():
    stored = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0], [-2.0, -2.0]], dtype=np.float32)
    ds = points_dataset(stored, "test-points", spread=0.05)
    assert not ds.is_mixture and ds.centres is None
    x = ds.sample(20_000, torch.Generator().manual_seed(0), np.random.default_rng(0)).numpy()
    assert x.dtype == np.float32 and x.shape == (20_000, 2)
    d = x[:, None, :] - stored[None, :, :]
    nearest = np.argmin((d**2).sum(-1), axis=1)
    residual = x - stored[nearest]
    np.testing.assert_allclose(residual.std(axis=0), 0.05, rtol=0.05)  # N(0, spread²) per coordinate
    np.testing.assert_allclose(residual.mean(axis=0), 0.0, atol=0.005)
    counts = np.bincount(nearest, minlength=4)
    assert counts.min() > 4000  # every stored point is drawn, uniformly
    xmin, xmax, ymin, ymax = ds.extent
    assert xmax - xmin == pytest.approx(ymax - ymin)  # square
    assert xmin < -2 and xmax > 3 and ymin < -2 and ymax > 3


def test_default_spread_is_two_percent_of_the_extent():
    stored = np.array([[0.0, 0.0], [10.0, 1.0]], dtype=np.float32)
    ds = points_dataset(stored, "p")
    x = ds.sample(20_000, torch.Generator().manual_seed(1), np.random.default_rng(1)).numpy()
    near_first = x[x[:, 0] < 5]
    np.testing.assert_allclose(near_first.std(axis=0), 0.2, rtol=0.05)  # 2 % of the larger side, 10


@pytest.mark.parametrize(
    "points,expected",
    [([[1.0, 2.0]], "at least 2 points"), ([[1, 2], [np.nan, 1]], "finite"), ([[1, 2, 3], [4, 5, 6]], "(n, 2)")],
)
def test_points_dataset_refuses_bad_points(points, expected):
    with pytest.raises(CustomDataError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        points_dataset(points, "bad")


def test_csv_name_resolves_in_config_and_trainer(tmp_path):
    path = write(tmp_path, "x,y\n-1,0\n1,0\n0,1\n")
    name = csv_name(path)
    assert name == "csv:" + str(path.resolve())
    assert name not in DATASETS
    config = TrainConfig(dataset=name, **TINY)
    config.validate()  # loads and registers the file
    assert name in DATASETS and resolve_dataset(name).label.startswith("data.csv (3 points)")
    t = Trainer(config)
    t.step(3)
    assert t.dataset.name == name
    # the same name twice is one load; register_csv gives the name for a config
    assert register_csv(path) == (name, None)


def test_config_refuses_a_bad_csv_and_unknown_names(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        TrainConfig(dataset=f"csv:{tmp_path / 'nope.csv'}").validate()
    with pytest.raises(ConfigError, match=r"choose one of: .*or csv:PATH"):
        TrainConfig(dataset="nope").validate()
    with pytest.raises(ConfigError, match="needs custom_points"):
        TrainConfig(dataset="custom").validate()
    with pytest.raises(ConfigError, match="finite"):
        TrainConfig(dataset="custom", custom_points=((0.0, 0.0), (float("nan"), 1.0))).validate()


def test_drawn_points_travel_in_the_config_and_sessions(tmp_path):
    pts = as_config_points([[0.5, 0.5], [-0.5, 0.25], [0.0, -1.0]])
    t = Trainer(TrainConfig(dataset="custom", custom_points=pts, custom_spread=0.01, **TINY))
    assert t.dataset.name == "custom" and "custom" not in DATASETS  # never registered: the config holds it
    t.step(5)
    save_session(tmp_path / "drawn.gvz", t)
    session = load_session(tmp_path / "drawn.gvz")
    assert session.config.custom_points == pts and session.config.custom_spread == 0.01
    r = session.make_trainer()
    t.step(5)
    r.step(5)
    np.testing.assert_array_equal(t.fakes(), r.fakes())  # same data stream after the reload


def test_live_switch_to_drawn_points_and_back():
    t = Trainer(TrainConfig(**TINY))
    t.set_custom_points(np.array([[0.0, 1.0], [1.0, 0.0]]), spread=0.0)
    assert t.config.dataset == "custom" and t.config.custom_points == ((0.0, 1.0), (1.0, 0.0))
    x = t.real_batch(64).numpy()
    assert {tuple(p) for p in x.tolist()} <= {(0.0, 1.0), (1.0, 0.0)}
    t.step(2)
    t.set_dataset("ring8")
    assert t.dataset.is_mixture
    t.set_dataset("custom")  # the last drawing is kept in the config
    assert t.dataset.name == "custom"
    with pytest.raises(CustomDataError):
        t.set_custom_points([[0.0, 0.0]])


def test_dataset_codes_name_datasets_across_processes(tmp_path):
    name, _ = register_csv(write(tmp_path, "0,0\n1,1\n"))
    for n in ("ring8", "custom", name):
        assert dataset_from_code(int(float(dataset_code(n)))) == n
    assert dataset_from_code(12345) == "?"


@pytest.mark.parametrize("sep", [",", ";", " ", "\t"])
def test_fast_and_line_by_line_parsers_agree(tmp_path, sep):
    from ganviz.core.data import custom_data

    values = np.random.default_rng(3).normal(scale=[1.0, 1e-3], size=(500, 2))
    lines = ["# made up", "x" + sep + "y"] + [f"{float(x)!r}{sep}{y:+.6e}" for x, y in values]
    text = "\n".join(lines[:100] + [""] + lines[100:]) + "\n"
    rows = [(i + 1, s) for i, line in enumerate(text.splitlines()) if (s := line.strip()) and not s.startswith("#")]
    delimiter = custom_data._delimiter(rows[0][1])
    fast = custom_data._fast_parse(text, delimiter, rows[0][0], len(rows) - 1)
    slow = custom_data._parse_rows(tmp_path / "x.csv", rows[1:], delimiter)
    assert fast is not None
    np.testing.assert_array_equal(fast, slow)
    np.testing.assert_allclose(fast, values, rtol=1e-6)


# --- sessions hold their data (issue 14 item 5) -----------------------------------------------------


def _csv_run(tmp_path):
    """A run on a CSV file, saved at step 20: (trainer, session path, csv path, the file's points)."""
    rng = np.random.default_rng(3)
    pts = rng.normal(size=(40, 2)).astype(np.float32)
    path = write(tmp_path, "x,y\n" + "".join(f"{x!r},{y!r}\n" for x, y in pts.tolist()))
    t = Trainer(TrainConfig(dataset=csv_name(path), **TINY))
    t.step(20)
    save_session(tmp_path / "run.gvz", t)
    return t, tmp_path / "run.gvz", path, pts


def _forget(name: str) -> None:
    """What a fresh process knows of a csv: name: nothing (it would read the file again)."""
    DATASETS._items.pop(name, None)


@pytest.mark.parametrize("change", ["deleted", "edited", "edited and loaded again"])
def test_csv_session_resumes_on_its_stored_points(tmp_path, change):
    t, saved, path, pts = _csv_run(tmp_path)
    name = t.config.dataset
    _forget(name)
    if change == "deleted":
        path.unlink()
    else:
        path.write_text("x,y\n5,5\n6,6\n7,5\n")
        if change == "edited and loaded again":
            register_csv(path)  # this process now knows the new file under the same name
    session = load_session(saved)
    assert session.dataset_points.dtype == np.float32 and np.array_equal(session.dataset_points, pts)
    r = session.make_trainer()
    assert r.config.dataset == name and r.step_count == 20
    t.step(30)
    r.step(30)
    assert np.array_equal(t.fakes(), r.fakes())  # bit for bit: the same data stream on the same points
    assert torch.equal(t.real_batch(64), r.real_batch(64))


def test_drawn_session_stores_its_points_as_an_array(tmp_path):
    pts = as_config_points([[0.5, 0.5], [-0.5, 0.25], [0.0, -1.0]])
    t = Trainer(TrainConfig(dataset="custom", custom_points=pts, **TINY))
    save_session(tmp_path / "drawn.gvz", t)
    stored = load_session(tmp_path / "drawn.gvz").dataset_points
    assert stored.dtype == np.float32 and np.array_equal(stored, np.array(pts, np.float32))


def test_builtin_dataset_session_stores_no_points(tmp_path):
    save_session(tmp_path / "ring.gvz", Trainer(TrainConfig(**TINY)))
    assert load_session(tmp_path / "ring.gvz").dataset_points is None


def test_window_trainer_process_resumes_a_csv_session_without_its_file(tmp_path):
    """The window's engine: the mirror here and the spawned child (a fresh process) both train on the points."""
    import time

    from ganviz.core.runs.engine import TrainerProcess, state_tensors

    t, saved, path, pts = _csv_run(tmp_path)
    _forget(t.config.dataset)
    path.unlink()
    session = load_session(saved)
    engine = TrainerProcess(session.config, session.state)
    try:
        assert np.array_equal(engine.mirror.dataset.points, pts)
        engine.send(Step(5))
        deadline = time.monotonic() + 90  # bounded; a spawn takes a few seconds
        while engine.mirror.step_count < 25 and time.monotonic() < deadline:
            engine.poll()
            assert engine.error is None, engine.error
            time.sleep(0.02)
        assert engine.mirror.step_count == 25
        t.step(5)
        for mine, theirs in zip(engine.tensors, state_tensors(t)):  # the child trained on the same points
            assert torch.equal(mine, theirs)
    finally:
        engine.close()


def test_bad_stored_points_are_refused_in_one_line(tmp_path):
    import io
    import zipfile

    from ganviz.core.files.session import SessionError

    t, saved, _, _ = _csv_run(tmp_path)
    _forget(t.config.dataset)
    bad = tmp_path / "bad.gvz"
    with zipfile.ZipFile(saved) as zin, zipfile.ZipFile(bad, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "dataset_points.npy":
                buf = io.BytesIO()
                np.save(buf, np.array([[0.0, np.nan], [1.0, 1.0]], np.float32))
                data = buf.getvalue()
            zout.writestr(name, data)
    with pytest.raises(SessionError, match="bad dataset_points: .*finite"):
        load_session(bad)
