"""`ganviz dirac`: the Dirac-GAN of Mescheder et al. 2018 with ganviz's losses (see ganviz.core.dirac)."""

from __future__ import annotations

import json
import math

from ganviz.cli import OneLineParser, _choice, _fail, bounded, setting
from ganviz.core.config import Bound

# The simulation's own ranges (its penalties share the trainer's, config.BOUNDS): a million steps take
# under a minute of CPU and 16 MB of trajectory; starts and step sizes far past these only overflow to inf.
DIRAC_STEPS = Bound(0, 1_000_000, integer=True)
DIRAC_LR = Bound(0.0, 10.0, open_low=True)
DIRAC_START = Bound(-1e4, 1e4)


def _json_safe(value: float) -> float | None:
    return value if math.isfinite(value) else None


def dirac_parser() -> OneLineParser:
    from ganviz.core.dirac import DIRAC_CLIP, DIRAC_GP_LAMBDA, UPDATES
    from ganviz.core.objectives import OBJECTIVES

    p = OneLineParser(
        prog="ganviz dirac",
        description=(
            "Simulate the Dirac-GAN (data δ₀, generator δ_θ, D(x) = ψ·x) with ganviz's losses and plain gradient "
            "descent, in the paper's coordinates (θ, ψ): its start (1, 1) and step size 0.2 are the defaults."
        ),
    )
    p.add_argument(
        "--objective",
        type=_choice(OBJECTIVES.names(), "objective"),
        required=True,
        metavar="NAME",
        help=f"one of: {', '.join(OBJECTIVES.names())}",
    )
    p.add_argument(
        "--r1",
        type=setting("r1"),
        default=0.0,
        metavar="GAMMA",
        help="R1 penalty (γ/2)ψ², ganviz's definition (default 0 = off); equals the notebook's GAN_GradPenalty(reg=γ)",
    )
    p.add_argument(
        "--clip",
        type=setting("clip"),
        metavar="C",
        help=f"wgan only: ψ ← clip(ψ, −C, C) after each D step (default {DIRAC_CLIP:g}, the notebook's WGAN(clip=1))",
    )
    p.add_argument(
        "--gp-lambda",
        type=setting("gp_lambda"),
        metavar="L",
        help=(
            f"wgan-gp only: penalty L(|ψ| − 1)² (default {DIRAC_GP_LAMBDA:g}); the notebook's WGAN_GP(reg=r) "
            "is L = r/2, so its reg = 0.7 is the default 0.35"
        ),
    )
    p.add_argument(
        "--update",
        type=_choice(list(UPDATES), "update"),
        default="sim",
        help=(
            "sim: both gradients at the same point (default); alt: G step, then D step at the new θ (the "
            "notebook's altgd, science.md §5.3's alt column); alt-dfirst: D step first (the trainer's order)"
        ),
    )
    p.add_argument("--steps", type=bounded(DIRAC_STEPS), default=500, metavar="N", help="gradient steps (default 500)")
    p.add_argument("--lr", type=bounded(DIRAC_LR), default=0.2, metavar="H", help="step size h (default 0.2)")
    p.add_argument(
        "--start",
        type=bounded(DIRAC_START),
        nargs=2,
        default=[1.0, 1.0],
        metavar=("THETA", "PSI"),
        help="start (θ₀, ψ₀) (default 1 1, as in the paper)",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    return p


def dirac_main(argv: list[str]) -> int:
    parser = dirac_parser()
    args = parser.parse_args(argv)

    from ganviz.core.dirac import check_options, simulate
    from ganviz.core.objectives import get_objective

    objective = get_objective(args.objective)
    try:
        clip, gp_lambda = check_options(objective, args.clip, args.gp_lambda, args.r1)
    except ValueError as e:
        return _fail(parser.prog, str(e))
    start = (args.start[0], args.start[1])
    result = simulate(
        objective, args.update, args.steps, args.lr, start=start, r1=args.r1, clip=clip, gp_lambda=gp_lambda
    )
    theta, psi = (float(v) for v in result.trajectory[-1])
    out = {
        "objective": args.objective,
        "update": args.update,
        "steps": args.steps,
        "lr": args.lr,
        "start": list(start),
        "r1": args.r1,
        "clip": clip,
        "gp_lambda": gp_lambda,
        "theta": _json_safe(theta),
        "psi": _json_safe(psi),
        "r_final": _json_safe(result.r_final),
        "converged_step": result.converged_step,
    }
    if args.json:
        print(json.dumps(out))
    else:
        conv = "never" if result.converged_step is None else f"at step {result.converged_step}"
        print(
            f"{args.objective} {args.update} h={args.lr:g} {args.steps} steps from ({start[0]:g}, {start[1]:g}): "
            f"θ={theta:.4g} ψ={psi:.4g} r={result.r_final:.4g}, r < 0.01 {conv}"
        )
    return 0
