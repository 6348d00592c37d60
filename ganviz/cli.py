"""Command line: `ganviz` opens the window, `ganviz train` trains headless."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import sys
import time
from typing import TYPE_CHECKING, NoReturn

from ganviz import __version__

if TYPE_CHECKING:
    from ganviz.core.config import Bound

ALLOWED_DEVICES = ("auto", "cpu", "cuda")
MAX_RUN_FOR_S = 7 * 24 * 3600  # a week; QTimer takes int milliseconds, so 3,000,000 s overflowed after start


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line (no usage dump) and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _number(kind, low: float, inclusive: bool, what: str):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        if value < low or (value == low and not inclusive):
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        return value

    return parse


positive_float = _number(float, 0.0, False, "a number > 0")
nonneg_float = _number(float, 0.0, True, "a number ≥ 0")
positive_int = _number(int, 1, True, "an integer ≥ 1")
nonneg_int = _number(int, 0, True, "an integer ≥ 0")


def bounded(bound: Bound):
    """An argparse type for a number in `bound`; the one-line error says the allowed range."""

    def parse(text: str):
        try:
            value = int(text) if bound.integer else float(text)
        except ValueError:  # also a string of more than 4300 digits
            value = None
        if value is None or not bound.holds(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not {bound.describe()}")
        return value

    return parse


def setting(field: str, low: float | None = None):
    """The argparse type of a TrainConfig setting: its range from config.BOUNDS (`low`: a higher floor)."""
    import dataclasses

    from ganviz.core.config import BOUNDS

    bound = BOUNDS[field]
    return bounded(bound if low is None else dataclasses.replace(bound, low=low))


def _choice(names: list[str], what: str):
    def parse(text: str) -> str:
        if text not in names:
            raise argparse.ArgumentTypeError(f"unknown {what} {text!r}; choose one of: {', '.join(names)}")
        return text

    return parse


def _dataset_arg(names: list[str]):
    """A registered dataset name, or csv:PATH: the file is loaded now (errors in one line) and named by its
    absolute path, which the trainer process resolves again (ganviz.core.custom_data)."""

    def parse(text: str) -> str:
        if text in names:
            return text
        if text.startswith("csv:"):
            from ganviz.core.custom_data import CustomDataError, register_csv

            try:
                name, note = register_csv(text[4:])
            except CustomDataError as e:
                raise argparse.ArgumentTypeError(str(e)) from None
            if note:
                print(f"ganviz: note: {note}", file=sys.stderr)
            return name
        raise argparse.ArgumentTypeError(
            f"unknown dataset {text!r}; choose one of: {', '.join(names)}, or csv:PATH (a file of x, y points)"
        )

    return parse


def add_run_arguments(p: argparse.ArgumentParser, *, defaults_for_window: bool = False) -> None:
    """Flags shared by the window and `train`: what to train and how."""
    from ganviz.core.datasets import DATASETS
    from ganviz.core.objectives import OBJECTIVES

    p.add_argument("--dataset", type=_dataset_arg(DATASETS.names()), default="ring8", help="default: ring8")
    p.add_argument(
        "--objective",
        type=_choice(OBJECTIVES.names(), "objective"),
        default="nonsaturating",
        help="default: nonsaturating",
    )
    p.add_argument("--spectral-norm", action="store_true", help="spectral normalisation of every D layer")
    p.add_argument("--r1", type=setting("r1"), default=0.0, metavar="GAMMA", help="R1 penalty γ (0 = off)")
    add_remedy_arguments(p)
    p.add_argument("--clip", type=setting("clip"), default=0.01, metavar="C", help="WGAN weight clip c (0.01)")
    p.add_argument("--gp-lambda", type=setting("gp_lambda"), default=0.1, metavar="L", help="WGAN-GP λ (0.1)")
    p.add_argument("--n-critic", type=setting("n_critic"), metavar="K", help="D steps per G step (objective default)")
    p.add_argument("--seed", type=setting("seed"), default=0, metavar="S")
    p.add_argument("--hidden", type=setting("hidden"), default=128, metavar="W", help="hidden units per layer (128)")
    p.add_argument("--layers", type=setting("layers"), default=3, metavar="L", help="hidden layers (3)")
    p.add_argument("--zdim", type=setting("zdim"), default=2, metavar="Z", help="latent dimension (2)")
    p.add_argument("--batch", type=setting("batch"), default=256, metavar="B", help="batch size (256)")
    p.add_argument("--lr-g", type=setting("lr_g"), metavar="X", help="generator learning rate")
    p.add_argument("--lr-d", type=setting("lr_d"), metavar="X", help="discriminator learning rate")
    p.add_argument("--optimizer", type=_choice(["adam", "rmsprop", "sgd", "optimistic-adam"], "optimizer"))
    p.add_argument("--activation", type=_choice(["relu", "leaky_relu", "tanh", "elu"], "activation"), default="relu")
    p.add_argument("--prior", type=_choice(["uniform", "normal"], "prior"), default="uniform")
    p.add_argument(
        "--update",
        type=_choice(["alt", "sim", "extragradient"], "update"),
        default="alt",
        help="alternating, simultaneous or extragradient (both players extrapolate, then step)",
    )
    p.add_argument("--device", type=_choice(list(ALLOWED_DEVICES), "device"), default="auto")
    p.add_argument(
        "--threads", type=setting("threads", low=1), metavar="T", help="torch threads (chosen for the model size)"
    )
    from ganviz.core.presets import preset_names

    p.add_argument(
        "--preset",
        type=_choice(preset_names(), "preset"),
        metavar="NAME",
        help="start from a preset (resources/presets/NAME.toml); flags given here override its settings",
    )


def add_remedy_arguments(p: argparse.ArgumentParser) -> None:
    """The convergence and mode-collapse toolbox (ganviz.core.remedies); each is off by default."""
    g = p.add_argument_group("convergence and mode-collapse toolbox")
    g.add_argument(
        "--instance-noise", type=setting("instance_noise"), default=0.0, metavar="SIGMA",
        help="N(0, σ²) noise on D's real and fake inputs (0 = off)",
    )  # fmt: skip
    g.add_argument(
        "--instance-noise-anneal", type=setting("instance_noise_anneal"), default=0, metavar="STEPS",
        help="σ falls linearly to 0 at this generator step (0 = constant)",
    )  # fmt: skip
    g.add_argument("--r2", type=setting("r2"), default=0.0, metavar="GAMMA", help="R2 penalty γ on fakes (0 = off)")
    g.add_argument(
        "--pack", type=setting("pack"), default=1, metavar="M",
        help="PacGAN: D judges M samples concatenated; batch must be a multiple of M (1 = off)",
    )  # fmt: skip
    g.add_argument(
        "--lecam", type=setting("lecam"), default=0.0, metavar="LAMBDA", help="LeCam regularisation λ (0 = off)"
    )
    g.add_argument(
        "--consensus", type=setting("consensus"), default=0.0, metavar="GAMMA",
        help="consensus optimisation γ; a simultaneous update: --update alt runs as sim (0 = off)",
    )  # fmt: skip
    g.add_argument(
        "--unroll", type=setting("unroll"), default=0, metavar="K", help="unrolled GAN: K look-ahead D steps (0 = off)"
    )


def parse_run_args(parser: argparse.ArgumentParser, argv: list[str]) -> tuple[argparse.Namespace, set[str]]:
    """parse_args, and the dests given explicitly on the command line (for --preset's overrides, --load's
    conflicts and the notes on ignored flags): a second parse into a namespace pre-filled with a marker,
    which argparse leaves alone for options not given."""
    args = parser.parse_args(argv)
    unset = object()
    marked = argparse.Namespace(**{a.dest: unset for a in parser._actions if a.dest != argparse.SUPPRESS})
    with contextlib.redirect_stderr(io.StringIO()):  # notes printed by type functions were shown once already
        given = parser.parse_args(argv, namespace=marked)
    return args, {dest for dest, value in vars(given).items() if value is not unset}


def config_from_args(args: argparse.Namespace, explicit: set[str] | None = None):
    """The config the flags describe; with --preset, the preset's config with the explicitly given flags on
    top (`explicit` from parse_run_args; None: the flags whose values differ from TrainConfig's defaults)."""
    from ganviz.core.config import TrainConfig

    config = TrainConfig(
        dataset=args.dataset,
        objective=args.objective,
        seed=args.seed,
        hidden=args.hidden,
        layers=args.layers,
        zdim=args.zdim,
        activation=args.activation,
        prior=args.prior,
        batch=args.batch,
        optimizer=args.optimizer,
        lr_g=args.lr_g,
        lr_d=args.lr_d,
        n_critic=args.n_critic,
        clip=args.clip,
        gp_lambda=args.gp_lambda,
        r1=args.r1,
        instance_noise=args.instance_noise,
        instance_noise_anneal=args.instance_noise_anneal,
        r2=args.r2,
        pack=args.pack,
        lecam=args.lecam,
        consensus=args.consensus,
        unroll=args.unroll,
        spectral_norm=args.spectral_norm,
        update=args.update,
        device=args.device,
        threads=args.threads or 0,
    )
    if getattr(args, "preset", None) is None:
        return config
    from ganviz.core.presets import preset_config

    base, default = preset_config(args.preset), TrainConfig()
    fields = config.__dataclass_fields__
    given = explicit if explicit is not None else {f for f in fields if getattr(config, f) != getattr(default, f)}
    return base.replace(**{f: getattr(config, f) for f in fields if f in given})


def _fail(prog: str, message: str) -> int:
    print(f"{prog}: error: {message}", file=sys.stderr)
    return 2


# --- flags that a run would not use ------------------------------------------------------------
# One rule each, here rather than in the commands:
# * a flag of config.OBJECTIVE_ONLY (--clip, --gp-lambda) given to objectives that ignore it: a note;
# * --compare: every run takes its objective's optimiser defaults (compare.run_config), so COMPARE_IGNORES: a note;
# * --load continues the session under its own config: of the settings given with it, LOAD_APPLIES are applied to
#   the loaded run (train: Trainer.set_dataset / set_objective), and any other that differs from the session's
#   value is refused (exit 2), since the run would silently be another than the one asked for.
COMPARE_IGNORES = ("optimizer", "lr_g", "lr_d", "n_critic")
LOAD_APPLIES = {"ganviz train": ("dataset", "objective"), "ganviz": ()}


def _flag(parser: argparse.ArgumentParser, dest: str) -> str:
    return next(a.option_strings[-1] for a in parser._actions if a.dest == dest)


def unused_flag_notes(
    parser: argparse.ArgumentParser, explicit: set[str], objectives: list[str], compare: bool = False
) -> list[str]:
    """One line per explicitly given flag that the run (or every compared run) does not use."""
    from ganviz.core.config import unused_by

    notes = []
    for action in parser._actions:
        dest = action.dest
        if dest not in explicit:
            continue
        if compare and dest in COMPARE_IGNORES:
            notes.append(f"{_flag(parser, dest)} is ignored with --compare: each run takes its objective's defaults")
        reasons = [unused_by(name).get(dest) for name in objectives]
        if reasons and all(reasons):
            notes.append(f"{_flag(parser, dest)} has no effect with {', '.join(objectives)}: {reasons[0]}")
    return notes


def _print_notes(notes: list[str]) -> None:
    for note in notes:
        print(f"ganviz: note: {note}", file=sys.stderr)


def load_conflict(parser: argparse.ArgumentParser, args: argparse.Namespace, explicit: set[str], config) -> str | None:
    """Why the flags given with --load do not fit the loaded session's config, or None (LOAD_APPLIES above)."""
    from ganviz.core.config import TrainConfig

    applies = LOAD_APPLIES[parser.prog]
    for action in parser._actions:
        dest = action.dest
        if dest not in explicit or dest in applies or dest not in TrainConfig.__dataclass_fields__:
            continue
        given, saved = getattr(args, dest), getattr(config, dest)
        if given != saved:
            flag = _flag(parser, dest) + ("" if action.nargs == 0 else f" {given}")
            kept = f" ({parser.prog} applies only {', '.join('--' + d for d in applies)})" if applies else ""
            return f"{flag} cannot be used with --load: the session has {dest} = {saved} and keeps its settings{kept}"
    return None


# --- ganviz train ---------------------------------------------------------------------------------

EXIT_DIVERGED = 3  # training hit NaN/Inf: rolled back, outputs hold the last finite state
TRAIN_EPILOG = (
    "exit status: 0 done; 2 bad flags, config or --load file; 3 training diverged (NaN/Inf): rolled back to a "
    "finite checkpoint and stopped, the outputs hold that state and the metrics JSON says diverged_at and "
    "rolled_back_to; 130 interrupted (nothing written)"
)


def train_parser() -> OneLineParser:
    p = OneLineParser(
        prog="ganviz train", description="Train a GAN headless and write samples and metrics.", epilog=TRAIN_EPILOG
    )
    add_run_arguments(p)
    p.set_defaults(dataset=None, objective=None)  # None = not given: with --load the session's own is kept
    from ganviz.core.config import MAX_STEPS, Bound

    steps = bounded(Bound(0, MAX_STEPS, integer=True))
    p.add_argument("--steps", type=steps, default=2000, metavar="N", help="generator updates (2000)")
    p.add_argument(
        "--load",
        metavar="PATH.gvz",
        help="resume a saved session: its config is used (--dataset and --objective given here override it; other "
        "settings that differ from the session's are refused), --steps more generator updates",
    )
    p.add_argument("--save", metavar="PATH.gvz", help="save the session at the end, to resume with --load")
    p.add_argument("--samples-out", metavar="PATH.npy", help="final 2500 fixed-latent samples, float32 (2500, 2)")
    p.add_argument("--metrics-out", metavar="PATH.json", help="final metrics as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


class Progress:
    """A one-line progress bar on stderr, drawn only on a terminal."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled, self.t0 = total, enabled and sys.stderr.isatty(), time.perf_counter()

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        rate = done / max(time.perf_counter() - self.t0, 1e-9)
        frac = done / self.total if self.total else 1.0
        bar = "#" * int(30 * frac)
        sys.stderr.write(f"\r[{bar:<30}] {done}/{self.total} steps  {rate:7.1f} steps/s")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def _json_safe(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def train_main(argv: list[str]) -> int:
    parser = train_parser()
    args, explicit = parse_run_args(parser, argv)
    prog = parser.prog

    from ganviz.core.config import ConfigError
    from ganviz.core.io import check_writable, write_atomic

    outputs = (("--samples-out", args.samples_out), ("--metrics-out", args.metrics_out), ("--save", args.save))
    for flag, path in outputs:
        if path is not None and (reason := check_writable(path)):
            return _fail(prog, f"argument {flag}: cannot write {path!r}: {reason}")
    session = None
    if args.load is not None and args.preset is not None:
        return _fail(prog, "--preset and --load cannot be combined (a saved session has its own settings)")
    if args.load is not None:
        from ganviz.core.session import SessionError, load_session

        try:
            session = load_session(args.load)
            config = session.config
        except SessionError as e:
            return _fail(prog, f"cannot load {args.load}: {e}")
        if problem := load_conflict(parser, args, explicit, config):
            return _fail(prog, problem)
    else:
        from ganviz.core.config import TrainConfig

        args.dataset = args.dataset or TrainConfig.dataset
        args.objective = args.objective or TrainConfig.objective
        try:
            config = config_from_args(args, explicit)
            config.validate()
            _print_notes(unused_flag_notes(parser, explicit, [config.objective]))
            if args.preset is not None and "steps" not in explicit:
                from ganviz.core.presets import get_preset

                args.steps = get_preset(args.preset).steps or args.steps  # the preset's suggested length
        except ConfigError as e:
            return _fail(prog, str(e))

    import numpy as np

    from ganviz.core.trainer import Trainer

    if session is None:
        trainer = Trainer(config)
    else:
        try:
            trainer = session.make_trainer()
        except SessionError as e:
            return _fail(prog, f"cannot load {args.load}: {e}")
        if args.dataset is not None:
            trainer.set_dataset(args.dataset)
        if args.objective is not None:
            trainer.set_objective(args.objective)
        config = trainer.config
    from ganviz.core.guard import divergence_fields, train_guarded

    progress = Progress(args.steps, not args.quiet)
    chunk = max(1, min(100, args.steps // 200 or 1))
    start = trainer.step_count
    t0 = time.perf_counter()
    try:  # NaN/Inf checked every chunk: on a blow-up, back to a finite checkpoint and stop
        diverged = train_guarded(trainer, args.steps, chunk, progress.update)
    except KeyboardInterrupt:
        progress.close()
        print(f"{prog}: interrupted at step {trainer.step_count}; nothing written", file=sys.stderr)
        return 130
    wall = time.perf_counter() - t0
    progress.close()
    trained = (trainer.step_count if diverged is None else diverged.detected) - start
    if diverged is not None:
        print(f"{prog}: {diverged.message()}", file=sys.stderr)
        if not diverged.rolled_back:  # nothing finite to write
            return EXIT_DIVERGED

    snap = trainer.snapshot()
    metrics = {
        "dataset": config.dataset,
        "objective": config.objective,
        "seed": config.seed,
        "steps": trainer.step_count,
        "wall_s": wall,
        "steps_per_s": trained / wall if wall > 0 else None,
        "device": str(trainer.device),
        **trainer.evaluate(snap.fakes),
        "g_loss": snap.g_loss,
        "d_loss": snap.d_loss,
        "config": trainer.config.__dict__,
        **divergence_fields(diverged),  # a diverged run's outputs hold the state rolled back to (steps = its step)
    }
    metrics = {k: _json_safe(v) for k, v in metrics.items()}
    writing = None
    try:  # checked before training; a disk that filled up since is still one line
        if writing := args.samples_out:
            write_atomic(args.samples_out, lambda f: np.save(f, snap.fakes.astype(np.float32)))
        if writing := args.metrics_out:
            write_atomic(args.metrics_out, lambda f: f.write(json.dumps(metrics, indent=2).encode()))
        if writing := args.save:
            from ganviz.core.session import save_session

            save_session(args.save, trainer)
    except OSError as e:
        print(f"{prog}: error: cannot write {writing!r}: {e.strerror or e}", file=sys.stderr)
        return 1
    if not args.quiet:
        shown = {k: v for k, v in metrics.items() if k in ("modes", "modes_robust", "hq", "rkl", "w1", "steps_per_s")}
        print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in shown.items()))
    return 0 if diverged is None else EXIT_DIVERGED


# --- ganviz (the window) ----------------------------------------------------------------------


MIN_WINDOW, MAX_WINDOW = (640, 480), (7680, 4320)  # --window-size bounds: a small laptop to an 8K screen


def window_size(text: str) -> tuple[int, int]:
    """argparse type of --window-size: 'WxH' in pixels, within MIN_WINDOW..MAX_WINDOW."""
    parts = text.lower().split("x")
    allowed = f"WxH with {MIN_WINDOW[0]} ≤ W ≤ {MAX_WINDOW[0]} and {MIN_WINDOW[1]} ≤ H ≤ {MAX_WINDOW[1]}"
    try:
        w, h = (int(p) for p in parts) if len(parts) == 2 else (None, None)
    except ValueError:
        w = h = None
    if w is None or not (MIN_WINDOW[0] <= w <= MAX_WINDOW[0] and MIN_WINDOW[1] <= h <= MAX_WINDOW[1]):
        raise argparse.ArgumentTypeError(f"{text!r} is not {allowed}")
    return w, h


def window_parser() -> OneLineParser:
    from ganviz.core.config import Bound

    p = OneLineParser(
        prog="ganviz",
        description="Watch a GAN learn, live. `ganviz train --help` for the headless trainer.",
    )
    p.add_argument("--version", action="version", version=f"ganviz {__version__}")
    add_run_arguments(p)
    p.add_argument(
        "--run-for",
        type=bounded(Bound(0, MAX_RUN_FOR_S, open_low=True)),
        metavar="SECONDS",
        help="start at once, quit after SECONDS (at most a week)",
    )
    p.add_argument("--screenshot", metavar="PATH.png", help="with --run-for: PNG of the whole window before quitting")
    p.add_argument("--stats-json", metavar="PATH.json", help="with --run-for: training and drawing statistics")
    p.add_argument(
        "--record", metavar="PATH.gif|PATH.mp4", help="with --run-for: record the window to a GIF or MP4 video"
    )
    p.add_argument(
        "--slow-motion",
        action="store_true",
        help="open in slow motion: each generator update taken apart, sub-step by sub-step (Run → Slow motion, M)",
    )
    p.add_argument(
        "--window-size",
        type=window_size,
        metavar="WxH",
        help=f"the window's size in pixels, e.g. 1280x720 (each side {MIN_WINDOW[0]}–{MAX_WINDOW[0]} × "
        f"{MIN_WINDOW[1]}–{MAX_WINDOW[1]})",
    )
    p.add_argument(
        "--load", metavar="PATH.gvz", help="resume a saved session (flags that differ from its settings are refused)"
    )
    p.add_argument(
        "--compare",
        metavar="OBJ1,OBJ2[,...]",
        help="open the compare window instead: 2 to 4 objectives side by side, same data, seed and initial weights "
        "(--spectral-norm and --r1 apply to every run; each run takes its objective's optimiser defaults)",
    )
    return p


def window_main(argv: list[str]) -> int:
    parser = window_parser()
    args, explicit = parse_run_args(parser, argv)
    from ganviz.core.config import ConfigError
    from ganviz.core.io import check_writable

    if (args.screenshot or args.stats_json) and args.run_for is None:
        return _fail(parser.prog, "--screenshot and --stats-json need --run-for SECONDS")
    if args.record and args.run_for is None:
        return _fail(parser.prog, "--record needs --run-for SECONDS")
    if args.record and not args.record.lower().endswith((".gif", ".mp4")):
        return _fail(parser.prog, f"argument --record: {args.record!r} is not a .gif or .mp4 file name")
    for flag, path in (("--screenshot", args.screenshot), ("--stats-json", args.stats_json), ("--record", args.record)):
        if path is not None and (reason := check_writable(path)):
            return _fail(parser.prog, f"argument {flag}: cannot write {path!r}: {reason}")
    if args.load and args.preset is not None:
        return _fail(parser.prog, "--preset and --load cannot be combined (a saved session has its own settings)")
    try:
        config = config_from_args(args, explicit)
        config.validate()
    except ConfigError as e:
        return _fail(parser.prog, str(e))
    if args.compare is not None:
        from ganviz.core.compare import CompareError, parse_objectives, run_config

        if args.load or args.record or args.slow_motion:
            return _fail(parser.prog, "--compare cannot be combined with --load, --record or --slow-motion")
        try:
            names = parse_objectives(args.compare)
        except CompareError as e:
            return _fail(parser.prog, f"argument --compare: {e}")
        _print_notes(unused_flag_notes(parser, explicit, names, compare=True))
        runs = [run_config(config, n, spectral_norm=config.spectral_norm, r1=config.r1) for n in names]
        from ganviz.ui.app import run_compare_app

        return run_compare_app(
            config,
            runs,
            run_for=args.run_for,
            screenshot=args.screenshot,
            stats_json=args.stats_json,
            window_size=args.window_size,
        )
    session = None
    if args.load:
        from ganviz.core.session import SessionError, load_session

        try:
            session = load_session(args.load)
            if problem := load_conflict(parser, args, explicit, session.config):
                return _fail(parser.prog, problem)
            session.make_trainer()  # the state must fit its config and this device
        except SessionError as e:
            return _fail(parser.prog, f"cannot load {args.load}: {e}")
        config = session.config
    _print_notes(unused_flag_notes(parser, explicit, [config.objective]))
    from ganviz.ui.app import run_app

    extra = {"record": args.record} if args.record else {}  # run_app(record=PATH): the window, recorded
    if args.window_size:
        extra["window_size"] = args.window_size
    if args.slow_motion:
        extra["slow_motion"] = True
    return run_app(
        config, run_for=args.run_for, screenshot=args.screenshot, stats_json=args.stats_json, session=session, **extra
    )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["train"]:
        return train_main(argv[1:])
    if argv[:1] == ["dirac"]:
        from ganviz.dirac_cli import dirac_main

        return dirac_main(argv[1:])
    if argv[:1] == ["sweep"]:
        from ganviz.sweep_cli import sweep_main

        return sweep_main(argv[1:])
    return window_main(argv)
