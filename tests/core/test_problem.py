"""The problem abstraction: the 2-D trainer's numbers are the ones it gave before problems existed."""

from __future__ import annotations

import numpy as np
import pytest

from ganviz.core.data.datasets import dataset_for
from ganviz.core.problems.problem import PlaneProblem
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.trainer import Trainer

TINY = dict(hidden=16, layers=2, batch=32, seed=11, n_fixed=64)

# (g_loss, d_loss, penalty, sum of the fixed fakes) after 2, 4 and 6 generator steps, recorded with the trainer
# of commit 4fcfbec (before ganviz.core.problems.problem): the same RNG streams, initial weights and update order
BEFORE = {
    "nonsaturating": (
        dict(objective="nonsaturating"),
        [
            (0.6020952463150024, 1.4186625480651855, 0.0, -2.598037760704756),
            (0.6072813272476196, 1.4059882164001465, 0.0, -1.963958851993084),
            (0.6116254329681396, 1.4000102281570435, 0.0, -1.232316516339779),
        ],
    ),
    "wgan-gp+r1": (
        dict(objective="wgan-gp", r1=0.5),
        [
            (-0.19935238361358643, 0.04634353518486023, 0.08799446374177933, -3.1299324482679367),
            (-0.19682447612285614, 0.07590313255786896, 0.08518975973129272, -3.0718716010451317),
            (-0.1935781091451645, 0.077748604118824, 0.08565700054168701, -3.0137070901691914),
        ],
    ),
    "wgan-sim": (
        dict(objective="wgan", update="sim"),
        [
            (-0.009897706098854542, 6.790272891521454e-06, 0.0, -3.3703484907746315),
            (-0.009897280484437943, 1.2009404599666595e-05, 0.0, -3.4686930552124977),
            (-0.009897343814373016, 1.1458992958068848e-05, 0.0, -3.5336607433855534),
        ],
    ),
    "hinge-pack-noise-extragradient": (
        dict(objective="hinge", pack=2, instance_noise=0.1, update="extragradient"),
        [
            (0.03480144590139389, 2.00510573387146, 0.0, -3.555542655289173),
            (0.03162311017513275, 2.0029335021972656, 0.0, -3.8534764647483826),
            (0.029474634677171707, 1.9642704725265503, 0.0, -4.400255151093006),
        ],
    ),
}


def _trace(trainer: Trainer) -> list[tuple[float, float, float, float]]:
    out = []
    for _ in range(3):
        trainer.step(2)
        s = trainer.snapshot()
        out.append((s.g_loss, s.d_loss, s.penalty, float(s.fakes.astype(np.float64).sum())))
    return out


@pytest.mark.parametrize("case", sorted(BEFORE))
def test_2d_training_gives_the_numbers_it_gave_before_problems(case):
    settings, expected = BEFORE[case]
    got = _trace(Trainer(TrainConfig(**TINY, **settings)))
    # a changed RNG draw, initial weight or update order moves these by far more than float rounding would
    np.testing.assert_allclose(np.array(got), np.array(expected), rtol=1e-5, atol=1e-7)


def test_an_explicit_plane_problem_is_the_default_one():
    config = TrainConfig(**TINY, objective="wgan-gp")
    a = Trainer(config)
    b = Trainer(config, problem=PlaneProblem(dataset_for(config.dataset)))
    assert isinstance(a.problem, PlaneProblem) and a.problem.data_dim == 2
    assert _trace(a) == _trace(b)
