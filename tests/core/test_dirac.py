"""Dirac-GAN through ganviz's losses: science.md §5.3 numbers, closed-form fields (§5.1), linearisation (§5.2)."""

from __future__ import annotations

import numpy as np
import pytest

from ganviz.core.dirac import PAPER_START, check_options, field_grid, simulate, vector_field
from ganviz.core.objectives import OBJECTIVES, get_objective


def sig(t):
    return 1.0 / (1.0 + np.exp(-t))


# science.md §5.3 (the paper's coordinates, start (1, 1) = PAPER_START, h = 0.2, 500 steps).
# "alt" in the table is the notebook's trajectory_altgd (G step first) = update "alt" here.
R500 = [
    ("minimax", "sim", {}, 3.10),
    ("minimax", "alt", {}, 1.42),
    ("nonsaturating", "sim", {}, 0.64),
    ("nonsaturating", "alt", {}, 0.28),
    ("wgan", "sim", {"clip": 1.0}, 1.00),
    ("wgan", "alt", {"clip": 1.0}, 1.02),
    ("wgan-gp", "sim", {"gp_lambda": 0.35}, 1.80),  # the notebook's WGAN_GP(reg=0.7): λ = reg/2
    ("wgan-gp", "alt", {"gp_lambda": 0.35}, 1.22),
]

CONVERGED = [
    ("minimax", 0.3, "sim", 180),
    ("minimax", 0.3, "alt", 149),
    ("minimax", 1.0, "sim", 65),
    ("minimax", 1.0, "alt", 71),
    ("nonsaturating", 0.3, "sim", 172),
    ("nonsaturating", 0.3, "alt", 142),
]


@pytest.mark.parametrize("objective, update, kw, r500", R500)
def test_r500_matches_science_table(objective, update, kw, r500):
    res = simulate(objective, update, steps=500, lr=0.2, start=PAPER_START, **kw)
    assert res.trajectory.shape == (501, 2)
    assert res.r_final == pytest.approx(r500, rel=0.01, abs=0.006)  # the table rounds to 2 decimals
    assert res.converged_step is None


def test_minimax_sim_exact_value():
    assert simulate("minimax", "sim", 500, 0.2, start=PAPER_START).r_final == pytest.approx(3.0969, abs=1e-4)


def test_defaults_for_wgan_and_wgan_gp_are_the_notebook_settings():
    assert check_options(get_objective("wgan")) == (1.0, None)
    assert check_options(get_objective("wgan-gp")) == (None, 0.35)
    a = simulate("wgan-gp", "sim", 50, 0.2, start=PAPER_START)
    b = simulate("wgan-gp", "sim", 50, 0.2, start=PAPER_START, gp_lambda=0.35)
    np.testing.assert_array_equal(a.trajectory, b.trajectory)


@pytest.mark.parametrize("objective, gamma, update, step", CONVERGED)
def test_r1_converges_at_science_step(objective, gamma, update, step):
    res = simulate(objective, update, steps=step + 5, lr=0.2, start=PAPER_START, r1=gamma)
    assert res.converged_step is not None and abs(res.converged_step - step) <= 2


@pytest.mark.parametrize("gamma, sim_alt", [(0.3, (180, 149)), (1.0, (65, 71))])
def test_trainer_order_alt_lands_near_the_notebook_order(gamma, sim_alt):
    """'alt-dfirst' (D step first, as in the trainer) is within 2 steps of the notebook's G-first alternation."""
    res = simulate("minimax", "alt-dfirst", steps=200, lr=0.2, start=PAPER_START, r1=gamma)
    assert abs(res.converged_step - sim_alt[1]) <= 2


def test_convention_start_matters():
    """ψ → −ψ alone is not a symmetry: (1, −1) is a different orbit; (θ, ψ) → (−θ, −ψ) is one."""
    other = simulate("minimax", "sim", 500, 0.2, start=(1.0, -1.0)).r_final
    mirrored = simulate("minimax", "sim", 500, 0.2, start=(-1.0, -1.0)).r_final
    assert other == pytest.approx(3.3534, abs=1e-3)
    assert mirrored == pytest.approx(simulate("minimax", "sim", 500, 0.2, start=PAPER_START).r_final, abs=1e-12)


@pytest.mark.parametrize("update", ["sim", "alt", "alt-dfirst"])
def test_wgan_orbits(update):
    res = simulate("wgan", update, steps=2000, lr=0.2, start=(1.0, 1.0))
    r = np.hypot(*res.trajectory.T)
    assert res.converged_step is None
    assert np.abs(res.trajectory[:, 1]).max() <= 1.0 + 1e-12  # the clip band
    assert r[100:].min() > 0.5 and r.max() < 2.0  # stays on an orbit: neither converges nor escapes


def test_clip_is_applied_after_each_d_step():
    res = simulate("wgan", "sim", steps=200, lr=0.2, start=(1.5, 0.2), clip=0.3)
    assert np.abs(res.trajectory[1:, 1]).max() <= 0.3 + 1e-12
    assert res.trajectory[0, 1] == 0.2


def test_gp_orbit_persists():
    res = simulate("wgan-gp", "sim", steps=2000, lr=0.2, start=PAPER_START)
    assert res.converged_step is None and res.r_final > 1.0


# --- closed forms (science.md §5.1) --------------------------------------------------------------
# written first with D high on real (ψ' = −ψ), then mapped to the paper's ψ: θ̇(θ, ψ) = θ̇'(θ, −ψ), ψ̇ = −ψ̇'(θ, −ψ)

_CLOSED_REAL_HIGH = {
    "minimax": lambda t, p: (p * sig(p * t), -t * sig(p * t)),
    "nonsaturating": lambda t, p: (p * sig(-p * t), -t * sig(p * t)),
    "wgan": lambda t, p: (p, -t),
    "hinge": lambda t, p: (p, -t * (p * t > -1)),
    "lsgan": lambda t, p: (-(p * t - 1) * p, -(t**2) * p),
}


def _paper(field):
    def mapped(t, p):
        td, pd = field(t, -p)
        return td, -pd

    return mapped


CLOSED = {name: _paper(f) for name, f in _CLOSED_REAL_HIGH.items()}


def test_minimax_closed_form_is_the_papers():
    """science.md §5.1: GAN field (−ψ f′(ψθ), θ f′(ψθ)) with f′(t) = σ(−t)."""
    rng = np.random.default_rng(3)
    t, p = rng.uniform(-3, 3, size=(2, 50))
    td, pd = vector_field("minimax", t, p)
    np.testing.assert_allclose(td, -p * sig(-p * t), atol=1e-9)
    np.testing.assert_allclose(pd, t * sig(-p * t), atol=1e-9)


@pytest.mark.parametrize("objective", list(CLOSED))
@pytest.mark.parametrize("gamma", [0.0, 0.7])
def test_vector_field_closed_forms(objective, gamma):
    rng = np.random.default_rng(1)
    t, p = rng.uniform(-3, 3, size=(2, 50))
    td, pd = vector_field(objective, t, p, r1=gamma)
    et, ep = CLOSED[objective](t, p)
    np.testing.assert_allclose(td, et, atol=1e-6)
    np.testing.assert_allclose(pd, ep - gamma * p, atol=1e-6)  # R1 adds −γψ to ψ̇


def test_vector_field_wgan_gp_closed_form():
    rng = np.random.default_rng(2)
    t, p = rng.uniform(-3, 3, size=(2, 50))
    lam = 0.35
    td, pd = vector_field("wgan-gp", t, p, gp_lambda=lam)
    np.testing.assert_allclose(td, -p, atol=1e-6)  # science.md §5.1: (−ψ, θ − γ(|ψ| − g₀) sign ψ), γ = 2λ
    np.testing.assert_allclose(pd, t - 2 * lam * (np.abs(p) - 1) * np.sign(p), atol=1e-6)


def test_vector_field_single_point_equals_batched_grid():
    theta, psi, td, pd = field_grid("nonsaturating", n=7, lim=2.0, r1=0.3)
    assert theta.shape == psi.shape == td.shape == pd.shape == (7, 7)
    assert theta[0, 0] == -2.0 and psi[-1, 0] == 2.0
    one_t, one_p = vector_field("nonsaturating", [theta[2, 5]], [psi[2, 5]], r1=0.3)
    assert one_t[0] == pytest.approx(td[2, 5], abs=1e-12) and one_p[0] == pytest.approx(pd[2, 5], abs=1e-12)


@pytest.mark.parametrize("name", OBJECTIVES.names())
def test_every_objective_runs(name):
    res = simulate(name, "alt", steps=20, lr=0.1)
    assert res.trajectory.shape == (21, 2) and np.isfinite(res.trajectory).all()


# --- linearisation (science.md §5.2) -----------------------------------------------------------------


def _jacobian(objective, gamma, eps=1e-5):
    cols = []
    for d in ((eps, 0.0), (0.0, eps)):
        plus = vector_field(objective, [d[0]], [d[1]], r1=gamma)
        minus = vector_field(objective, [-d[0]], [-d[1]], r1=gamma)
        cols.append([(plus[i][0] - minus[i][0]) / (2 * eps) for i in range(2)])
    return np.array(cols).T


@pytest.mark.parametrize("gamma, growth", [(0.0, np.sqrt(1 + 0.2**2 / 4)), (0.3, 0.97468), (1.0, 0.9)])
def test_linearisation_growth_factor(gamma, growth):
    h = 0.2
    J = _jacobian("minimax", gamma)
    np.testing.assert_allclose(J, [[0.0, -0.5], [0.5, -gamma]], atol=1e-8)  # science.md §5.2
    assert np.abs(np.linalg.eigvals(np.eye(2) + h * J)).max() == pytest.approx(growth, abs=1e-5)


def test_r1_trajectory_contracts_by_the_linear_factor():
    """Near 0 the simulated radius shrinks by |1 + hλ| = 0.97468 per step on average (γ = 0.3)."""
    res = simulate("minimax", "sim", steps=1000, lr=0.2, start=(1e-4, 0.0), r1=0.3)
    log_r = np.log(np.hypot(*res.trajectory.T))
    slope = np.polyfit(np.arange(len(log_r)), log_r, 1)[0]  # the fit averages out the ellipse's wobble
    assert np.exp(slope) == pytest.approx(0.974679, abs=5e-5)


# --- bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kw",
    [
        {"update": "foo"},
        {"steps": -1},
        {"lr": 0.0},
        {"lr": float("nan")},
        {"start": (1.0, float("inf"))},
        {"r1": -1.0},
        {"clip": 1.0},  # minimax does not clip
        {"gp_lambda": 0.1},  # minimax has no gradient penalty
    ],
)
def test_bad_arguments_raise(kw):
    with pytest.raises(ValueError):
        simulate("minimax", **kw)


def test_unknown_objective_raises():
    with pytest.raises(ValueError):
        simulate("nope")
