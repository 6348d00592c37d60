"""`ganviz dirac`: the Dirac-GAN of Mescheder et al. 2018 with ganviz's losses (see ganviz.core.problems.dirac)."""

from __future__ import annotations

import json
import math

from ganviz.cli.args import OneLineParser, bounded, choice, fail, setting
from ganviz.core.training.config import Bound

# The simulation's own ranges (its penalties share the trainer's, config.BOUNDS): a million steps take
# under a minute of CPU and 16 MB of trajectory; starts and step sizes far past these only overflow to inf.
DIRAC_STEPS = Bound(0, 1_000_000, integer=True)
DIRAC_LR = Bound(0.0, 10.0, open_low=True)
DIRAC_START = Bound(-1e4, 1e4)


def _json_safe(value: float) -> float | None:
    return value if math.isfinite(value) else None


def dirac_parser() -> OneLineParser:
    from ganviz.core.problems.dirac import DIRAC_CLIP, DIRAC_GP_LAMBDA, NOISE_SAMPLES, REMEDY_BOUNDS, UPDATES
    from ganviz.core.training.objectives import OBJECTIVES

    p = OneLineParser(
        prog="ganviz dirac",
        description=(
            "Simulate the Dirac-GAN (data δ₀, generator δ_θ, D(x) = ψ·x) with ganviz's losses and plain gradient "
            "descent, in the paper's coordinates (θ, ψ): its start (1, 1) and step size 0.2 are the defaults."
        ),
    )
    p.add_argument(
        "--objective",
        type=choice(OBJECTIVES.names(), "objective"),
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
        type=choice(list(UPDATES), "update"),
        default="sim",
        help=(
            "sim: both gradients at the same point (default); alt: G step, then D step at the new θ (the "
            "notebook's altgd, science.md §5.3's alt column); alt-dfirst: D step first (the trainer's order); "
            "extragradient: both step from the start with the gradient at a look-ahead step; optimistic: "
            "x − 2h∇(xₖ) + h∇(xₖ₋₁) (optimistic gradient descent, the trainer's optimistic-adam without Adam)"
        ),
    )
    p.add_argument(
        "--r2",
        type=bounded(REMEDY_BOUNDS["r2"]),
        default=0.0,
        metavar="GAMMA",
        help="R2 penalty (γ/2)‖∇D(x̃)‖² on the fakes (default 0 = off); here ∇D = −ψ everywhere, so R2 ≡ R1",
    )
    p.add_argument(
        "--instance-noise",
        type=bounded(REMEDY_BOUNDS["instance_noise"]),
        default=0.0,
        metavar="SIGMA",
        help=(
            "instance noise: D's real and fake inputs get +σε, ε ~ N(0, 1), sampled (stochastic, seeded) "
            "as the notebook's GAN_InstNoise (default 0 = off)"
        ),
    )
    p.add_argument(
        "--instance-noise-anneal",
        type=bounded(REMEDY_BOUNDS["noise_anneal"]),
        metavar="STEPS",
        help="σ falls linearly to 0 over STEPS steps (default: constant σ)",
    )
    p.add_argument(
        "--noise-samples",
        type=bounded(REMEDY_BOUNDS["noise_samples"]),
        metavar="N",
        help=f"instance-noise draws per gradient evaluation (default {NOISE_SAMPLES}, the notebook's)",
    )
    p.add_argument(
        "--seed", type=bounded(REMEDY_BOUNDS["seed"]), metavar="N", help="seed of the instance-noise draws (default 0)"
    )
    p.add_argument(
        "--consensus",
        type=bounded(REMEDY_BOUNDS["consensus"]),
        default=0.0,
        metavar="GAMMA",
        help="consensus optimisation: both players follow v − γ∇½‖v‖² (default 0 = off)",
    )
    p.add_argument(
        "--lecam",
        type=bounded(REMEDY_BOUNDS["lecam"]),
        default=0.0,
        metavar="LAMBDA",
        help="LeCam regularisation of D, λ[E relu(D(x) − α_F)² + E relu(α_R − D(x̃))²], EMA anchors (default 0 = off)",
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

    from ganviz.core.problems.dirac import NOISE_SAMPLES, check_options, simulate
    from ganviz.core.training.objectives import get_objective

    objective = get_objective(args.objective)
    try:
        clip, gp_lambda = check_options(objective, args.clip, args.gp_lambda, args.r1)
    except ValueError as e:
        return fail(parser.prog, str(e))
    stochastic = args.instance_noise > 0
    if not stochastic:  # a flag that would change nothing is refused, as --clip is for objectives without a clip
        for flag, value in (
            ("--instance-noise-anneal", args.instance_noise_anneal),
            ("--noise-samples", args.noise_samples),
            ("--seed", args.seed),
        ):
            if value is not None:
                why = "without it the game is exact"
                return fail(parser.prog, f"{flag} applies only with --instance-noise > 0 ({why})")
    noise = {
        "instance_noise": args.instance_noise,
        "noise_anneal": args.instance_noise_anneal or 0,
        "noise_samples": NOISE_SAMPLES if args.noise_samples is None else args.noise_samples,
        "seed": args.seed or 0,
    }
    start = (args.start[0], args.start[1])
    result = simulate(
        objective,
        args.update,
        args.steps,
        args.lr,
        start=start,
        r1=args.r1,
        clip=clip,
        gp_lambda=gp_lambda,
        r2=args.r2,
        consensus=args.consensus,
        lecam=args.lecam,
        **noise,
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
        "r2": args.r2,
        "instance_noise": args.instance_noise,
        "instance_noise_anneal": noise["noise_anneal"] if stochastic else None,
        "noise_samples": noise["noise_samples"] if stochastic else None,
        "seed": noise["seed"] if stochastic else None,
        "stochastic": stochastic,
        "consensus": args.consensus,
        "lecam": args.lecam,
        "lecam_anchors": None if result.lecam_anchors is None else list(result.lecam_anchors),
        "theta": _json_safe(theta),
        "psi": _json_safe(psi),
        "r_final": _json_safe(result.r_final),
        "converged_step": result.converged_step,
    }
    if args.json:
        print(json.dumps(out))
    else:
        conv = "never" if result.converged_step is None else f"at step {result.converged_step}"
        remedies = "".join(
            f" {text}={value:g}"
            for text, value in (("R1", args.r1), ("R2", args.r2), ("consensus", args.consensus), ("LeCam", args.lecam))
            if value > 0
        )
        if stochastic:
            remedies += f" noise σ={args.instance_noise:g} ({noise['noise_samples']} draws, seed {noise['seed']})"
        print(
            f"{args.objective} {args.update}{remedies} h={args.lr:g} {args.steps} steps from "
            f"({start[0]:g}, {start[1]:g}): θ={theta:.4g} ψ={psi:.4g} r={result.r_final:.4g}, r < 0.01 {conv}"
        )
    return 0
