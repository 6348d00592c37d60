"""Presets: named, documented training configurations read from ganviz/resources/presets/*.toml.

A preset file holds `name` (its file name without `.toml`), `title`, an optional `group` (its submenu in the
Presets menu, one of `preset_groups()`), `description` (a sentence or two for a teacher), an optional suggested
length `steps`, a `[config]` table of TrainConfig fields and an optional
`[expect]` table with the outcome it claims after `steps` generator updates. The claim is about seeds, not one
run: bounds on the final metrics (`modes_robust_min = 7`, `hq_min = 0.5`, `modes_robust_max = 20`, …) that hold
together on at least a share `min_fraction` of seeds (`min_fraction = 0.8`: "on at least 8 of 10 seeds"), since
a GAN's outcome varies from seed to seed and a claim read from three lucky seeds misleads whoever repeats it.
benchmarks/bench_presets.py measures each claiming preset over many seeds into ganviz/resources/preset-results.csv;
`Preset.check_distribution` checks a claim against such a table of per-seed results, `summarise` gives its spread.

The field checks here (`coerce_field`) are shared with sweep specs (ganviz.core.runs.sweep).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import math
import statistics
import sys
import typing
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import ganviz
from ganviz.core.training.config import ConfigError, TrainConfig

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the tomli backport (a dependency on Python < 3.11)
    import tomli as tomllib

# package data (pyproject's package-data), so that an installed ganviz, not only a checkout, has them
RESOURCES = Path(ganviz.__file__).resolve().parent / "resources"
PRESET_DIR = RESOURCES / "presets"
# the per-seed measurements of the presets' claims (benchmarks/bench_presets.py appends to it)
RESULTS_FILE = RESOURCES / "preset-results.csv"

# metrics a preset may make claims about (Trainer.evaluate's keys), each as <metric>_min / <metric>_max
EXPECT_METRICS = ("modes", "modes_robust", "hq", "rkl", "w1")
METRIC_WORDS = {"modes": "modes", "modes_robust": "robust modes", "hq": "HQ", "rkl": "reverse KL", "w1": "W1"}


class PresetError(ConfigError):
    """An unknown preset or a bad preset file; the message is one line."""


# the Presets menu's submenus, in order; a preset file names its own with `group` (see preset_groups)
LESSON_GROUPS = ("Mode collapse and its remedies", "Training dynamics", "Pitfalls")


def objective_group(dataset: str) -> str:
    """The group of the presets that show one objective each on `dataset` (every objective has one)."""
    from ganviz.core.data.datasets import DATASETS

    label = DATASETS.get(dataset).label
    return f"Each objective on the {label[:1].lower()}{label[1:]}"


def preset_groups() -> tuple[str, ...]:
    """Every group a preset may name, in the menu's order."""
    return (*LESSON_GROUPS, *(objective_group(d) for d in STARTER_DATASETS))


class ClaimError(PresetError):
    """A bad results table (ganviz/resources/preset-results.csv); the message is one line."""


@dataclass(frozen=True)
class Verdict:
    """A claim checked against per-seed results: on how many seeds its bounds held, and whether that is enough."""

    passed: int
    total: int
    min_fraction: float

    @property
    def holds(self) -> bool:
        # a small tolerance: 0.8 of 10 seeds is 8, not 8.000000000000002
        return self.total > 0 and self.passed >= self.min_fraction * self.total - 1e-9

    @property
    def sentence(self) -> str:
        if not self.total:
            return "not measured yet"
        need = f"the claim asks for at least {self.min_fraction:.0%}"
        return f"held on {self.passed} of {self.total} seeds; {need}: {'holds' if self.holds else 'FAILS'}"


@dataclass(frozen=True)
class Spread:
    """One metric over seeds: median, least and greatest finite value, and how many seeds had one."""

    median: float
    lo: float
    hi: float
    n: int

    def text(self, spec: str) -> str:
        """e.g. "8 (6–8)"; "–" when no seed had a finite value."""
        if not self.n:
            return "–"
        return f"{self.median:{spec}} ({self.lo:{spec}}–{self.hi:{spec}})"


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    description: str
    config: TrainConfig
    steps: int | None = None  # suggested number of generator updates
    expect: dict[str, float] = field(default_factory=dict)  # e.g. {"modes_robust_min": 8, "hq_min": 0.8}
    path: Path | None = None
    min_fraction: float | None = None  # the share of seeds on which every bound in `expect` holds together
    group: str = ""  # its submenu in the Presets menu (one of preset_groups()); "" = none

    @property
    def claims(self) -> bool:
        """Whether the preset states an outcome that runs of `steps` updates can be checked against."""
        return bool(self.expect) and self.steps is not None and self.min_fraction is not None

    @property
    def config_id(self) -> str:
        """A short hash of what defines this preset's runs apart from the seed (its config and steps): a result
        row with another config_id was measured on settings the preset no longer has."""
        # settings at their defaults are left out: a new option, off by default (a remedy), changes no preset's id
        defaults = TrainConfig()
        values = {
            k: v
            for k, v in self.config.__dict__.items()
            if k not in ("seed", "threads") and v != getattr(defaults, k, object())
        }
        text = json.dumps({**values, "steps": self.steps}, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def claim_text(self) -> str:
        """The claim in words, e.g. "robust modes ≥ 7 and HQ ≥ 0.5 on at least 80 % of seeds"; "" if none."""
        if not self.claims:
            return ""
        bounds = []
        for key, bound in self.expect.items():
            metric, side = key.rsplit("_", 1)
            bounds.append(f"{METRIC_WORDS[metric]} {'≥' if side == 'min' else '≤'} {bound:g}")
        return f"{' and '.join(bounds)} on at least {self.min_fraction:.0%} of seeds"

    def check(self, metrics: dict) -> list[str]:
        """The bounds that one run's `metrics` (Trainer.evaluate's output, or a results row) fails, as short
        sentences; [] when all hold."""
        failed = []
        for key, bound in self.expect.items():
            metric, side = key.rsplit("_", 1)
            value = metrics.get(metric)
            ok = value is not None and not (isinstance(value, float) and math.isnan(value))
            ok = ok and (value >= bound if side == "min" else value <= bound)
            if not ok:
                shown = f"{value:g}" if isinstance(value, (int, float)) else repr(value)
                failed.append(f"{metric} = {shown}, expected {'≥' if side == 'min' else '≤'} {bound:g}")
        return failed

    def check_distribution(self, runs: list[dict]) -> Verdict:
        """The claim against per-seed results (one dict of metrics per seed): on how many seeds every bound
        held, and whether that share reaches min_fraction."""
        if not self.claims:
            raise PresetError(f"preset {self.name} makes no claim to check")
        passed = sum(not self.check(run) for run in runs)
        return Verdict(passed, len(runs), self.min_fraction)

    def current_rows(self, rows: list[dict]) -> list[dict]:
        """The rows of a results table measured on this preset's present settings, one per seed (the first)."""
        out: dict[int, dict] = {}
        for row in rows:
            if row["preset"] == self.name and row["config_id"] == self.config_id:
                out.setdefault(row["seed"], row)
        return sorted(out.values(), key=lambda r: r["seed"])

    def summary(self, rows: list[dict]) -> str:
        """What a listing or the preset menu shows beside the description: the claim, and the spread measured
        on the rows (a results table) over seeds, not only the best case."""
        if not self.claims:
            return ""
        text = f"Claim after {self.steps:,} steps: {self.claim_text()}."
        mine = self.current_rows(rows)
        if not mine:
            return text + " Not yet measured on these settings."
        s = summarise(mine)
        return (
            f"{text} Measured on {len(mine)} seeds (median, range): modes {s['modes'].text('.0f')}, "
            f"robust {s['modes_robust'].text('.0f')}, HQ {s['hq'].text('.2f')}; "
            f"{self.check_distribution(mine).sentence}."
        )


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

_TOP_KEYS = {
    "name": str,
    "title": str,
    "group": str,
    "description": str,
    "steps": int,
    "config": dict,
    "expect": dict,
}


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
        if "group" in data and data["group"] not in preset_groups():
            raise ConfigError(f"unknown group {data['group']!r}; allowed: {', '.join(map(repr, preset_groups()))}")
        if "steps" in data and data["steps"] < 1:
            raise ConfigError(f"steps must be an integer ≥ 1 (got {data['steps']!r})")
        values = {k: coerce_field(k, v) for k, v in data["config"].items()}
        config = TrainConfig(**values)
        config.validate()
        expect, min_fraction = parse_expect(data.get("expect", {}))
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
        min_fraction=min_fraction,
        group=data.get("group", ""),
    )


def parse_expect(table: dict) -> tuple[dict[str, float], float | None]:
    """An [expect] table: its bounds and its min_fraction; ConfigError (one line) for a bad key or value."""
    expect, min_fraction = {}, None
    for key, bound in table.items():
        if key == "min_fraction":
            min_fraction = coerce_value("expect.min_fraction", bound, float)
            if not 0 < min_fraction <= 1:
                raise ConfigError(
                    f"expect.min_fraction must be a number in (0, 1], the share of seeds the claim holds on "
                    f"(got {bound!r})"
                )
            continue
        metric, _, side = key.rpartition("_")
        if metric not in EXPECT_METRICS or side not in ("min", "max"):
            allowed = ", ".join(f"{m}_min, {m}_max" for m in EXPECT_METRICS)
            raise ConfigError(f"unknown key expect.{key}; allowed: min_fraction, {allowed}")
        expect[key] = coerce_value(f"expect.{key}", bound, float)
        if not math.isfinite(expect[key]):
            raise ConfigError(f"expect.{key} must be a finite number (got {bound!r})")
    if expect and min_fraction is None:
        raise ConfigError(
            "an [expect] table needs min_fraction, the share of seeds its bounds hold on (e.g. 0.8: 8 of 10)"
        )
    if min_fraction is not None and not expect:
        raise ConfigError(f"expect.min_fraction needs at least one bound ({', '.join(EXPECT_METRICS)} _min/_max)")
    return expect, min_fraction


# --- per-seed results ------------------------------------------------------------------------------

RESULT_TYPES = {"seed": int, "steps": int, "diverged_at": int, **{m: float for m in EXPECT_METRICS}, "wall_s": float}
RESULT_REQUIRED = ("preset", "seed", "config_id", *EXPECT_METRICS)


def read_results(path: str | Path = RESULTS_FILE) -> list[dict]:
    """The results table (ganviz/resources/preset-results.csv) as typed rows: numbers as int/float, an empty cell
    as None, "nan" as NaN; ClaimError (one line, naming the file and line) when it is unreadable or bad."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = [c for c in RESULT_REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise ClaimError(
                    f"{path}: missing column(s) {', '.join(missing)}; needed: {', '.join(RESULT_REQUIRED)}"
                )
            return [_typed_row(path, reader.line_num, row) for row in reader]
    except FileNotFoundError:
        raise ClaimError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ClaimError(f"{path}: cannot read: {' '.join(str(e).split())}") from None


def _typed_row(path: Path, line: int, row: dict) -> dict:
    # DictReader puts a long line's extra cells under None and fills a short one with None: a torn line
    if None in row or None in row.values():
        cells = sum(v is not None for k, v in row.items() if k is not None) + len(row.get(None) or [])
        raise ClaimError(f"{path} line {line}: {cells} cells do not match the header's {len(row) - (None in row)}")
    out: dict = {}
    for key, text in row.items():
        kind = RESULT_TYPES.get(key)
        text = text.strip()
        if kind is None:
            out[key] = text
        elif text == "":
            out[key] = None
        else:
            try:
                out[key] = kind(text)
            except ValueError:
                what = "an integer" if kind is int else "a number or nan"
                raise ClaimError(f"{path} line {line}: {key} must be {what} (got {text!r})") from None
    if out.get("seed") is None or not out.get("preset") or not out.get("config_id"):
        raise ClaimError(f"{path} line {line}: preset, seed and config_id must not be empty")
    return out


def summarise(rows: list[dict]) -> dict[str, Spread]:
    """Median and range over seeds of each metric in the rows, ignoring missing and NaN values."""
    out = {}
    for metric in EXPECT_METRICS:
        vals = [r[metric] for r in rows if r.get(metric) is not None and math.isfinite(r[metric])]
        out[metric] = Spread(statistics.median(vals), min(vals), max(vals), len(vals)) if vals else Spread(0, 0, 0, 0)
    return out


def preset_tooltip(preset: Preset, path: str | Path = RESULTS_FILE) -> str:
    """The description, then the claim and its measured spread (the preset menu's tip); a missing or bad
    results file leaves the spread out rather than failing the menu."""
    try:
        rows = read_results(path)
    except ClaimError:
        rows = []
    return "\n".join(t for t in (preset.description, preset.summary(rows)) if t)


STARTER_DATASETS = ("ring8", "grid25")  # every objective has a preset on each: a file, or one made from its facts


def starter_preset(objective: str, dataset: str) -> Preset:
    """`objective-dataset` made from the objective's own facts (its optimiser defaults), for an objective that
    has no preset file yet: a new objective reaches the Presets menu with no other file. No claim: one is
    written into a preset file once it has been measured over seeds (benchmarks/bench_presets.py)."""
    from ganviz.core.data.datasets import DATASETS
    from ganviz.core.training.objectives import get_objective

    obj = get_objective(objective)
    return Preset(
        name=f"{objective}-{dataset}",
        title=f"{obj.label} on {DATASETS.get(dataset).label}",
        description=f"{obj.formula}, with its default optimiser settings; no measured claim yet.",
        config=TrainConfig(dataset=dataset, objective=objective),
        steps=4000,
        group=objective_group(dataset),
    )


def _starters() -> dict[str, tuple[str, str]]:
    from ganviz.core.training.objectives import OBJECTIVES

    return {f"{o}-{d}": (o, d) for o in OBJECTIVES.names() for d in STARTER_DATASETS}


def preset_names(folder: str | Path | None = None) -> list[str]:
    """Names of the presets in `folder` (default: the shipped ones and, for the shipped ones, each objective's
    starters that have no file), sorted; the files are not read."""
    path = Path(folder) if folder is not None else PRESET_DIR
    names = {p.stem for p in path.glob("*.toml")} if path.is_dir() else set()
    if folder is None:
        names |= set(_starters())
    return sorted(names)


def list_presets(folder: str | Path | None = None) -> list[Preset]:
    """Every preset, sorted by name; PresetError at the first bad file."""
    return [get_preset(name, folder) for name in preset_names(folder)]


def grouped_presets(folder: str | Path | None = None) -> list[tuple[str, list[Preset]]]:
    """Every preset by its group, in the order of preset_groups() (empty groups left out), each group sorted by
    title; the presets without a group last, under ""."""
    presets = list_presets(folder)
    order = {g: i for i, g in enumerate(preset_groups())}
    groups: dict[str, list[Preset]] = {}
    for preset in sorted(presets, key=lambda p: (order.get(p.group, len(order)), p.title.casefold())):
        groups.setdefault(preset.group, []).append(preset)
    return list(groups.items())


def get_preset(name: str, folder: str | Path | None = None) -> Preset:
    """The preset called `name`; PresetError (a ValueError) listing the allowed names when there is none."""
    names = preset_names(folder)
    if name not in names:
        raise PresetError(f"unknown preset {name!r}; choose one of: {', '.join(names) or '(none found)'}")
    path = (Path(folder) if folder is not None else PRESET_DIR) / f"{name}.toml"
    if folder is None and not path.is_file():
        return starter_preset(*_starters()[name])
    return load_preset_file(path)


def preset_config(name: str, folder: str | Path | None = None) -> TrainConfig:
    return get_preset(name, folder).config
