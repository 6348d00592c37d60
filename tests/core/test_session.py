"""Session files (.gvz): bit-for-bit resume, atomic writes, and refusal of damaged or hostile files."""

from __future__ import annotations

import io
import json
import os
import pickle
import sys
import zipfile

import numpy as np
import pytest
import torch

import ganviz.core.files.session as session_mod
from ganviz.core.files.session import FORMAT_VERSION, SessionError, load_session, save_session
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.trainer import Trainer

TINY = dict(hidden=16, layers=2, batch=32, n_fixed=500)


def tiny(**changes) -> Trainer:
    return Trainer(TrainConfig(**{**TINY, **changes}))


# --- bit-for-bit resume ------------------------------------------------------------------------

# n_critic 2 for the WGANs keeps the file fast; the k-step inner loop is still exercised
RESUME_CASES = {
    "alt-ring8-ns": dict(update="alt", dataset="ring8", objective="nonsaturating"),
    "sim-ring8-ns-sn": dict(update="sim", dataset="ring8", objective="nonsaturating", spectral_norm=True),
    "alt-moons-ns-r1": dict(update="alt", dataset="moons", objective="nonsaturating", r1=1.0),
    "sim-moons-wgangp": dict(update="sim", dataset="moons", objective="wgan-gp", n_critic=2),
    "alt-ring8-wgangp-sn": dict(update="alt", dataset="ring8", objective="wgan-gp", n_critic=2, spectral_norm=True),
    "alt-moons-wgan": dict(update="alt", dataset="moons", objective="wgan", n_critic=2),
    "sim-ring8-wgan-r1": dict(update="sim", dataset="ring8", objective="wgan", n_critic=2, r1=1.0),
}


@pytest.mark.parametrize("case", list(RESUME_CASES.values()), ids=list(RESUME_CASES))
def test_resume_from_file_is_bit_identical(case, tmp_path):
    path = tmp_path / "run.gvz"
    t = tiny(seed=5, **case)
    t.step(100)
    save_session(path, t)
    t.step(100)
    fakes_a = t.fakes()

    r = load_session(path).make_trainer()
    assert r.step_count == 100
    r.step(100)
    assert r.step_count == t.step_count == 200
    assert np.array_equal(fakes_a, r.fakes())
    for p, q in zip(list(t.G.parameters()) + list(t.D.parameters()), list(r.G.parameters()) + list(r.D.parameters())):
        assert torch.equal(p, q)
    assert torch.equal(t.real_batch(8), r.real_batch(8))  # the data streams continue in step too
    assert torch.equal(t.latent_batch(8), r.latent_batch(8))


def test_saving_does_not_change_training(tmp_path):
    a, b = tiny(seed=2), tiny(seed=2)
    a.step(20)
    b.step(20)
    save_session(tmp_path / "s.gvz", b)
    a.step(20)
    b.step(20)
    assert np.array_equal(a.fakes(), b.fakes())


def test_rng_states_round_trip_exactly(tmp_path):
    t = tiny(seed=3, dataset="moons")  # the numpy stream moves only on sklearn data
    t.step(5)
    save_session(tmp_path / "s.gvz", t)
    state = load_session(tmp_path / "s.gvz").state
    assert torch.equal(state["rng"]["latent"], t.latent_gen.get_state())
    assert torch.equal(state["rng"]["data"], t.data_gen.get_state())
    np_state = state["rng"]["numpy"]
    assert np_state == t.np_rng.bit_generator.state
    assert np_state["state"]["state"] > 2**64  # a 128-bit integer, kept whole
    # and meta.json is portable JSON: no integer beyond 2**53 as a bare number
    meta = zipfile.ZipFile(tmp_path / "s.gvz").read("meta.json").decode()
    assert str(np_state["state"]["state"]) in meta
    assert f": {np_state['state']['state']}" not in meta


def test_two_trainers_from_one_session_do_not_share_state(tmp_path):
    t = tiny(seed=1)
    t.step(10)
    save_session(tmp_path / "s.gvz", t)
    s = load_session(tmp_path / "s.gvz")
    a = s.make_trainer()
    a.step(10)
    b = s.make_trainer()  # must start from step 10, not from a's Adam moments
    b.step(10)
    assert np.array_equal(a.fakes(), b.fakes())


def test_session_fields(tmp_path):
    t = tiny(seed=4, objective="wgan-gp")
    t.step(3)
    save_session(tmp_path / "s.gvz", t)
    s = load_session(tmp_path / "s.gvz")
    assert s.format_version == FORMAT_VERSION == 1
    assert s.step == 3 and s.device == "cpu"
    assert s.config == t.config
    assert s.history == {} and s.dataset_points is None
    names = zipfile.ZipFile(tmp_path / "s.gvz").namelist()
    assert names[0] == "meta.json" and all(n.endswith(".npy") for n in names[1:])


def test_same_state_gives_the_same_bytes(tmp_path):
    t = tiny(seed=4)
    t.step(3)
    save_session(tmp_path / "a.gvz", t)
    save_session(tmp_path / "b.gvz", t)
    assert (tmp_path / "a.gvz").read_bytes() == (tmp_path / "b.gvz").read_bytes()


def test_history_round_trips(tmp_path):
    t = tiny()
    history = {
        "g_loss": np.linspace(0.0, 1.0, 7),
        "steps": np.arange(7, dtype=np.int64),
        "modes": np.array([[1, 2], [3, 4]], dtype=np.int16),
        "w1 / odd name": np.array([np.nan, np.inf, -1.5], dtype=np.float32),
        "__tensor__": np.zeros(2, dtype=np.float32),  # a name that looks like a tag is still a name
        "empty": np.zeros((0, 2), dtype=np.float32),
    }
    save_session(tmp_path / "s.gvz", t, history=history)
    s = load_session(tmp_path / "s.gvz")
    assert list(s.history) == list(history)
    for name, want in history.items():
        got = s.history[name]
        assert got.dtype == want.dtype and got.shape == want.shape, name
        assert np.array_equal(got, want, equal_nan=want.dtype.kind == "f"), name


def test_object_history_is_refused_at_save(tmp_path):
    with pytest.raises(TypeError):
        save_session(tmp_path / "s.gvz", tiny(), history={"x": np.array([object()], dtype=object)})
    assert list(tmp_path.iterdir()) == []


# --- atomic write ------------------------------------------------------------------------------


def test_crash_mid_save_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "run.gvz"
    t = tiny(seed=1)
    save_session(path, t)
    old = path.read_bytes()

    real, calls = session_mod._npy_bytes, []

    def failing(array):
        calls.append(1)
        if len(calls) == 4:
            raise OSError("disk full (simulated)")
        return real(array)

    monkeypatch.setattr(session_mod, "_npy_bytes", failing)
    t.step(5)
    with pytest.raises(OSError, match="simulated"):
        save_session(path, t)
    assert len(calls) == 4  # it did fail midway, after some members were written
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["run.gvz"]
    assert load_session(path).step == 0


# --- bad files -----------------------------------------------------------------------------------


@pytest.fixture
def good(tmp_path):
    t = tiny(seed=2)
    t.step(2)
    path = tmp_path / "good.gvz"
    save_session(path, t)
    return path


def rewrite(src, dst, replace: dict[str, bytes] | None = None, drop: tuple[str, ...] = ()) -> None:
    """Copy a session archive, replacing or dropping members."""
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            if name not in drop:
                zout.writestr(name, replace.get(name, zin.read(name)))


def edit_meta(src, dst, **changes) -> None:
    meta = json.loads(zipfile.ZipFile(src).read("meta.json"))
    for key, value in changes.items():
        *parents, last = key.split(".")
        d = meta
        for k in parents:
            d = d[k]
        d[last] = value
    rewrite(src, dst, {"meta.json": json.dumps(meta).encode()})


class Boom:
    """Unpickling this runs code: opens (creates) the marker file, or runs a shell command."""

    def __init__(self, marker: str, how: str) -> None:
        self.marker, self.how = marker, how

    def __reduce__(self):
        if self.how == "system":
            return os.system, (f"touch '{self.marker}'",)
        return open, (self.marker, "w")


def load_error(path) -> str:
    with pytest.raises(SessionError) as info:
        load_session(path)
    message = str(info.value)
    assert "\n" not in message and message
    return message


@pytest.mark.parametrize("how", ["open", "system"])
@pytest.mark.parametrize("member", ["state/G/0.weight.npy", "meta.json"])
def test_pickle_member_is_refused_and_never_run(good, tmp_path, member, how):
    marker = tmp_path / "pwned"
    live = tmp_path / "live"
    result = pickle.loads(pickle.dumps(Boom(str(live), how)))  # the payload is live: unpickling runs it
    if hasattr(result, "close"):
        result.close()
    assert live.exists()
    payload = pickle.dumps(Boom(str(marker), how))
    bad = tmp_path / "bad.gvz"
    rewrite(good, bad, {member: payload})
    load_error(bad)
    assert not marker.exists()


def test_torch_save_pickle_member_is_refused(good, tmp_path):
    marker = tmp_path / "pwned"
    buf = io.BytesIO()
    torch.save({"w": Boom(str(marker), "open")}, buf)
    bad = tmp_path / "bad.gvz"
    rewrite(good, bad, {"state/G/0.weight.npy": buf.getvalue()})
    load_error(bad)
    assert not marker.exists()


def test_object_dtype_npy_member_is_refused(good, tmp_path):
    marker = tmp_path / "pwned"
    buf = io.BytesIO()
    np.save(buf, np.array([Boom(str(marker), "open")], dtype=object), allow_pickle=True)
    bad = tmp_path / "bad.gvz"
    rewrite(good, bad, {"state/G/0.weight.npy": buf.getvalue()})
    assert "pickle" in load_error(bad)
    assert not marker.exists()


def test_truncated_file(good, tmp_path):
    data = good.read_bytes()
    bad = tmp_path / "half.gvz"
    bad.write_bytes(data[: len(data) // 2])
    assert "truncated or corrupt" in load_error(bad)


def test_corrupted_bytes_inside_a_member(good, tmp_path):
    data = bytearray(good.read_bytes())
    info = zipfile.ZipFile(good).getinfo("state/D/0.weight.npy")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 10 : start + 20] = bytes(10)  # zero ten bytes of its compressed data
    bad = tmp_path / "flipped.gvz"
    bad.write_bytes(bytes(data))
    assert "corrupt" in load_error(bad)


def test_text_file_is_not_a_session(tmp_path):
    bad = tmp_path / "notes.gvz"
    bad.write_text("hello, this is not a session\n")
    assert "not a ganviz session" in load_error(bad)
    empty = tmp_path / "empty.gvz"
    empty.write_bytes(b"")
    assert "not a ganviz session" in load_error(empty)


def test_other_zip_is_not_a_session(tmp_path):
    bad = tmp_path / "other.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("readme.txt", "hi")
    assert "not a ganviz session" in load_error(bad)


def test_missing_file(tmp_path):
    assert "No such file" in load_error(tmp_path / "nope.gvz")


@pytest.mark.parametrize("version", [0, 2])
def test_other_format_version(good, tmp_path, version):
    bad = tmp_path / "v.gvz"
    edit_meta(good, bad, format_version=version)
    msg = load_error(bad)
    assert f"made by a different version of ganviz: format {version}, this version reads 1" in msg


def test_missing_member(good, tmp_path):
    bad = tmp_path / "missing.gvz"
    rewrite(good, bad, drop=("state/rng/latent.npy",))
    assert "missing member 'state/rng/latent.npy'" in load_error(bad)


def test_truncated_npy_member(good, tmp_path):
    bad = tmp_path / "short.gvz"
    data = zipfile.ZipFile(good).read("state/z_fixed.npy")
    rewrite(good, bad, {"state/z_fixed.npy": data[:-8]})
    assert "wrong size" in load_error(bad)


@pytest.mark.parametrize(
    "key, value, words",
    [
        ("config.hidden", 0, "hidden"),
        ("config.objective", "no-such-loss", "objective"),
        ("config.no_such_setting", 1, "no_such_setting"),
    ],
)
def test_bad_config(good, tmp_path, key, value, words):
    bad = tmp_path / "cfg.gvz"
    edit_meta(good, bad, **{key: value})
    msg = load_error(bad)
    assert "bad config" in msg and words in msg


def test_state_that_does_not_fit_the_config(good, tmp_path):
    """A consistent-looking file whose weights have the wrong shape fails in make_trainer, one line."""
    bad = tmp_path / "shape.gvz"
    rewrite(good, bad, {"state/G/0.weight.npy": session_mod._npy_bytes(np.zeros((3, 3), np.float32))})
    s = load_session(bad)
    with pytest.raises(SessionError) as info:
        s.make_trainer()
    assert "does not fit" in str(info.value) and "\n" not in str(info.value)


# --- read limits and defensive paths -------------------------------------------------------------


def add_members(src, dst, meta_changes: dict, members: dict[str, tuple[int, object]]) -> None:
    """Copy a session, changing meta.json and adding members: name -> (compression, bytes or a chunk
    iterator), streamed so that a member of hundreds of MB never sits in memory."""
    meta = json.loads(zipfile.ZipFile(src).read("meta.json"))
    for key, value in meta_changes.items():
        *parents, last = key.split(".")
        d = meta
        for k in parents:
            d = d[k]
        d[last] = value
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        zout.writestr("meta.json", json.dumps(meta))
        for name in zin.namelist():
            if name != "meta.json":
                zout.writestr(name, zin.read(name))
        for name, (method, data) in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = method
            with zout.open(info, "w", force_zip64=True) as f:
                for chunk in [data] if isinstance(data, bytes) else data:
                    f.write(chunk)


def zeros_npy(n_bytes: int):
    """A float64 .npy of n_bytes zeros, as chunks."""
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(head, {"descr": "<f8", "fortran_order": False, "shape": (n_bytes // 8,)})
    yield head.getvalue()
    chunk = bytes(1 << 20)
    for _ in range(n_bytes >> 20):
        yield chunk


def load_peak(path) -> tuple[str | None, int]:
    """(load error or None, peak bytes Python and numpy allocated while loading)."""
    import tracemalloc

    tracemalloc.start()
    try:
        load_session(path)
        message = None
    except SessionError as e:
        message = str(e)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return message, peak


def test_zip_bomb_member_is_refused_before_it_is_read(good, tmp_path):
    """256 MiB of zeros packed into ~250 kB, in a session that claims a long history (so its size bound
    allows the bytes): refused by its packing ratio, with next to nothing allocated."""
    bad = tmp_path / "bomb.gvz"
    add_members(
        good,
        bad,
        {"step": 10**7, "history": {"g_loss": {"__array__": "history/g_loss.npy"}}},
        {"history/g_loss.npy": (zipfile.ZIP_DEFLATED, zeros_npy(256 << 20))},
    )
    assert bad.stat().st_size < 2 << 20
    message, peak = load_peak(bad)
    assert message and "zip bomb" in message and "history/g_loss.npy" in message
    assert peak < 32 << 20


def test_member_beyond_what_the_config_can_hold_is_refused_before_it_is_read(good, tmp_path):
    """Stored, not packed (no ratio to see): 40 MiB of history for a 16-unit net two steps in."""
    bad = tmp_path / "big.gvz"
    big = np.random.default_rng(0).standard_normal(5 << 20)  # 40 MiB
    add_members(
        good,
        bad,
        {"history": {"g_loss": {"__array__": "history/g_loss.npy"}}},
        {"history/g_loss.npy": (zipfile.ZIP_STORED, session_mod._npy_bytes(big))},
    )
    del big
    message, peak = load_peak(bad)
    assert message and "more than a session of its size and length holds" in message
    assert peak < 16 << 20


def test_a_large_member_is_read_once_not_copied(tmp_path):
    """A sound 24 MiB history member: the load holds it once (np.load of bytes would hold it twice)."""
    path = tmp_path / "long.gvz"
    history = {"g_loss": np.random.default_rng(1).standard_normal(3 << 20)}
    save_session(path, tiny(), history=history)
    message, peak = load_peak(path)
    assert message is None
    assert peak < 40 << 20  # one copy plus the small rest, not two
    assert np.array_equal(load_session(path).history["g_loss"], history["g_loss"])


def test_too_many_members_are_refused_before_the_index_is_read(good, tmp_path, monkeypatch):
    monkeypatch.setattr(session_mod, "_MAX_MEMBERS", 60)
    bad = tmp_path / "many.gvz"
    add_members(good, bad, {}, {f"x/{i}.npy": (zipfile.ZIP_STORED, b"") for i in range(61)})
    read_index = []
    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", lambda self: read_index.append(1))
    assert "a session has at most 60" in load_error(bad)
    assert read_index == []


def test_session_file_over_the_size_cap_is_refused_unread(tmp_path):
    big = tmp_path / "huge.gvz"
    with open(big, "wb") as f:
        f.truncate(session_mod._MAX_FILE_BYTES + 1)  # sparse: no disk used
    message = load_error(big)
    assert "may be at most" in message and f"{session_mod._MAX_FILE_BYTES:,}" in message


def test_folder_is_refused(tmp_path):
    assert "is a folder" in load_error(tmp_path)


def test_meta_nested_deeper_than_json_parses_is_one_line(good, tmp_path):
    bad = tmp_path / "deep.gvz"
    meta = b'{"format": "ganviz-session", "format_version": 1, "state": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    rewrite(good, bad, {"meta.json": meta})
    message = load_error(bad)
    assert "corrupt meta.json" in message and "recursion" in message


def test_tags_nested_deeper_than_decoding_recurses_is_one_line(good, tmp_path, monkeypatch):
    """json parses it (given room here), the tag decoding cannot: one line, not a RecursionError."""
    real_loads = json.loads

    def roomy_loads(text):
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(50_000)
        try:
            return real_loads(text)
        finally:
            sys.setrecursionlimit(old)

    monkeypatch.setattr(session_mod.json, "loads", roomy_loads)
    bad = tmp_path / "deep.gvz"
    meta = real_loads(zipfile.ZipFile(good).read("meta.json"))
    meta["state"]["G"] = "DEEP"
    deep = '{"__tuple__": [' * 3000 + "1" + "]}" * 3000
    rewrite(good, bad, {"meta.json": json.dumps(meta).replace('"DEEP"', deep).encode()})
    assert load_error(bad) == "corrupt meta.json: nested too deeply"


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA GPU is visible: a cuda session resumes here")
def test_cuda_session_loads_on_a_cpu_only_machine(good, tmp_path):
    """Saved on a GPU (device "cuda", config device "auto"): the file loads (every tensor on the CPU, so
    its history and data can be shown), and resuming it says why not in one line."""
    gpu = tmp_path / "gpu.gvz"
    edit_meta(good, gpu, device="cuda")
    s = load_session(gpu)
    assert s.device == "cuda" and s.step == 2
    assert all(t.device.type == "cpu" for t in s.state["G"].values())
    with pytest.raises(SessionError) as info:
        s.make_trainer()
    message = str(info.value)
    assert "trained on cuda" in message and "cpu" in message and "\n" not in message


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA GPU is visible")
def test_session_asking_for_cuda_on_a_cpu_only_machine(good, tmp_path):
    gpu = tmp_path / "gpu.gvz"
    edit_meta(good, gpu, device="cuda", **{"config.device": "cuda"})
    message = load_error(gpu)
    assert "device 'cuda'" in message and "no CUDA GPU" in message
