"""Flags shared by ganviz's commands: one-line errors, bounded numbers, the run settings and their notes."""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import sys
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from ganviz.core.training.config import Bound

ALLOWED_DEVICES = ("auto", "cpu", "cuda")


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line (no usage dump) and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def number_type(kind, low: float, inclusive: bool, what: str):
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


positive_float = number_type(float, 0.0, False, "a number > 0")
nonneg_float = number_type(float, 0.0, True, "a number ≥ 0")
positive_int = number_type(int, 1, True, "an integer ≥ 1")
nonneg_int = number_type(int, 0, True, "an integer ≥ 0")


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

    from ganviz.core.training.config import BOUNDS

    bound = BOUNDS[field]
    return bounded(bound if low is None else dataclasses.replace(bound, low=low))


def choice(names: list[str], what: str):
    def parse(text: str) -> str:
        if text not in names:
            raise argparse.ArgumentTypeError(f"unknown {what} {text!r}; choose one of: {', '.join(names)}")
        return text

    return parse


def dataset_arg(names: list[str]):
    """A registered dataset name, or csv:PATH: the file is loaded now (errors in one line) and named by its
    absolute path, which the trainer process resolves again (ganviz.core.data.custom_data)."""

    def parse(text: str) -> str:
        if text in names:
            return text
        if text.startswith("csv:"):
            from ganviz.core.data.custom_data import CustomDataError, register_csv

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
    from ganviz.core.data.datasets import DATASETS
    from ganviz.core.training.objectives import OBJECTIVES

    p.add_argument("--dataset", type=dataset_arg(DATASETS.names()), default="ring8", help="default: ring8")
    p.add_argument(
        "--objective",
        type=choice(OBJECTIVES.names(), "objective"),
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
    p.add_argument("--optimizer", type=choice(["adam", "rmsprop", "sgd", "optimistic-adam"], "optimizer"))
    p.add_argument("--activation", type=choice(["relu", "leaky_relu", "tanh", "elu"], "activation"), default="relu")
    p.add_argument("--prior", type=choice(["uniform", "normal"], "prior"), default="uniform")
    p.add_argument(
        "--update",
        type=choice(["alt", "sim", "extragradient"], "update"),
        default="alt",
        help="alternating, simultaneous or extragradient (both players extrapolate, then step)",
    )
    p.add_argument("--device", type=choice(list(ALLOWED_DEVICES), "device"), default="auto")
    p.add_argument(
        "--threads", type=setting("threads", low=1), metavar="T", help="torch threads (chosen for the model size)"
    )
    from ganviz.core.files.presets import preset_names

    p.add_argument(
        "--preset",
        type=choice(preset_names(), "preset"),
        metavar="NAME",
        help="start from a preset (ganviz/resources/presets/NAME.toml); flags given here override its settings",
    )


def add_remedy_arguments(p: argparse.ArgumentParser) -> None:
    """The convergence and mode-collapse toolbox (ganviz.core.training.remedies); each is off by default."""
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
    from ganviz.core.training.config import TrainConfig

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
    from ganviz.core.files.presets import preset_config

    base, default = preset_config(args.preset), TrainConfig()
    fields = config.__dataclass_fields__
    given = explicit if explicit is not None else {f for f in fields if getattr(config, f) != getattr(default, f)}
    return base.replace(**{f: getattr(config, f) for f in fields if f in given})


def fail(prog: str, message: str) -> int:
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
    from ganviz.core.training.config import unused_by

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


def comparison_notes(
    parser: argparse.ArgumentParser, explicit: set[str], name: str, sets: tuple[str, ...]
) -> list[str]:
    """One line per explicitly given flag that a named comparison (`--compare NAME`) replaces with its own."""
    return [
        f"{_flag(parser, a.dest)} is ignored with --compare {name}: the comparison sets each run's own"
        for a in parser._actions
        if a.dest in explicit and a.dest in sets
    ]


def print_notes(notes: list[str]) -> None:
    for note in notes:
        print(f"ganviz: note: {note}", file=sys.stderr)


def load_conflict(parser: argparse.ArgumentParser, args: argparse.Namespace, explicit: set[str], config) -> str | None:
    """Why the flags given with --load do not fit the loaded session's config, or None (LOAD_APPLIES above)."""
    from ganviz.core.training.config import TrainConfig

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
