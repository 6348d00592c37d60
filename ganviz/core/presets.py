"""Presets: named, documented training configurations read from resources/presets/*.toml.

A preset file holds `name` (its file name without `.toml`), `title`, `description` (a sentence or two for a
teacher), an optional suggested length `steps`, a `[config]` table of TrainConfig fields and an optional
`[expect]` table with the outcome it claims after `steps` generator updates (`modes_robust_min = 8`,
`hq_min = 0.8`, `modes_robust_max = 20`, …), which benchmarks/bench_presets.py and the slow tests check.

The field checks here (`coerce_field`) are shared with sweep specs (ganviz.core.sweep).
"""

from __future__ import annotations

import dataclasses
import math
import sys
import typing
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import ganviz
from ganviz.core.config import ConfigError, TrainConfig

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the tomli backport (a dependency on Python < 3.11)
    import tomli as tomllib

PRESET_DIR = Path(ganviz.__file__).resolve().parents[1] / "resources" / "presets"

# metrics a preset may make claims about (Trainer.evaluate's keys), each as <metric>_min / <metric>_max
EXPECT_METRICS = ("modes", "modes_robust", "hq", "rkl", "w1")


class PresetError(ConfigError):
    """An unknown preset or a bad preset file; the message is one line."""


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    description: str
    config: TrainConfig
    steps: int | None = None  # suggested number of generator updates
    expect: dict[str, float] = field(default_factory=dict)  # e.g. {"modes_robust_min": 8, "hq_min": 0.8}
    path: Path | None = None

    @property
    def claims(self) -> bool:
        """Whether the preset states an outcome that a run of `steps` updates can be checked against."""
        return bool(self.expect) and self.steps is not None

    def check(self, metrics: dict) -> list[str]:
        """The claims that `metrics` (Trainer.evaluate's output) fails, as short sentences; [] when all hold."""
        failed = []
        for key, bound in self.expect.items():
            metric, side = key.rsplit("_", 1)
            value = metrics.get(metric)
            ok = value is not None and not (isinstance(value, float) and math.isnan(value))
            ok = ok and (value >= bound if side == "min" else value <= bound)
            if not ok:
                failed.append(f"{metric} = {value!r}, expected {'≥' if side == 'min' else '≤'} {bound}")
        return failed


# --- TrainConfig fields from TOML ------------------------------------------------------------------


@cache
def config_field_types() -> dict[str, type]:
    """TrainConfig field name -> the Python type TOML must give (`X | None` fields take an X)."""
    hints = typing.get_type_hints(TrainConfig)
    out = {}
    for f in dataclasses.fields(TrainConfig):
        kinds = [t for t in typing.get_args(hints[f.name]) if t is not type(None)] or [hints[f.name]]
        out[f.name] = kinds[0]
    return out


_KIND_WORDS = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}


def coerce_field(name: str, value: object, where: str = "config") -> object:
    """`value` checked against the TrainConfig field `name`'s type (an integer is taken as a float where a
    float is due); raises ConfigError with a one-line message naming `where.name`."""
    types = config_field_types()
    if name not in types:
        raise ConfigError(f"unknown field {where}.{name}; allowed: {', '.join(types)}")
    return coerce_value(f"{where}.{name}", value, types[name])


def coerce_value(label: str, value: object, kind: type) -> object:
    if typing.get_origin(kind) is tuple:  # e.g. custom_points: a list of [x, y] pairs in TOML
        return _coerce_tuple(label, value, kind)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        ok = False
    else:
        ok = isinstance(value, kind)
    if not ok:
        raise ConfigError(f"{label} must be {_KIND_WORDS.get(kind, kind.__name__)} (got {value!r})")
    return value


def _coerce_tuple(label: str, value: object, kind) -> tuple:
    args = typing.get_args(kind)
    if not isinstance(value, (list, tuple)) or (args[-1] is not Ellipsis and len(value) != len(args)):
        raise ConfigError(f"{label} must be a list of {len(args)} items (got {value!r})")
    item_kinds = [args[0]] * len(value) if args[-1] is Ellipsis else list(args)
    return tuple(coerce_value(f"{label}[{i}]", v, k) for i, (v, k) in enumerate(zip(value, item_kinds)))


def read_toml(path: Path, error: type[ConfigError] = ConfigError) -> dict:
    """A TOML file as a dict; a missing file or a syntax error raises `error` with one line."""
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory") from None
    except OSError as e:
        raise error(f"{path}: cannot read: {e.strerror or e}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise error(f"{path}: TOML syntax error: {' '.join(str(e).split())}") from None


# --- preset files ----------------------------------------------------------------------------------

_TOP_KEYS = {"name": str, "title": str, "description": str, "steps": int, "config": dict, "expect": dict}


def load_preset_file(path: str | Path) -> Preset:
    """One preset file, fully validated; PresetError (one line, naming the file) when it is bad."""
    path = Path(path)
    data = read_toml(path, PresetError)
    label = path.name
    try:
        for key in data:
            if key not in _TOP_KEYS:
                raise ConfigError(f"unknown key {key!r}; allowed: {', '.join(_TOP_KEYS)}")
        for key in ("name", "title", "description", "config"):
            if key not in data:
                raise ConfigError(f"missing {key!r}")
        for key, kind in _TOP_KEYS.items():
            if key in data:
                what = "a table" if kind is dict else _KIND_WORDS[kind]
                if not isinstance(data[key], kind) or isinstance(data[key], bool) != (kind is bool):
                    raise ConfigError(f"{key} must be {what} (got {data[key]!r})")
        if data["name"] != path.stem:
            raise ConfigError(f"name {data['name']!r} must match the file name {path.stem!r}")
        if "steps" in data and data["steps"] < 1:
            raise ConfigError(f"steps must be an integer ≥ 1 (got {data['steps']!r})")
        values = {k: coerce_field(k, v) for k, v in data["config"].items()}
        config = TrainConfig(**values)
        config.validate()
        expect = {}
        for key, bound in data.get("expect", {}).items():
            metric, _, side = key.rpartition("_")
            if metric not in EXPECT_METRICS or side not in ("min", "max"):
                allowed = ", ".join(f"{m}_min, {m}_max" for m in EXPECT_METRICS)
                raise ConfigError(f"unknown key expect.{key}; allowed: {allowed}")
            expect[key] = coerce_value(f"expect.{key}", bound, float)
        if expect and "steps" not in data:
            raise ConfigError("an [expect] table needs steps (the run length it is claimed for)")
    except ConfigError as e:
        raise PresetError(f"preset {label}: {e}") from None
    return Preset(
        name=data["name"],
        title=" ".join(data["title"].split()),
        description=" ".join(data["description"].split()),
        config=config,
        steps=data.get("steps"),
        expect=expect,
        path=path,
    )


def preset_names(folder: str | Path | None = None) -> list[str]:
    """Names of the presets in `folder` (default: the shipped ones), sorted; the files are not read."""
    folder = Path(folder) if folder is not None else PRESET_DIR
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def list_presets(folder: str | Path | None = None) -> list[Preset]:
    """Every preset, sorted by name; PresetError at the first bad file."""
    folder = Path(folder) if folder is not None else PRESET_DIR
    return [load_preset_file(folder / f"{name}.toml") for name in preset_names(folder)]


def get_preset(name: str, folder: str | Path | None = None) -> Preset:
    """The preset called `name`; PresetError (a ValueError) listing the allowed names when there is none."""
    names = preset_names(folder)
    if name not in names:
        raise PresetError(f"unknown preset {name!r}; choose one of: {', '.join(names) or '(none found)'}")
    return load_preset_file((Path(folder) if folder is not None else PRESET_DIR) / f"{name}.toml")


def preset_config(name: str, folder: str | Path | None = None) -> TrainConfig:
    return get_preset(name, folder).config
