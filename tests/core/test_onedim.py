"""The 1-D GAN view's theory (lecture notes, Goodfellow et al. 2014) and its small trainer."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ganviz.core.problems import onedim
from ganviz.core.training.objectives import OBJECTIVES


def normal_pdf(x, m, s):
    return np.exp(-0.5 * ((x - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))


# --- data --------------------------------------------------------------------------------------------


def test_required_datasets_and_exact_densities():
    x = np.linspace(-6, 6, 2001)
    two = onedim.density("two-gaussians", x)
    np.testing.assert_allclose(two, 0.5 * normal_pdf(x, -2, 0.5) + 0.5 * normal_pdf(x, 2, 0.5), rtol=1e-12)
    np.testing.assert_allclose(onedim.density("gaussian", x), normal_pdf(x, 1, 0.7), rtol=1e-12)
    assert "three-gaussians" in onedim.DATASETS_1D
    for name in onedim.DATASETS_1D:
        ds = onedim.get_dataset(name)
        g = ds.grid()
        assert np.trapezoid(ds.pdf(g), g) == pytest.approx(1.0, abs=1e-4), name


def test_samples_follow_the_density():
    import torch

    ds = onedim.get_dataset("two-gaussians")
    s = ds.sample(50_000, torch.Generator().manual_seed(1)).numpy().ravel()
    assert s.mean() == pytest.approx(0.0, abs=0.05)
    assert s.var() == pytest.approx(4.25, rel=0.02)
    assert np.mean(s > 0) == pytest.approx(0.5, abs=0.01)


# --- the optimal discriminator and the value of the game ------------------------------------------------


def test_d_star_is_one_half_where_p_equals_q():
    x = np.linspace(-4, 4, 101)
    p = normal_pdf(x, 0.3, 1.1)
    np.testing.assert_allclose(onedim.optimal_discriminator(p, p), 0.5)


def test_d_star_for_two_gaussians_is_the_analytic_ratio():
    x = np.linspace(-3, 3, 61)
    p, q = normal_pdf(x, 0.0, 1.0), normal_pdf(x, 1.0, 1.0)
    # p/(p+q) = 1/(1 + q/p) = 1/(1 + exp(x − ½)) = σ(½ − x) for unit variances and means 0, 1
    np.testing.assert_allclose(onedim.optimal_discriminator(p, q), 1 / (1 + np.exp(x - 0.5)), rtol=1e-12)
    assert onedim.optimal_discriminator(p, q)[np.argmin(np.abs(x - 0.5))] == pytest.approx(0.5)


def test_d_star_maximises_the_pointwise_objective():
    """p ln d + q ln(1 − d) over d ∈ (0, 1) peaks at d = p/(p+q) (the notes' derivation)."""
    d = np.linspace(1e-4, 1 - 1e-4, 200_001)
    for p, q in ((0.3, 0.1), (0.05, 0.4), (1.0, 1.0)):
        best = d[np.argmax(p * np.log(d) + q * np.log1p(-d))]
        assert best == pytest.approx(p / (p + q), abs=1e-4)


def test_value_at_the_optimum_is_minus_2_ln_2_when_q_equals_p():
    import torch

    ds = onedim.get_dataset("two-gaussians")
    gen = torch.Generator().manual_seed(3)
    x_real = ds.sample(20_000, gen).numpy().ravel()
    x_fake = ds.sample(20_000, gen).numpy().ravel()  # q = p: the "fakes" are more data
    # D* = p/(p+p) = ½ on every sample: mean ln ½ + mean ln ½ = −2 ln 2 exactly
    d_real = onedim.optimal_discriminator(ds.pdf(x_real), ds.pdf(x_real))
    d_fake = onedim.optimal_discriminator(ds.pdf(x_fake), ds.pdf(x_fake))
    assert np.all(d_real == 0.5) and np.all(d_fake == 0.5)
    assert onedim.game_value(d_real, d_fake) == pytest.approx(-2 * math.log(2), abs=1e-12)
    assert onedim.value_with_optimal_d(ds.pdf, ds.pdf, x_real, x_fake) == pytest.approx(-math.log(4), abs=1e-12)
    # the integral ∫ p ln(p/2p) + p ln(p/2p) on a grid
    x = np.linspace(-6, 6, 4001)
    assert onedim.value_at_optimum_on_grid(x, ds.pdf(x), ds.pdf(x)) == pytest.approx(-math.log(4), abs=1e-6)


def test_value_at_the_optimum_exceeds_minus_2_ln_2_when_q_differs():
    """Monte Carlo V(G, D*) = −ln 4 + 2·JSD(p‖q) > −ln 4; it agrees with the grid integral."""
    import torch

    p_ds, q_ds = onedim.get_dataset("two-gaussians"), onedim.get_dataset("gaussian")
    gen = torch.Generator().manual_seed(4)
    x_real = p_ds.sample(100_000, gen).numpy().ravel()
    x_fake = q_ds.sample(100_000, gen).numpy().ravel()
    mc = onedim.value_with_optimal_d(p_ds.pdf, q_ds.pdf, x_real, x_fake)
    x = np.linspace(-8, 8, 8001)
    exact = onedim.value_at_optimum_on_grid(x, p_ds.pdf(x), q_ds.pdf(x))
    assert -math.log(4) < exact < 0
    assert mc == pytest.approx(exact, abs=0.01)


def test_optimal_d_per_objective():
    p, q = np.array([0.2, 0.1, 0.3]), np.array([0.1, 0.3, 0.3])
    for name in ("minimax", "nonsaturating", "lsgan"):
        d, label = onedim.optimal_d_for(name, p, q)
        np.testing.assert_allclose(d, p / (p + q))
        assert label == "D* = p/(p+q)"
    np.testing.assert_array_equal(onedim.optimal_d_for("hinge", p, q)[0], [1.0, -1.0, 0.0])
    assert onedim.optimal_d_for("wgan", p, q) is None and onedim.optimal_d_for("wgan-gp", p, q) is None


# --- maximum likelihood and the KDE ------------------------------------------------------------------------


def test_ml_gaussian_fit_is_sample_mean_and_std():
    rng = np.random.default_rng(0)
    s = rng.normal(3.0, 2.0, 1000)
    m, sd = onedim.ml_gaussian_fit(s)
    assert m == s.mean() and sd == s.std(ddof=0)

    # it maximises the mean log-likelihood (= minimises KL(p̂‖q_θ)) among nearby Gaussians
    def loglik(mu, sigma):
        return np.mean(np.log(normal_pdf(s, mu, sigma)))

    best = loglik(m, sd)
    for dm, ds in ((0.05, 0), (-0.05, 0), (0, 0.05), (0, -0.05)):
        assert loglik(m + dm, sd + ds) < best


def test_ml_fit_of_the_two_gaussian_mixture_is_mean_0_variance_4_25():
    ds = onedim.get_dataset("two-gaussians")
    assert ds.mean == 0.0 and ds.var == pytest.approx(0.25 + 4.0)
    m, sd = onedim.ml_fit_for("two-gaussians")
    sample = onedim.real_sample("two-gaussians")
    assert (m, sd) == (sample.mean(), sample.std())
    assert m == pytest.approx(0.0, abs=0.02)
    assert sd**2 == pytest.approx(4.25, rel=0.01)


def test_kde_integrates_to_one_and_matches_scipy():
    from scipy.stats import gaussian_kde

    rng = np.random.default_rng(1)
    s = np.concatenate([rng.normal(-2, 0.5, 1000), rng.normal(2, 0.5, 1000)])
    x = np.linspace(-6, 6, 1201)
    q = onedim.kde(s, x)
    np.testing.assert_allclose(q, gaussian_kde(s)(x), rtol=1e-10)
    assert np.trapezoid(q, x) == pytest.approx(1.0, abs=1e-3)
    h = 0.1
    q_narrow = onedim.kde(s, x, bandwidth=h)
    direct = normal_pdf(x[:, None], s[None, :], h).mean(axis=1)
    np.testing.assert_allclose(q_narrow, direct, rtol=1e-8, atol=1e-12)
    assert np.trapezoid(q_narrow, x) == pytest.approx(1.0, abs=1e-3)
    # a generator collapsed onto one point: still a finite density of mass one
    q_point = onedim.kde(np.full(2000, 0.5), x)
    assert np.isfinite(q_point).all() and np.trapezoid(q_point, x) == pytest.approx(1.0, abs=0.02)


# --- the trainer ---------------------------------------------------------------------------------------------


def test_snapshot_contents():
    gan = onedim.OneDimGan("two-gaussians", "minimax", seed=0)
    gan.step(5)
    s = gan.snapshot()
    assert s.step == 5 and s.x.shape == (onedim.GRID_N,) and s.fakes.shape == (onedim.N_FAKES,)
    np.testing.assert_array_equal(s.p, onedim.density("two-gaussians", s.x))
    np.testing.assert_allclose(s.d_star, s.p / (s.p + s.q))
    assert ((s.d > 0) & (s.d < 1)).all()  # σ(logit) for minimax
    assert (s.ml_mean, s.ml_std) == onedim.ml_fit_for("two-gaussians")
    np.testing.assert_allclose(s.ml_pdf, normal_pdf(s.x, s.ml_mean, s.ml_std))
    assert s.v_estimate is not None and s.v_estimate < 0
    assert s.v_optimal >= -math.log(4) - 1e-9
    wgan = onedim.OneDimGan("gaussian", "wgan", seed=0).snapshot()
    assert wgan.d_star is None and wgan.v_estimate is None and wgan.d_kind == "critic"


@pytest.mark.parametrize("name", OBJECTIVES.names())
def test_every_objective_trains_with_its_defaults(name):
    gan = onedim.OneDimGan("gaussian", name, seed=0)
    obj = OBJECTIVES.get(name)
    assert gan.optimizer == obj.defaults.optimizer and gan.n_critic == obj.defaults.n_critic
    assert gan.lr_g == obj.defaults.lr_g
    gan.step(3)
    assert gan.step_count == 3 and np.isfinite(gan.fakes()).all()
    if obj.clips_weights:
        assert max(float(p.detach().abs().max()) for p in gan.D.parameters()) <= gan.clip + 1e-7


def test_nonsaturating_gan_learns_the_gaussian_and_d_goes_to_one_half():
    """After a few hundred steps D ≈ ½ where p is large and the fakes sit on N(1, 0.7²) (fixed seed)."""
    gan = onedim.OneDimGan("gaussian", "nonsaturating", seed=2)
    start = gan.fakes().ravel()
    assert abs(start.mean() - 1.0) > 0.5  # the generator starts away from the data
    gan.step(400)
    s = gan.snapshot()
    mode = int(np.argmax(s.p))
    print(f"D at the mode after 400 steps: {s.d[mode]:.3f}; fakes mean {s.fakes.mean():.2f} std {s.fakes.std():.2f}")
    assert abs(s.d[mode] - 0.5) < 0.15
    assert abs(s.fakes.mean() - 1.0) < 0.3 and abs(s.fakes.std() - 0.7) < 0.35


def test_determinism_for_a_seed():
    a = onedim.OneDimGan("two-gaussians", "wgan-gp", seed=7)
    b = onedim.OneDimGan("two-gaussians", "wgan-gp", seed=7)
    c = onedim.OneDimGan("two-gaussians", "wgan-gp", seed=8)
    for g in (a, b, c):
        g.step(20)
    sa, sb = a.snapshot(), b.snapshot()
    np.testing.assert_array_equal(sa.fakes, sb.fakes)
    np.testing.assert_array_equal(sa.d, sb.d)
    assert sa.v_optimal == sb.v_optimal
    assert not np.array_equal(sa.fakes, c.snapshot().fakes)


def test_set_lr_changes_both_optimisers():
    gan = onedim.OneDimGan("gaussian", "nonsaturating")
    gan.set_lr(3e-4)
    assert all(g["lr"] == 3e-4 for opt in (gan.opt_g, gan.opt_d) for g in opt.param_groups)
    with pytest.raises(ValueError):
        gan.set_lr(0.0)
