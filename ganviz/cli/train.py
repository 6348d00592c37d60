"""`ganviz train`: train headless and write the session, samples and metrics."""

from __future__ import annotations

import json
import math
import sys
import time

from ganviz.cli.args import (
    OneLineParser,
    add_run_arguments,
    bounded,
    config_from_args,
    fail,
    load_conflict,
    parse_run_args,
    print_notes,
    unused_flag_notes,
)

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
    from ganviz.core.training.config import MAX_STEPS, Bound

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

    from ganviz.core.files.io import check_writable, write_atomic
    from ganviz.core.training.config import ConfigError

    outputs = (("--samples-out", args.samples_out), ("--metrics-out", args.metrics_out), ("--save", args.save))
    for flag, path in outputs:
        if path is not None and (reason := check_writable(path)):
            return fail(prog, f"argument {flag}: cannot write {path!r}: {reason}")
    session = None
    if args.load is not None and args.preset is not None:
        return fail(prog, "--preset and --load cannot be combined (a saved session has its own settings)")
    if args.load is not None:
        from ganviz.core.files.session import SessionError, load_session

        try:
            session = load_session(args.load)
            config = session.config
        except SessionError as e:
            return fail(prog, f"cannot load {args.load}: {e}")
        if problem := load_conflict(parser, args, explicit, config):
            return fail(prog, problem)
    else:
        from ganviz.core.training.config import TrainConfig

        args.dataset = args.dataset or TrainConfig.dataset
        args.objective = args.objective or TrainConfig.objective
        try:
            config = config_from_args(args, explicit)
            config.validate()
            print_notes(unused_flag_notes(parser, explicit, [config.objective]))
            if args.preset is not None and "steps" not in explicit:
                from ganviz.core.files.presets import get_preset

                args.steps = get_preset(args.preset).steps or args.steps  # the preset's suggested length
        except ConfigError as e:
            return fail(prog, str(e))

    import numpy as np

    from ganviz.core.training.trainer import Trainer

    if session is None:
        trainer = Trainer(config)
    else:
        try:
            trainer = session.make_trainer()
        except SessionError as e:
            return fail(prog, f"cannot load {args.load}: {e}")
        if args.dataset is not None:
            trainer.set_dataset(args.dataset)
        if args.objective is not None:
            trainer.set_objective(args.objective)
        config = trainer.config
    from ganviz.core.training.guard import divergence_fields, train_guarded

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
            from ganviz.core.files.session import save_session

            save_session(args.save, trainer)
    except OSError as e:
        print(f"{prog}: error: cannot write {writing!r}: {e.strerror or e}", file=sys.stderr)
        return 1
    if not args.quiet:
        shown = {k: v for k, v in metrics.items() if k in ("modes", "modes_robust", "hq", "rkl", "w1", "steps_per_s")}
        print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in shown.items()))
    return 0 if diverged is None else EXIT_DIVERGED
