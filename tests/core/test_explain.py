"""Slow motion's step explainer: the explained step is the real one, bit for bit, and its parts add up."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ganviz.core.analysis.explain import explain_step, split_formula
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.objectives import OBJECTIVES, get_objective
from ganviz.core.training.trainer import Trainer

TINY = dict(hidden=16, layers=2, batch=32)
GRID = 24
CASES = {
    "nonsaturating": dict(objective="nonsaturating"),
    "wgan-gp": dict(objective="wgan-gp", n_critic=5),
    "hinge": dict(objective="hinge"),
    "ns+sn+r1+lecam+noise": dict(objective="nonsaturating", spectral_norm=True, r1=1.0, lecam=0.1, instance_noise=0.1),
    "lsgan+pack+r2+unroll": dict(objective="lsgan", pack=2, r2=1.0, unroll=2, n_critic=2),
}


def tiny(**changes) -> Trainer:
    return Trainer(TrainConfig(**{**TINY, **changes}))


def _assert_same(a, b, path="state") -> None:
    """Recursive equality of two state dicts: tensors with torch.equal, arrays bitwise, the rest with ==."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b), path
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _assert_same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, np.ndarray):
        assert np.array_equal(a, b), path
    else:
        assert a == b, path


@pytest.mark.parametrize("case", list(CASES))
def test_explained_step_leaves_the_trainer_where_step_would(case):
    explained, stepped = tiny(**CASES[case]), tiny(**CASES[case])
    explained.step(2)  # optimiser moments and LeCam anchors that are not fresh
    stepped.step(2)
    for _ in range(2):  # twice: the second explained step starts from the first one's state
        out = explain_step(explained, grid=GRID)
        stepped.step(1)
        _assert_same(explained.state_dict(), stepped.state_dict())
        assert explained.observer is None
    assert len(out.rounds) == explained.config.n_critic
    # and training goes on identically after it (nothing left behind, e.g. a retained gradient hook)
    explained.step(1)
    stepped.step(1)
    _assert_same(explained.state_dict(), stepped.state_dict())


@pytest.mark.parametrize("case", ["nonsaturating", "wgan-gp", "hinge"])
def test_rounds_substeps_and_surfaces(case):
    t = tiny(**CASES[case])
    t.step(3)
    g_before = [p.detach().clone() for p in t.G.parameters()]
    out = explain_step(t, grid=GRID)
    k = t.config.n_critic
    assert [r.index for r in out.rounds] == list(range(1, k + 1))
    assert [s.kind for s in out.substeps] == ["sample", "d_loss", "d_update"] * k + ["g_loss", "g_update"]
    assert out.step == 3 and t.step_count == 4
    n = t.config.batch
    for r in out.rounds:
        assert r.real.shape == r.fake.shape == (n, 2) and r.z.shape == (n, t.config.zdim)
        assert r.d_real.shape == r.d_fake.shape == (n,)
        assert r.surface_before.shape == r.surface_after.shape == (GRID, GRID)
        assert not np.array_equal(r.surface_before, r.surface_after)  # D's update moved its surface
        assert math.isclose(sum(v for _, v in r.terms), r.loss, rel_tol=1e-6, abs_tol=1e-7)
        assert all(np.isfinite(v) for _, v in r.terms)
        assert not r.surface_after.flags.writeable and not r.real.flags.writeable
    for a, b in zip(out.rounds, out.rounds[1:]):  # each round's "after" is the next round's "before"
        assert np.array_equal(a.surface_after, b.surface_before)
        assert not np.array_equal(a.real, b.real)  # a fresh batch each round
    if out.objective == "wgan-gp":
        assert any("∇D(x̂)" in label for label, _ in out.rounds[0].terms)  # the penalty is its own term
    # fakes after = G_after(z); fakes before = G_before(z), the same z
    z = torch.from_numpy(out.g.z.copy())
    with torch.no_grad():
        assert torch.equal(t.G(z), torch.from_numpy(out.g.fake_after.copy()))
        for p, saved in zip(t.G.parameters(), g_before):
            p.copy_(saved)
        assert torch.equal(t.G(z), torch.from_numpy(out.g.fake.copy()))
    assert not np.array_equal(out.g.fake, out.g.fake_after)


@pytest.mark.parametrize("case", ["nonsaturating", "wgan-gp", "hinge"])
def test_arrows_are_the_gradient_of_g_loss_at_each_fake(case):
    t = tiny(**CASES[case])
    t.step(2)
    out = explain_step(t, grid=GRID)
    # D did not change in G's update, so the D of the G step is the trainer's D now
    fake = torch.from_numpy(out.g.fake.copy()).requires_grad_(True)
    loss = get_objective(out.objective).g_loss(t.D(fake))
    (grad,) = torch.autograd.grad(loss, fake)
    np.testing.assert_allclose(out.g.grad, grad.numpy(), rtol=1e-5, atol=1e-9)
    assert math.isclose(out.g.loss, float(loss.detach()), rel_tol=1e-6)
    assert np.abs(out.g.grad).sum() > 0


@pytest.mark.parametrize("name", list(OBJECTIVES))
def test_d_terms_sum_to_d_loss(name):
    objective = get_objective(name)
    gen = torch.Generator().manual_seed(0)
    d_real, d_fake = torch.randn(64, 1, generator=gen), torch.randn(64, 1, generator=gen)
    terms = objective.d_terms(d_real, d_fake)
    assert len(terms) >= 1
    total = sum(v for _, v in terms)
    torch.testing.assert_close(total, objective.d_loss(d_real, d_fake))


def test_formulas_come_from_the_registries():
    t = tiny(objective="wgan-gp", n_critic=2, r1=2.0)
    out = explain_step(t, grid=GRID)
    d_part, g_part = split_formula(t.objective)
    by_kind = {s.kind: s for s in out.substeps}
    assert d_part in by_kind["d_loss"].formula and f"λ = {t.config.gp_lambda:g}" in by_kind["d_loss"].formula
    assert "γ = 2" in by_kind["d_loss"].formula and "∇ₓD(x)" in by_kind["d_loss"].formula
    assert g_part in by_kind["g_loss"].formula and g_part.startswith("G: ")
    assert "φ" in by_kind["d_update"].formula and "θ" in by_kind["g_update"].formula
    assert [s.name for s in out.substeps[:3]] == ["Sample (1 of 2)", "D's loss (1 of 2)", "D's update (1 of 2)"]


def test_frozen_players_have_no_substeps_of_their_own():
    t = tiny()
    t.freeze("D", True)
    out = explain_step(t, grid=GRID)
    assert out.rounds == () and out.g is not None
    t.freeze("D", False)
    t.freeze("G", True)
    out = explain_step(t, grid=GRID)
    assert len(out.rounds) == 1 and out.g is None
    assert [s.kind for s in out.substeps] == ["sample", "d_loss", "d_update"]


@pytest.mark.parametrize("changes", [dict(update="sim"), dict(update="extragradient"), dict(consensus=0.1)])
def test_non_alternating_updates_are_refused_before_any_change(changes):
    t = tiny(**changes)
    before = t.state_dict()
    with pytest.raises(ValueError, match="alternating updates"):
        explain_step(t)
    _assert_same(t.state_dict(), before)
