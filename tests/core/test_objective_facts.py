"""Every fact about an objective lives on the objective (issue 13 A): every registered objective states each of
them, its D* form is its loss's true optimum (and science.md's where the notes give one), and a new objective
registered in one module reaches the help pages, the theory quantities and the command line with no other change.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ganviz.core.files.presets import STARTER_DATASETS, get_preset, list_presets
from ganviz.core.problems import onedim
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.objectives import (
    FAMILIES,
    GAN_DEFAULTS,
    OBJECTIVES,
    REQUIRED_FACTS,
    SURFACE_KINDS,
    DStar,
    Objective,
    OptimDefaults,
)
from ganviz.core.training.objectives import lsgan as lsgan_module
from ganviz.core.training.trainer import Trainer
from ganviz.ui.help_pages import objective_page, with_hats

NAMES = OBJECTIVES.names()
BOOLEAN_FACTS = ("has_game_value", "has_js_estimate", "has_critic_w1_estimate", "clips_weights")

# densities at a few points, p ≠ q everywhere so that every D* is unique
P = np.array([0.2, 0.05, 0.3, 0.9, 0.01])
Q = np.array([0.1, 0.3, 0.25, 0.02, 0.4])

# science.md §4 / the seeds: D* for a fixed G, where the notes state one (None: no function of p and q)
_A, _B = lsgan_module.A, lsgan_module.B
SCIENCE_D_STAR = {
    "minimax": lambda p, q: p / (p + q),  # Goodfellow et al. 2014, Prop. 1
    "nonsaturating": lambda p, q: p / (p + q),  # same D as minimax
    "lsgan": lambda p, q: (_B * p + _A * q) / (p + q),  # Mao et al. 2017, with its (a, b, c)
    "hinge": lambda p, q: np.sign(p - q),
    "wgan": None,  # a 1-Lipschitz maximiser, defined up to a constant
    "wgan-gp": None,
}


def _declared(cls: type, fact: str) -> bool:
    """Whether `fact` is set by the objective's own class or a base below Objective (not a fallback default)."""
    return any(fact in vars(k) for k in cls.__mro__ if k is not Objective and issubclass(k, Objective))


@pytest.mark.parametrize("name", NAMES)
def test_every_registered_objective_states_every_fact(name):
    cls = OBJECTIVES.get(name)
    missing = [fact for fact in REQUIRED_FACTS if not _declared(cls, fact)]
    assert not missing, f"{name} does not state {missing}"
    assert cls.name == name
    assert isinstance(cls.label, str) and cls.label.strip()
    assert isinstance(cls.formula, str) and cls.formula.strip()
    assert isinstance(cls.help, str) and len(cls.help) > 40
    assert cls.family in FAMILIES
    assert cls.surface in SURFACE_KINDS
    assert isinstance(cls.defaults, OptimDefaults)
    for fact in (*BOOLEAN_FACTS, "uses_gradient_penalty"):
        assert type(getattr(cls, fact)) is bool, (name, fact)
    assert cls.d_star is None or (isinstance(cls.d_star, DStar) and callable(cls.d_star.fn) and cls.d_star.formula)


@pytest.mark.parametrize("name", NAMES)
def test_the_help_page_is_rendered_from_the_objective(name):
    cls = OBJECTIVES.get(name)
    page = objective_page(name)
    for part in (cls.label, cls.formula, cls.help):
        assert with_hats(part) in page, (name, part)


@pytest.mark.parametrize("name", NAMES)
def test_theory_facts_agree_with_each_other(name):
    """V(D, G) = −(D loss) only for the BCE game, whose D is read as σ(logit) and whose D* is p/(p+q); the JS
    estimate is read off V; a W1 estimate needs a critic drawn as raw values."""
    cls = OBJECTIVES.get(name)
    if cls.has_game_value:
        assert cls.surface == "prob" and cls.d_star is not None
        np.testing.assert_allclose(cls.d_star.fn(P, Q), P / (P + Q))
        d_real, d_fake = torch.tensor([0.3, -1.2]), torch.tensor([0.8, 2.0])
        v = (F.logsigmoid(d_real).mean() + torch.log1p(-torch.sigmoid(d_fake)).mean()).item()
        assert -cls().d_loss(d_real, d_fake).item() == pytest.approx(v, rel=1e-6)
    if cls.has_js_estimate:
        assert cls.has_game_value
    if cls.has_critic_w1_estimate:
        assert cls.surface == "critic" and cls.d_star is None


def _displayed(cls: type, t: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-t)) if cls.surface == "prob" else t


@pytest.mark.parametrize("name", [n for n in NAMES if OBJECTIVES.get(n).d_star is not None])
def test_d_star_minimises_the_objectives_own_d_loss(name):
    """Pointwise, D* minimises p·ℓ_real(d) + q·ℓ_fake(d); the loss is a sum of a real and a fake term, so
    ℓ_real(t) = L_D(t, 0) − const and ℓ_fake(t) = L_D(0, t) − const. Checked on a grid of D's raw outputs."""
    cls = OBJECTIVES.get(name)
    obj = cls()
    t = torch.linspace(-8.0, 8.0, 16001, dtype=torch.float64).reshape(-1, 1)
    zero = torch.zeros(1, dtype=torch.float64)
    # one batch of one per grid value (vmap): the loss of a single sample, not a mean over the grid
    real_term = torch.vmap(lambda v: obj.d_loss(v, zero))(t).numpy()
    fake_term = torch.vmap(lambda v: obj.d_loss(zero, v))(t).numpy()
    grid = t.reshape(-1).numpy()
    best = np.array([grid[np.argmin(p * real_term + q * fake_term)] for p, q in zip(P, Q)])
    np.testing.assert_allclose(_displayed(cls, best), cls.d_star.fn(P, Q), atol=2e-3)


@pytest.mark.parametrize("name", sorted(SCIENCE_D_STAR))
def test_d_star_is_the_one_in_science_md(name):
    if name not in OBJECTIVES:
        pytest.skip(f"{name} is not registered")
    want, d_star = SCIENCE_D_STAR[name], OBJECTIVES.get(name).d_star
    if want is None:
        assert d_star is None
    else:
        np.testing.assert_allclose(d_star.fn(P, Q), want(P, Q), rtol=1e-12)


# --- a new objective is one module ------------------------------------------------------------------

THROWAWAY = "test-throwaway"


class _Throwaway(Objective):
    """A made-up objective: a critic loss with a GAN family, so that nothing may decide by family."""

    name, label = THROWAWAY, "Throwaway (test only)"
    formula = "D: E softplus(D(G(z))) − E D(x)   G: −E D(G(z))"
    family, surface, d_star = "gan", "critic", None
    has_game_value, has_js_estimate, has_critic_w1_estimate = False, False, True
    help = "A made-up objective that only this test registers; its page must appear with no other change."
    defaults = GAN_DEFAULTS
    clips_weights = uses_gradient_penalty = False

    def d_loss(self, d_real, d_fake):
        return F.softplus(d_fake).mean() - d_real.mean()

    def g_loss(self, d_fake):
        return -d_fake.mean()


@pytest.fixture
def throwaway():
    OBJECTIVES.register(THROWAWAY)(_Throwaway)
    try:
        yield THROWAWAY
    finally:
        OBJECTIVES.unregister(THROWAWAY)
    assert THROWAWAY not in OBJECTIVES


def test_a_new_objective_states_its_facts_and_reaches_help_theory_and_cli(throwaway):
    test_every_registered_objective_states_every_fact(throwaway)
    # help page
    assert html.escape(_Throwaway.help) in objective_page(throwaway)
    # theory: the 1-D view's D* and the trainer's critic estimate follow the facts, not the family
    assert onedim.optimal_d_for(throwaway, P, Q) is None
    trainer = Trainer(TrainConfig(hidden=16, layers=2, batch=32, seed=1, objective=throwaway, n_fixed=200))
    trainer.step(1)
    out = trainer.evaluate(n_w1=100)
    assert math.isfinite(out["critic_estimate"])
    # the command line offers it
    from ganviz.cli.train import train_parser

    assert train_parser().parse_args(["--objective", throwaway]).objective == throwaway
    # the Presets menu: a starter on each starter dataset, made from its facts (no preset file, no claim)
    for dataset in STARTER_DATASETS:
        preset = get_preset(f"{throwaway}-{dataset}")
        assert preset.path is None and not preset.claims and _Throwaway.label in preset.title
        assert (preset.config.objective, preset.config.dataset) == (throwaway, dataset)
        assert preset.config.resolved().lr_g == GAN_DEFAULTS.lr_g
    assert f"{throwaway}-ring8" in [p.name for p in list_presets()]


def test_without_the_throwaway_the_cli_refuses_it(capsys):
    from ganviz.cli.train import train_parser

    with pytest.raises(SystemExit) as exit_info:
        train_parser().parse_args(["--objective", THROWAWAY])
    assert exit_info.value.code == 2
    assert "choose one of" in capsys.readouterr().err


def test_a_new_objective_reaches_the_help_menu_and_the_theory_panel(throwaway, qtbot):
    pytest.importorskip("PySide6")
    from PySide6.QtWidgets import QMainWindow, QMenu

    from ganviz.ui.panels.theory_panel import TheoryPanel
    from ganviz.ui.window_menus import MenusMixin, _help_pages, _objectives

    class Host(MenusMixin, QMainWindow):
        pass

    host = Host()
    qtbot.addWidget(host)
    help_menu, objective_menu = QMenu(host), QMenu(host)
    _help_pages(host, help_menu)
    _objectives(host, objective_menu)
    objectives = next(a.menu() for a in help_menu.actions() if a.text() == "Objectives")
    assert _Throwaway.label in [a.text() for a in objectives.actions()]
    assert host.objective_actions[throwaway].toolTip() == _Throwaway.formula

    panel = TheoryPanel()
    qtbot.addWidget(panel)
    panel._apply_objective(throwaway)
    assert panel.w1_plot.isVisible() and not panel.game.isVisible()
    assert "critic W1" not in panel.note.text
    panel._apply_objective("minimax")  # the note of what is left out names the new objective too
    assert f"critic W1 estimate: wgan, wgan-gp and {throwaway} only" in panel.note.text
