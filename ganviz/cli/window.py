"""`ganviz`: open the window (or the compare window) with the run settings given as flags."""

from __future__ import annotations

import argparse

from ganviz import __version__
from ganviz.cli.args import (
    COMPARE_IGNORES,
    OneLineParser,
    add_run_arguments,
    bounded,
    comparison_notes,
    config_from_args,
    fail,
    load_conflict,
    parse_run_args,
    print_notes,
    unused_flag_notes,
)

MAX_RUN_FOR_S = 7 * 24 * 3600  # a week; QTimer takes int milliseconds, so 3,000,000 s overflowed after start


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
    from ganviz.core.training.config import Bound

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
        "(--spectral-norm and --r1 apply to every run; each run takes its objective's optimiser defaults); "
        "or the named comparison 'remedies': GAN, GAN + PacGAN2, GAN + unrolled 5 and WGAN-GP on grid25",
    )
    return p


def window_main(argv: list[str]) -> int:
    parser = window_parser()
    args, explicit = parse_run_args(parser, argv)
    from ganviz.core.files.io import check_writable
    from ganviz.core.training.config import ConfigError

    if (args.screenshot or args.stats_json) and args.run_for is None:
        return fail(parser.prog, "--screenshot and --stats-json need --run-for SECONDS")
    if args.record and args.run_for is None:
        return fail(parser.prog, "--record needs --run-for SECONDS")
    if args.record and not args.record.lower().endswith((".gif", ".mp4")):
        return fail(parser.prog, f"argument --record: {args.record!r} is not a .gif or .mp4 file name")
    for flag, path in (("--screenshot", args.screenshot), ("--stats-json", args.stats_json), ("--record", args.record)):
        if path is not None and (reason := check_writable(path)):
            return fail(parser.prog, f"argument {flag}: cannot write {path!r}: {reason}")
    if args.load and args.preset is not None:
        return fail(parser.prog, "--preset and --load cannot be combined (a saved session has its own settings)")
    try:
        config = config_from_args(args, explicit)
        config.validate()
    except ConfigError as e:
        return fail(parser.prog, str(e))
    if args.compare is not None:
        from ganviz.core.runs.compare import (
            COMPARISONS,
            REMEDY_FIELDS,
            CompareError,
            named_comparison,
            parse_objectives,
            run_config,
        )

        if args.load or args.record or args.slow_motion:
            return fail(parser.prog, "--compare cannot be combined with --load, --record or --slow-motion")
        try:
            names = parse_objectives(args.compare)
        except CompareError as e:
            return fail(parser.prog, f"argument --compare: {e}")
        if names[0] in COMPARISONS:  # a named comparison sets its own dataset, objectives and remedies
            sets = ("dataset", "objective", "spectral_norm", "r1", *COMPARE_IGNORES, *REMEDY_FIELDS)
            print_notes(comparison_notes(parser, explicit, names[0], sets))
            config, runs = named_comparison(names[0], config)
        else:
            print_notes(unused_flag_notes(parser, explicit, names, compare=True))
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
        from ganviz.core.files.session import SessionError, load_session

        try:
            session = load_session(args.load)
            if problem := load_conflict(parser, args, explicit, session.config):
                return fail(parser.prog, problem)
            session.make_trainer()  # the state must fit its config and this device
        except SessionError as e:
            return fail(parser.prog, f"cannot load {args.load}: {e}")
        config = session.config
    print_notes(unused_flag_notes(parser, explicit, [config.objective]))
    from ganviz.ui.app import run_app

    extra = {"record": args.record} if args.record else {}  # run_app(record=PATH): the window, recorded
    if args.window_size:
        extra["window_size"] = args.window_size
    if args.slow_motion:
        extra["slow_motion"] = True
    return run_app(
        config, run_for=args.run_for, screenshot=args.screenshot, stats_json=args.stats_json, session=session, **extra
    )
