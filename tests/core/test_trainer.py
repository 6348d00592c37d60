"""The training loop: clipping, spectral norm, determinism, resume, live changes, snapshots."""

from __future__ import annotations

import copy
import io
import math

import numpy as np
import pytest
import torch

from ganviz.core.analysis.metrics import mode_stats, w1_floor
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.models import linear_weights
from ganviz.core.training.objectives import OBJECTIVES
from ganviz.core.training.trainer import Snapshot, Trainer

TINY = dict(hidden=16, layers=2, batch=32)


def tiny(**changes) -> Trainer:
    return Trainer(TrainConfig(**{**TINY, **changes}))


def _adam_steps(opt: torch.optim.Optimizer) -> int:
    steps = {int(s["step"]) for s in opt.state.values()}
    assert len(steps) == 1, steps
    return steps.pop()


# --- WGAN clipping and spectral normalisation ----------------------------------------------------


@pytest.mark.parametrize("update", ["alt", "sim"])
@pytest.mark.parametrize("c", [0.01, 0.05])
def test_wgan_clipping_bounds_every_critic_parameter(update, c):
    t = tiny(objective="wgan", clip=c, update=update)
    # PyTorch's default init is far outside ±c, so the bound is the clipping's doing
    assert max(p.abs().max().item() for p in t.D.parameters()) > 2 * c
    t.step(1)
    c32 = torch.tensor(c, dtype=torch.float32)  # the bound as stored: float32(c)
    for p in t.D.parameters():
        assert p.abs().max() <= c32
    # and clipping is actually active: many weights sit on the bound
    assert sum(int((p.abs() == c32).sum()) for p in t.D.parameters()) > 10


def test_clip_only_for_wgan():
    t = tiny(objective="wgan-gp", clip=0.01)
    t.step(1)
    assert max(p.abs().max().item() for p in t.D.parameters()) > 0.01


def test_spectral_norm_keeps_sigma_max_at_one():
    t = tiny(spectral_norm=True, lr_d=1e-2, lr_g=1e-2)
    t.step(40)
    weights = linear_weights(t.D)
    assert len(weights) == TINY["layers"] + 1
    for w in weights:
        assert torch.linalg.matrix_norm(w.detach(), ord=2).item() == pytest.approx(1.0, abs=0.05)


def test_without_spectral_norm_sigma_max_is_not_one():
    t = tiny(spectral_norm=False, lr_d=1e-2, lr_g=1e-2)
    t.step(40)
    sigmas = [torch.linalg.matrix_norm(w.detach(), ord=2).item() for w in linear_weights(t.D)]
    assert any(abs(s - 1.0) > 0.1 for s in sigmas), sigmas


# --- determinism and resume --------------------------------------------------------------------


@pytest.mark.parametrize("update", ["alt", "sim"])
def test_same_seed_is_bit_identical(update):
    a, b = tiny(seed=3, update=update), tiny(seed=3, update=update)
    a.step(15)
    b.step(15)
    assert np.array_equal(a.fakes(), b.fakes())
    c = tiny(seed=4, update=update)
    c.step(15)
    assert not np.array_equal(a.fakes(), c.fakes())


def test_different_seed_differs_from_the_start():
    assert not np.array_equal(tiny(seed=0).fakes(), tiny(seed=1).fakes())


def test_step_n_equals_n_single_steps():
    a, b = tiny(seed=2), tiny(seed=2)
    a.step(12)
    for _ in range(12):
        b.step(1)
    assert a.step_count == b.step_count == 12
    assert np.array_equal(a.fakes(), b.fakes())


RESUME_CASES = [
    ("alt", "moons", "nonsaturating"),
    ("sim", "moons", "nonsaturating"),
    ("alt", "ring8", "nonsaturating"),
    ("sim", "ring8", "nonsaturating"),
    ("alt", "grid25", "wgan-gp"),  # the GP's α draws share the latent stream
    ("alt", "swissroll", "wgan"),  # clipping + RMSprop state
]


@pytest.mark.parametrize("update, dataset, objective", RESUME_CASES)
def test_resume_from_saved_state_is_bit_identical(update, dataset, objective):
    t = tiny(seed=5, update=update, dataset=dataset, objective=objective)
    t.step(20)
    buf = io.BytesIO()
    torch.save(t.state_dict(), buf)  # a resume goes through a file: state frozen at step 20
    t.step(10)
    buf.seek(0)
    r = Trainer.from_state_dict(torch.load(buf, weights_only=False))
    assert r.step_count == 20
    r.step(10)
    assert r.step_count == t.step_count == 30
    assert np.array_equal(r.fakes(), t.fakes())
    assert torch.equal(r.real_batch(8), t.real_batch(8))  # data streams in step too


@pytest.mark.parametrize("update, dataset", [("alt", "moons"), ("sim", "ring8")])
def test_state_dict_is_a_snapshot_of_its_step(update, dataset):
    """`state_dict()` then more training: the dict must still describe step 20, not step 30.

    (Same check as above but without a file round trip, as a window's "keep this state" would do it.)
    """
    t = tiny(seed=5, update=update, dataset=dataset)
    t.step(20)
    state = t.state_dict()
    t.step(10)
    r = Trainer.from_state_dict(state)
    r.step(10)
    assert np.array_equal(r.fakes(), t.fakes())


def test_deepcopied_state_dict_resumes_spectral_norm():
    t = tiny(seed=6, spectral_norm=True)
    t.step(10)
    state = copy.deepcopy(t.state_dict())
    t.step(10)
    r = Trainer.from_state_dict(state)
    r.step(10)
    assert np.array_equal(r.fakes(), t.fakes())


# --- live changes ------------------------------------------------------------------------------


def test_set_objective_keeps_optimizers_and_state():
    t = tiny(seed=1)
    t.step(5)
    opt_g, opt_d, G, D = t.opt_g, t.opt_d, t.G, t.D
    exp_avg_before = [opt_d.state[p]["exp_avg"].clone() for p in D.parameters()]
    assert _adam_steps(opt_d) == 5
    t.set_objective("lsgan")
    assert t.opt_g is opt_g and t.opt_d is opt_d and t.G is G and t.D is D
    assert t.objective.name == "lsgan" and t.config.objective == "lsgan"
    for p, before in zip(D.parameters(), exp_avg_before, strict=True):
        assert torch.equal(opt_d.state[p]["exp_avg"], before)
    t.step(3)
    assert _adam_steps(opt_d) == 8  # counts on, not restarted at 1
    assert _adam_steps(opt_g) == 8


def test_set_objective_changes_training():
    a, b = tiny(seed=1), tiny(seed=1)
    a.step(5)
    b.step(5)
    b.set_objective("hinge")
    a.step(5)
    b.step(5)
    assert not np.array_equal(a.fakes(), b.fakes())


def test_set_objective_to_wgan_gp_adds_penalty():
    t = tiny(seed=1)
    t.step(2)
    assert t.snapshot().penalty == 0.0
    t.set_objective("wgan-gp")
    t.step(2)
    assert t.snapshot().penalty > 0.0


def test_set_learning_rates():
    t = tiny()
    t.step(1)
    t.set_learning_rates(lr_g=3e-4)
    assert [g["lr"] for g in t.opt_g.param_groups] == [3e-4]
    assert [g["lr"] for g in t.opt_d.param_groups] == [1e-3]  # unchanged
    t.set_learning_rates(lr_d=7e-3)
    assert [g["lr"] for g in t.opt_g.param_groups] == [3e-4]
    assert [g["lr"] for g in t.opt_d.param_groups] == [7e-3]
    assert (t.config.lr_g, t.config.lr_d) == (3e-4, 7e-3)


def test_set_learning_rates_changes_the_update_size():
    """Adam's first step moves each weight by ≈ lr: a 10× rate gives a ≈ 10× move."""
    a, b = tiny(seed=2), tiny(seed=2)
    b.set_learning_rates(lr_d=1e-2)
    before = [p.detach().clone() for p in a.D.parameters()]
    a.step(1)
    b.step(1)
    move_a = max((p - q).abs().max().item() for p, q in zip(a.D.parameters(), before, strict=True))
    move_b = max((p - q).abs().max().item() for p, q in zip(b.D.parameters(), before, strict=True))
    assert move_b == pytest.approx(10 * move_a, rel=0.05)


def test_set_learning_rates_rejects_bad_values():
    t = tiny()
    with pytest.raises(ValueError):
        t.set_learning_rates(lr_g=0.0)
    with pytest.raises(ValueError):
        t.set_learning_rates(lr_d=float("nan"))


@pytest.mark.parametrize("update", ["alt", "sim"])
def test_set_n_critic_changes_d_steps(update):
    t = tiny(n_critic=1, update=update)
    t.step(3)
    assert _adam_steps(t.opt_d) == 3 and _adam_steps(t.opt_g) == 3
    t.set_n_critic(4)
    assert t.config.n_critic == 4
    t.step(2)
    assert _adam_steps(t.opt_d) == 3 + 2 * 4
    assert _adam_steps(t.opt_g) == 5
    assert t.step_count == 5


def test_default_n_critic_for_wgan_gp_counts_five_d_steps():
    t = tiny(objective="wgan-gp")
    t.step(2)
    assert _adam_steps(t.opt_d) == 10 and _adam_steps(t.opt_g) == 2


# --- snapshot -------------------------------------------------------------------------------------


def test_snapshot_contract():
    t = tiny(seed=0)
    t.step(3)
    s = t.snapshot()
    assert isinstance(s, Snapshot) and s.step == 3
    assert s.fakes.shape == (2500, 2) and s.fakes.dtype == np.float32
    assert not s.fakes.flags.writeable
    with pytest.raises(ValueError):
        s.fakes[0, 0] = 1.0
    for name in ("g_loss", "d_loss", "penalty", "d_real", "d_fake", "g_grad_norm", "d_grad_norm"):
        value = getattr(s, name)
        assert type(value) is float and math.isfinite(value), name
    assert s.penalty == 0.0
    assert s.g_grad_norm > 0 and s.d_grad_norm > 0


def test_snapshot_does_not_alias_training():
    t = tiny(seed=0)
    t.step(3)
    s = t.snapshot()
    kept = s.fakes.copy()
    t.step(5)
    assert np.array_equal(s.fakes, kept)
    assert not np.array_equal(t.snapshot().fakes, kept)  # training did move G
    assert not np.shares_memory(s.fakes, t.snapshot().fakes)


def test_snapshot_before_any_step_has_nan_losses():
    s = tiny().snapshot()
    assert s.step == 0 and math.isnan(s.g_loss) and math.isnan(s.d_loss)
    assert np.isfinite(s.fakes).all()


def test_snapshot_losses_are_the_objective_of_the_last_batch():
    """For WGAN the recorded D loss is E D(x̃) − E D(x) of the recorded means."""
    t = tiny(objective="wgan-gp", seed=2)
    t.step(2)
    s = t.snapshot()
    assert s.d_loss == pytest.approx(s.d_fake - s.d_real, rel=1e-5, abs=1e-7)
    assert s.penalty > 0


@pytest.mark.parametrize("objective", ["minimax", "nonsaturating"])
def test_snapshot_d_means_are_probabilities_for_sigmoid_objectives(objective):
    """Snapshot.d_real / d_fake are σ(D) for the sigmoid objectives (the Snapshot field comments)."""
    t = tiny(objective=objective, seed=2, lr_d=5e-2)
    t.step(10)
    s = t.snapshot()
    assert 0.0 < s.d_fake < s.d_real < 1.0  # a D trained at a high rate separates real from fake


def test_snapshot_does_not_change_training():
    a, b = tiny(seed=4), tiny(seed=4)
    for _ in range(4):
        a.step(2)
        b.step(2)
        b.snapshot()
    assert np.array_equal(a.fakes(), b.fakes())


@pytest.mark.parametrize("spectral_norm", [False, True], ids=["plain", "spectral_norm"])
def test_evaluate_does_not_change_training(spectral_norm):
    """trainer.evaluate's docstring: 'evaluating never changes training'."""
    a, b = tiny(seed=4, spectral_norm=spectral_norm), tiny(seed=4, spectral_norm=spectral_norm)
    for _ in range(3):
        a.step(2)
        b.step(2)
        b.evaluate(n_w1=50)
    assert np.array_equal(a.fakes(), b.fakes())


def test_evaluate_reports_the_mode_metrics_of_the_fakes():
    t = tiny(seed=0, dataset="grid25")
    t.step(5)
    fakes = t.fakes()
    out = t.evaluate(n_w1=200)
    want = mode_stats(fakes, t.dataset.centres, t.dataset.sigma).as_dict()
    for key in ("modes", "modes_robust", "hq"):
        assert out[key] == want[key]
    assert math.isfinite(out["w1"]) and out["w1"] > 0
    assert "critic_estimate" not in out  # non-saturating: a classifier, not a critic
    wgan = tiny(seed=0, objective="wgan-gp")
    wgan.step(2)
    critic = wgan.evaluate(n_w1=50)
    assert math.isfinite(critic["critic_estimate"])
    assert critic["w1_floor"] == pytest.approx(w1_floor(wgan.dataset, 50), rel=1e-12)
    assert "modes" not in tiny(dataset="moons").evaluate(n_w1=50)


# --- every objective runs -------------------------------------------------------------------------


@pytest.mark.parametrize("objective", OBJECTIVES.names())
@pytest.mark.parametrize("dataset", ["ring8", "moons", "spiral"])
def test_every_objective_runs_without_nan(objective, dataset):
    t = tiny(objective=objective, dataset=dataset, seed=1)
    t.step(20)
    s = t.snapshot()
    assert s.step == 20
    assert np.isfinite(s.fakes).all()
    for name in ("g_loss", "d_loss", "penalty", "d_real", "d_fake", "g_grad_norm", "d_grad_norm"):
        assert math.isfinite(getattr(s, name)), name
    for p in list(t.G.parameters()) + list(t.D.parameters()):
        assert torch.isfinite(p).all()


@pytest.mark.parametrize("options", [dict(r1=1.0), dict(prior="normal", zdim=3), dict(activation="tanh")])
def test_options_run_without_nan(options):
    t = tiny(seed=1, **options)
    t.step(10)
    s = t.snapshot()
    assert np.isfinite(s.fakes).all() and math.isfinite(s.d_loss)
    if "r1" in options:
        assert s.penalty > 0


def test_optimizers_are_built_on_first_use_without_dynamo_in_the_process():
    """The window's mirror never steps: building an optimiser would import torch._dynamo (≈ 125 MB of RSS)."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "from ganviz.core.training.config import TrainConfig\n"
        "from ganviz.core.training.trainer import Trainer\n"
        "from ganviz.core.analysis.metrics import wasserstein1\n"
        "t = Trainer(TrainConfig(hidden=8, layers=1, n_fixed=50, seed=0, threads=1))\n"
        "t.set_learning_rates(1e-3, 2e-3)\n"
        "t.fakes(); wasserstein1(np.zeros((20, 2)), np.ones((20, 2)))\n"
        "print(sorted(m for m in ('torch._dynamo', 'ot', 'sklearn', 'sympy') if m in sys.modules))\n"
        "t.step(1)\n"
        "print('torch._dynamo' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "[]"
    # a real step builds them, and ganviz.core.training.optim's optimisers do not import torch._dynamo either
    # (tests/core/test_optim.py checks that torch's own would, so the check can fail)
    assert out[1] == "False"


def test_loaded_optimizer_state_waits_for_first_use_and_takes_later_settings():
    t = tiny(seed=3)
    t.step(5)
    state = copy.deepcopy(t.state_dict())
    r = Trainer.from_state_dict(copy.deepcopy(state))
    assert not r._optimizers  # not built yet: the state is pending
    r.set_learning_rates(lr_g=5e-4)
    assert r.opt_g.param_groups[0]["lr"] == 5e-4  # the later setting wins over the loaded one
    assert r.opt_d.param_groups[0]["lr"] == state["opt_d"]["param_groups"][0]["lr"]
    loaded = r.opt_g.state_dict()["state"]
    assert loaded and all(torch.equal(loaded[k]["exp_avg"], state["opt_g"]["state"][k]["exp_avg"]) for k in loaded)
