"""benchmarks/plain_methods.py's plain loops run the same algorithms as ganviz's Trainer with the methods on.

bench_train.py times each method's Trainer against its plain loop; a plain loop that drifted from the method
(a missing term, a different update order) would make that comparison meaningless. Here each plain loop starts
from the Trainer's initial weights, is fed the same real, latent and noise batches (from a second Trainer with
the same seed, whose streams draw the same numbers in the same order), and after two generator steps both
players' weights must agree to float32 rounding. Tiny nets: a few seconds for all methods.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

from ganviz.core.training.config import TrainConfig
from ganviz.core.training.trainer import Trainer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from plain_methods import METHODS, MethodCase, MethodLoop, config_fields  # noqa: E402

BATCH = 64


def _pair(method: str) -> tuple[Trainer, MethodLoop]:
    case = MethodCase(method, method, method, hidden=16, layers=2, flags=METHODS[method])
    config = TrainConfig(**config_fields(case, BATCH), device="cpu", threads=1)
    trainer, source = Trainer(config), Trainer(config)  # `source`: the same seeded streams, for the plain loop
    plain = MethodLoop(
        case,
        BATCH,
        real_fn=lambda n: source.real_batch(n),
        z_fn=lambda n: source.latent_batch(n),
        noise_fn=lambda shape: torch.randn(shape, generator=source.latent_gen),
    )
    with torch.no_grad():  # the Trainer's initial weights (a packed D has a parameter-free PackInput first)
        for mine, theirs in ((plain.G, trainer.G), (plain.D, trainer.D)):
            ps, ts = list(mine.parameters()), list(theirs.parameters())
            assert [p.shape for p in ps] == [t.shape for t in ts]
            for p, t in zip(ps, ts):
                p.copy_(t)
    return trainer, plain


@pytest.mark.parametrize("method", list(METHODS))
def test_plain_loop_is_the_trainers_method(method):
    trainer, plain = _pair(method)
    before = [p.detach().clone() for p in trainer.D.parameters()]
    trainer.step(2)
    plain.run(2)
    for name, mine, theirs in (("G", plain.G, trainer.G), ("D", plain.D, trainer.D)):
        for p, t in zip(mine.parameters(), theirs.parameters()):
            torch.testing.assert_close(p, t, rtol=1e-5, atol=1e-5, msg=lambda m, name=name: f"{method}, {name}: {m}")
    if method == "lecam":  # the EMA anchors move too little in two steps to show in the weights
        torch.testing.assert_close(plain.ema, trainer.lecam.anchors, rtol=1e-6, atol=1e-7)
    # the steps did something (a loop that never updates would agree with a Trainer that never updates)
    assert any(not torch.equal(b, p) for b, p in zip(before, trainer.D.parameters()))
