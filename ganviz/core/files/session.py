"""Sessions: a training run saved to one `.gvz` file and loaded back to resume bit for bit.

A session holds the trainer's whole state (config, step, G and D weights, spectral-norm vectors, both
optimisers, the three random streams, the fixed latent batch), optionally the window's loss history,
and the points of a CSV or drawn dataset (loading never reads the CSV file again: it may have moved or
changed). Loading it into a fresh `Trainer` and training on gives exactly the numbers the original run
would have given (same device type, same torch build).

File format ("ganviz-session", format_version 1)
------------------------------------------------

A zip archive (any name; `.gvz` by convention). Loading never runs code from the file: there is no
pickle anywhere, only JSON and `.npy` arrays read with `np.load(allow_pickle=False)`.

``meta.json`` (the first member), UTF-8 JSON::

    {
      "format": "ganviz-session",
      "format_version": 1,
      "ganviz_version": "0.1.0", "torch_version": "...", "numpy_version": "...",
      "device": "cpu",                       # device type the run trained on
      "step": 100,                           # generator steps done
      "config": {"dataset": "ring8", ...},   # TrainConfig fields, resolved (no nulls)
      "state": {"G": {...}, "D": {...}, "opt_g": {...}, "opt_d": {...},
                "rng": {"latent": T, "data": T, "numpy": {...}}, "z_fixed": T},
      "history": {"g_loss": A, ...},         # may be {}
      "dataset_points": A                    # float32 (n, 2): a CSV's or drawing's points, else null
    }

Values in the tree are plain JSON, except these tagged objects:

* ``{"__tensor__": "state/G/0.weight.npy"}``: a torch tensor stored as that `.npy` member (CPU,
  same dtype and shape); the RNG byte states of the torch generators are uint8 tensors like any other;
* ``{"__array__": "history/g_loss.npy"}``: a numpy array stored as that member;
* ``{"__tuple__": [...]}``: a tuple (Adam's betas);
* ``{"__items__": [[key, value], ...]}``: a dict whose keys are not all strings (optimiser state is
  keyed by parameter index);
* ``{"__int__": "139756322654377766727085075210351969228"}``: an integer beyond ±2**53 as decimal text,
  so that readers with double-only numbers (JavaScript) do not round the PCG64 state;
* ``{"__float__": "nan"}`` (or "inf", "-inf"): a non-finite float.

Every other member is a `.npy` file (format 1.0 or 2.0, no object dtypes) named by its place in the
tree. The file is written atomically (a temporary file beside it, then a rename), so a crash while
saving leaves the previous file as it was.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import torch

from ganviz import __version__
from ganviz.core.data.custom_data import CustomDataError, stored_dataset
from ganviz.core.files.io import NotReadable, open_regular, write_atomic
from ganviz.core.training.config import ConfigError, TrainConfig, resolve_device
from ganviz.core.training.trainer import Trainer

FORMAT_NAME = "ganviz-session"
FORMAT_VERSION = 1
SUFFIX = ".gvz"
META = "meta.json"

_MAX_META_BYTES = 64 << 20
_MAX_MEMBER_BYTES = 2 << 30  # refuse members that claim more (a zip bomb or a corrupt header)
_MAX_TOTAL_BYTES = 8 << 30
_MAX_FILE_BYTES = 8 << 30
_MAX_MEMBERS = 20_000  # a session has a few per layer; the zip index itself is read before anything else
_MAX_RATIO = 100  # deflate packs float data 1-3×: a large member claiming 100× its stored bytes is a bomb
_RATIO_FREE_BYTES = 16 << 20  # members smaller than this may pack as well as they like
_SIZE_SLACK = 32 << 20  # beyond the estimate from the config: RNG states, dataset points, small tables
_JSON_SAFE_INT = 2**53
_TENSOR_KINDS = "biuf"  # bool, signed, unsigned, float: the dtypes torch.from_numpy takes
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed member times: the same state gives the same bytes
_STATE_KEYS = ("G", "D", "opt_g", "opt_d", "rng", "z_fixed")


class SessionError(ValueError):
    """A file that cannot be loaded as a session; the message says why in one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


@dataclass
class Session:
    """What a session file holds. `state` is `Trainer.state_dict()`'s layout (config and step included)."""

    state: dict
    config: TrainConfig
    history: dict[str, np.ndarray] = field(default_factory=dict)
    dataset_points: np.ndarray | None = None
    format_version: int = FORMAT_VERSION
    ganviz_version: str = ""
    device: str = "cpu"  # device type the run trained on

    @property
    def step(self) -> int:
        return int(self.state["step"])

    def make_trainer(self) -> Trainer:
        """A new Trainer in the saved state; SessionError when the state does not fit its config.

        The state is copied first: optimisers keep (not copy) the tensors they are loaded from, so two
        trainers made from one session would otherwise share their Adam moments.
        """
        here = resolve_device(self.config.device).type
        if here != self.device:
            raise SessionError(
                f"the session trained on {self.device} and this run would train on {here}: "
                "its random streams cannot continue on another device type"
            )
        try:
            return Trainer.from_state_dict(copy.deepcopy(self.state))
        except (RuntimeError, KeyError, ValueError, TypeError, IndexError, AttributeError) as e:
            raise SessionError(f"the saved state does not fit its config: {e}") from None


# --- saving ---------------------------------------------------------------------------------------


class _Members:
    """The arrays to write, each under a unique member name derived from its place in the tree."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def add(self, path: tuple, array: np.ndarray) -> str:
        base = "/".join(re.sub(r"[^A-Za-z0-9._-]", "_", str(p)) or "_" for p in path)
        name, n = f"{base}.npy", 1
        while name in self.arrays or name == META:
            name, n = f"{base}~{n}.npy", n + 1
        self.arrays[name] = array
        return name


def _encode(value, path: tuple, members: _Members):
    if isinstance(value, torch.Tensor):
        t = value.detach().to("cpu")
        try:
            a = t.contiguous().numpy().copy()
        except TypeError:
            raise TypeError(f"cannot save a {t.dtype} tensor (at {'/'.join(map(str, path))})") from None
        return {"__tensor__": members.add(path, a)}
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise TypeError(f"cannot save an array of Python objects (at {'/'.join(map(str, path))})")
        return {"__array__": members.add(path, np.array(value))}
    if isinstance(value, (bool, np.bool_)) or value is None or isinstance(value, str):
        return bool(value) if isinstance(value, np.bool_) else value
    if isinstance(value, (int, np.integer)):
        value = int(value)
        return value if abs(value) <= _JSON_SAFE_INT else {"__int__": str(value)}
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, (*path, i), members) for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [_encode(v, (*path, i), members) for i, v in enumerate(value)]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: _encode(v, (*path, k), members) for k, v in value.items()}
        return {"__items__": [[_encode(k, path, members), _encode(v, (*path, k), members)] for k, v in value.items()]}
    raise TypeError(f"cannot save a value of type {type(value).__name__} (at {'/'.join(map(str, path))})")


def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def _put(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data, compresslevel=1)


def save_session(path: str | os.PathLike, trainer: Trainer, history: dict[str, np.ndarray] | None = None) -> None:
    """Write `trainer`'s state (and optional history) to `path`, atomically. The points of a CSV or drawn
    dataset go in too: the session resumes on them even when the file has moved or changed."""
    state = trainer.state_dict()
    dataset_points = trainer.dataset.points
    config, step = state.pop("config"), state.pop("step")
    members = _Members()
    history = {} if history is None else history
    if not all(isinstance(k, str) for k in history):
        raise TypeError("history keys must be strings")
    meta = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "ganviz_version": __version__,
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "device": trainer.device.type,
        "step": int(step),
        "config": _encode(config, ("config",), members),
        "state": _encode(state, ("state",), members),
        # a name → array map, written as a plain object whatever the names (no tags at this level)
        "history": {k: _encode(np.asarray(v), ("history", k), members) for k, v in history.items()},
        "dataset_points": None
        if dataset_points is None
        else _encode(np.asarray(dataset_points, np.float32), ("dataset_points",), members),
    }
    meta_bytes = json.dumps(meta, indent=1, allow_nan=False).encode("utf-8")

    def write(f) -> None:
        with zipfile.ZipFile(f, "w") as zf:
            _put(zf, META, meta_bytes)
            for name, array in members.arrays.items():
                _put(zf, name, _npy_bytes(array))

    write_atomic(path, write)


# --- loading --------------------------------------------------------------------------------------


_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, ValueError)


def _member(zf: zipfile.ZipFile, name: str, limit: int) -> zipfile.ZipInfo:
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise SessionError(f"missing member {name!r}") from None
    if info.file_size > limit:
        raise SessionError(f"member {name!r} is too large ({info.file_size} bytes)")
    return info


def _read_member(zf: zipfile.ZipFile, name: str, limit: int) -> bytes:
    info = _member(zf, name, limit)
    try:
        return zf.read(info)
    except _ZIP_ERRORS as e:
        raise SessionError(f"truncated or corrupt file: member {name!r}: {e}") from None


def _read_npy(zf: zipfile.ZipFile, name: str) -> np.ndarray:
    """A `.npy` member, checked before numpy allocates anything: never unpickles, never over-allocates.
    The data is unpacked straight into the array (one copy in memory, not two)."""
    info = _member(zf, name, _MAX_MEMBER_BYTES)
    try:
        with zf.open(info) as f:
            try:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
                elif version == (2, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
                else:
                    raise ValueError(f".npy version {version} is not read")
            except (ValueError, EOFError):
                raise SessionError(
                    f"member {name!r} is not a plain .npy array (pickled or other data): refused"
                ) from None
            if dtype.hasobject:
                raise SessionError(f"member {name!r} holds pickled Python objects, which a session never loads")
            count = math.prod(shape)
            if count < 0 or info.file_size - f.tell() != dtype.itemsize * count:
                raise SessionError(f"truncated or corrupt file: member {name!r} has the wrong size for its shape")
            flat = np.empty(count, dtype)
            view, done = memoryview(flat.view(np.uint8)), 0
            while done < len(view):  # in chunks: zipfile's readinto would allocate the whole size again
                chunk = f.read(min(len(view) - done, 1 << 20))
                if not chunk:
                    raise EOFError("the member ends early")
                view[done : done + len(chunk)] = chunk
                done += len(chunk)
            if f.read(1):  # also makes zipfile check the CRC of the whole member
                raise ValueError("the member is longer than its header says")
    except SessionError:
        raise
    except _ZIP_ERRORS as e:
        raise SessionError(f"truncated or corrupt file: member {name!r}: {e}") from None
    try:
        return flat.reshape(shape, order="F" if fortran else "C")
    except ValueError as e:
        raise SessionError(f"member {name!r} cannot be read: {e}") from None


def _size_bound(meta: dict) -> int:
    """The most a sound session with this meta's config and step unpacks to, generously: both networks'
    weights and three optimiser slots per weight as float64, the fixed latents, a 64-column loss and
    quality row per step, and _SIZE_SLACK for the rest. The config is not validated yet: odd values take
    the defaults (validation refuses them afterwards)."""
    config = meta.get("config") if isinstance(meta.get("config"), dict) else {}
    default = TrainConfig()

    def count(key: str) -> int:
        value = config.get(key)
        ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
        return value if ok else getattr(default, key)

    width = max(count("hidden"), count("zdim"), 2) + 1
    params = 2 * (count("layers") + 1) * width * width
    step = meta.get("step")
    rows = (step if isinstance(step, int) and not isinstance(step, bool) and step > 0 else 0) + 1
    return 8 * (4 * params + count("n_fixed") * count("zdim") + 2 * 64 * rows) + _SIZE_SLACK


def _check_sizes(zf: zipfile.ZipFile, meta: dict) -> None:
    """Refuse, before any array is read, members that claim more than such a session can hold."""
    bound = _size_bound(meta)
    total = sum(i.file_size for i in zf.infolist() if i.filename != META)
    if total > bound:
        raise SessionError(
            f"the archive unpacks to {total:,} bytes, more than a session of its size and length holds "
            f"(at most {bound:,}): corrupt or hostile"
        )
    for info in zf.infolist():
        if info.file_size > _RATIO_FREE_BYTES and info.file_size > _MAX_RATIO * max(info.compress_size, 1):
            raise SessionError(
                f"member {info.filename!r} claims {info.file_size:,} bytes from {info.compress_size:,} stored "
                "(a zip bomb?): refused"
            )


def _tagged(value: dict, tag: str, kind: type):
    if len(value) != 1 or not isinstance(value[tag], kind):
        raise SessionError(f"corrupt {META}: bad {tag} entry")
    return value[tag]


def _decode(value, zf: zipfile.ZipFile):
    if isinstance(value, list):
        return [_decode(v, zf) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tensor__" in value:
        a = _read_npy(zf, _tagged(value, "__tensor__", str))
        if a.dtype.kind not in _TENSOR_KINDS or a.dtype.fields is not None:
            raise SessionError(f"member {value['__tensor__']!r}: dtype {a.dtype} is not a tensor dtype")
        return torch.from_numpy(a.astype(a.dtype.newbyteorder("="), copy=False))
    if "__array__" in value:
        return _read_npy(zf, _tagged(value, "__array__", str))
    if "__tuple__" in value:
        return tuple(_decode(v, zf) for v in _tagged(value, "__tuple__", list))
    if "__items__" in value:
        items = _tagged(value, "__items__", list)
        if not all(isinstance(kv, list) and len(kv) == 2 for kv in items):
            raise SessionError(f"corrupt {META}: bad __items__ entry")
        try:
            return {_decode(k, zf): _decode(v, zf) for k, v in items}
        except TypeError:
            raise SessionError(f"corrupt {META}: unhashable key in __items__") from None
    if "__int__" in value:
        text = _tagged(value, "__int__", str)
        if not re.fullmatch(r"-?[0-9]{1,400}", text):
            raise SessionError(f"corrupt {META}: bad __int__ entry")
        return int(text)
    if "__float__" in value:
        text = _tagged(value, "__float__", str)
        if text not in ("nan", "inf", "-inf"):
            raise SessionError(f"corrupt {META}: bad __float__ entry")
        return float(text)
    return {k: _decode(v, zf) for k, v in value.items()}


def _require(ok: bool, what: str) -> None:
    if not ok:
        raise SessionError(f"corrupt {META}: {what}")


def _check_state(state: dict, config: TrainConfig) -> None:
    """The shape of Trainer.state_dict(), so that a damaged file fails here and not mid-training."""
    _require(isinstance(state, dict), "'state' is not an object")
    for key in _STATE_KEYS:
        if key not in state:
            raise SessionError(f"missing state entry {key!r}")
    for key in ("G", "D"):
        tree = state[key]
        _require(
            isinstance(tree, dict) and all(isinstance(v, torch.Tensor) for v in tree.values()),
            f"{key} is not a set of tensors",
        )
    for key in ("opt_g", "opt_d"):
        opt = state[key]
        _require(isinstance(opt, dict) and "state" in opt and "param_groups" in opt, f"{key} is not an optimiser state")
    rng = state["rng"]
    _require(isinstance(rng, dict) and {"latent", "data", "numpy"} <= rng.keys(), "rng lacks a stream")
    for key in ("latent", "data"):
        t = rng[key]
        _require(isinstance(t, torch.Tensor) and t.dtype == torch.uint8 and t.dim() == 1, f"rng {key} is not bytes")
    np_state = rng["numpy"]
    _require(isinstance(np_state, dict) and np_state.get("bit_generator") == "PCG64", "rng numpy is not a PCG64 state")
    z = state["z_fixed"]
    _require(
        isinstance(z, torch.Tensor) and z.is_floating_point() and tuple(z.shape) == (config.n_fixed, config.zdim),
        "z_fixed does not match n_fixed × zdim",
    )


def _check_finite(state: dict) -> None:
    """A state with NaN/Inf weights (or optimiser moments) cannot train on: say so, not fail later."""
    for player in ("G", "D", "opt_g", "opt_d"):
        for name, value in _tensors(state[player]):
            if value.is_floating_point() and not bool(torch.isfinite(value).all()):
                raise SessionError(
                    f"the saved state holds NaN or Inf ({player} {name}): the run had diverged before it was "
                    "saved, so it cannot resume; open an earlier session"
                )


def _tensors(tree, prefix: str = ""):
    """(dotted name, tensor) for every tensor in a nest of dicts."""
    items = tree.items() if isinstance(tree, dict) else ()
    for key, value in items:
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, torch.Tensor):
            yield name, value
        else:
            yield from _tensors(value, name)


@contextlib.contextmanager
def _open(path: Path) -> Iterator[zipfile.ZipFile]:
    try:
        f = open_regular(path, _MAX_FILE_BYTES, "a session file")
    except OSError as e:
        raise SessionError(e.strerror or str(e)) from None
    except NotReadable as e:
        raise SessionError(f"not a ganviz session: {e}") from None
    with f:
        head = f.read(4)
        if not head:
            raise SessionError("not a ganviz session (empty file)")
        try:
            f.seek(0)
            end = zipfile._EndRecData(f)  # the entry count, before zipfile reads the whole index
            members = end[zipfile._ECD_ENTRIES_TOTAL] if end is not None else 0
            if members <= _MAX_MEMBERS:
                zf = zipfile.ZipFile(f)
                members = len(zf.infolist())
        except (
            zipfile.BadZipFile,
            OSError,
            EOFError,
            ValueError,
            AttributeError,
            IndexError,
            TypeError,
            NotImplementedError,  # a bad 'version needed' byte
        ) as e:
            if head.startswith(b"PK"):
                raise SessionError(f"truncated or corrupt file ({e})") from None
            raise SessionError("not a ganviz session (not a zip archive)") from None
        if members > _MAX_MEMBERS:
            raise SessionError(f"the archive has {members:,} members; a session has at most {_MAX_MEMBERS:,}")
        with zf:
            yield zf


def load_session(path: str | os.PathLike) -> Session:
    """Read a session file; SessionError (one line) for anything that is not a sound session."""
    with _open(Path(path)) as zf:
        if sum(i.file_size for i in zf.infolist()) > _MAX_TOTAL_BYTES:
            raise SessionError("the archive unpacks to more than a session could hold (corrupt or hostile)")
        if META not in zf.namelist():
            raise SessionError(f"not a ganviz session (no {META})")
        try:
            meta = json.loads(_read_member(zf, META, _MAX_META_BYTES).decode("utf-8"))
        except (ValueError, RecursionError) as e:  # bad UTF-8, bad JSON, an integer of 4300+ digits
            raise SessionError(f"corrupt {META}: {e}") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
            raise SessionError("not a ganviz session (meta.json names another format)")
        version = meta.get("format_version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise SessionError(f"corrupt {META}: format_version {version!r} is not an integer")
        if version != FORMAT_VERSION:
            raise SessionError(
                f"made by a different version of ganviz: format {version}, this version reads {FORMAT_VERSION}"
            )
        for key in ("config", "state", "step", "device"):
            if key not in meta:
                raise SessionError(f"corrupt {META}: missing {key!r}")
        _check_sizes(zf, meta)
        try:
            config_dict = _decode(meta["config"], zf)
            state = _decode(meta["state"], zf)
            history = meta.get("history") or {}
            _require(isinstance(history, dict), "'history' is not an object")
            history = {k: _decode(v, zf) for k, v in history.items()}  # keys are names, never tags
            points = meta.get("dataset_points")
            points = None if points is None else _decode(points, zf)
        except RecursionError:
            raise SessionError(f"corrupt {META}: nested too deeply") from None

    _require(isinstance(config_dict, dict), "'config' is not an object")
    unknown = sorted(map(str, set(config_dict) - {f.name for f in fields(TrainConfig)}))
    if unknown:
        raise SessionError(f"bad config: unknown setting {', '.join(unknown)}")
    try:
        config = TrainConfig(**config_dict)
        if isinstance(points, np.ndarray) and isinstance(config.dataset, str):
            stored_dataset(config.dataset, points)  # a csv: name is known from its points, never from its file
        config.validate()
    except ConfigError as e:
        raise SessionError(f"bad config: {e}") from None
    except CustomDataError as e:
        raise SessionError(f"bad dataset_points: {e}") from None
    step = meta["step"]
    _require(isinstance(step, int) and not isinstance(step, bool) and step >= 0, "step is not an integer ≥ 0")
    _require(meta["device"] in ("cpu", "cuda"), f"unknown device {meta['device']!r}")
    _check_state(state, config)
    _check_finite(state)
    _require(all(isinstance(v, np.ndarray) for v in history.values()), "history is not a set of arrays")
    _require(points is None or isinstance(points, np.ndarray), "dataset_points is not an array")
    state = {"config": dict(config_dict), "step": step, **state}
    if points is not None:  # travels with the state into every Trainer made from it (window child included)
        state["dataset_points"] = points
    return Session(
        state=state,
        config=config,
        history=history,
        dataset_points=points,
        format_version=version,
        ganviz_version=str(meta.get("ganviz_version", "")),
        device=meta["device"],
    )
