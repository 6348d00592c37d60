"""The convergence and mode-collapse toolbox, each method against its definition on tiny nets."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F

from ganviz.core.training.config import ConfigError, TrainConfig
from ganviz.core.training.objectives import get_objective
from ganviz.core.training.remedies import REMEDIES, LeCamAnchors, OptimisticAdam, lookahead_state, noise_sigma, pack
from ganviz.core.training.trainer import Trainer

TINY = dict(hidden=16, layers=2, batch=32)


def tiny(**changes) -> Trainer:
    return Trainer(TrainConfig(**{**TINY, **changes}))


def fix_batches(t: Trainer, seed: int = 5) -> tuple[torch.Tensor, torch.Tensor]:
    """Replace the trainer's batch draws by fixed tensors, so a hand-written step can use the same ones."""
    g = torch.Generator().manual_seed(seed)
    real = torch.randn(t.config.batch, 2, generator=g)
    z = torch.rand(t.config.batch, t.config.zdim, generator=g) * 2 - 1
    t.real_batch = lambda n=None: real.clone()
    t.latent_batch = lambda n=None: z.clone()
    return real, z


def params(model) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


def assert_params(model, expected, **tol) -> None:
    for p, e in zip(model.parameters(), expected):
        torch.testing.assert_close(p.detach(), e, **tol)


def test_every_remedy_is_registered_with_a_config_field():
    fields = TrainConfig.__dataclass_fields__
    assert set(REMEDIES.names()) == {
        "instance-noise", "r2", "pack", "lecam", "consensus", "unroll", "extragradient", "optimistic-adam"
    }  # fmt: skip
    for name in REMEDIES:
        r = REMEDIES.get(name)
        assert r.field in fields
        assert not r.active(TrainConfig())  # all off by default


# --- instance noise -------------------------------------------------------------------------------


def test_instance_noise_adds_its_variance_to_both_inputs_of_d():
    t = tiny(instance_noise=0.5, batch=4096)
    seen = []
    t.D.register_forward_hook(lambda m, inp, out: seen.append(inp[0].detach().clone()))
    real, z = fix_batches(t)
    real = torch.zeros(4096, 2)
    t.real_batch = lambda n=None: real.clone()
    with torch.no_grad():
        fake = t.G(z)
    t._d_step(False)
    joint = seen[0]  # D(cat[real + noise, fake + noise])
    noise_real, noise_fake = joint[:4096] - real, joint[4096:] - fake
    for noise in (noise_real, noise_fake):
        assert abs(noise.var().item() - 0.25) < 0.02
        assert abs(noise.mean().item()) < 0.03


def test_instance_noise_anneals_linearly_to_zero():
    assert noise_sigma(0.8, 0, 10_000) == 0.8
    assert noise_sigma(0.8, 100, 0) == 0.8
    assert noise_sigma(0.8, 100, 25) == pytest.approx(0.6)
    assert noise_sigma(0.8, 100, 100) == 0.0 and noise_sigma(0.8, 100, 250) == 0.0
    t = tiny(instance_noise=0.3, instance_noise_anneal=4)
    sigmas = []
    for _ in range(6):
        sigmas.append(t.noise_sigma())
        t.step(1)
    assert sigmas == pytest.approx([0.3, 0.225, 0.15, 0.075, 0.0, 0.0])
    # annealed away, D sees the points themselves
    seen = []
    t.D.register_forward_hook(lambda m, inp, out: seen.append(inp[0].detach().clone()))
    real, z = fix_batches(t)
    t._d_step(False)
    torch.testing.assert_close(seen[0][: len(real)], real, rtol=0, atol=0)


# --- R2 -------------------------------------------------------------------------------------------


def test_r2_is_half_gamma_mean_squared_gradient_on_fakes():
    gamma = 3.0
    t = tiny(r2=gamma)
    real, z = fix_batches(t)
    with torch.no_grad():
        fake = t.G(z)
    d = copy.deepcopy(t.D)
    x = fake.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(d(x).sum(), x)
    expected = gamma / 2 * (grad**2).sum(dim=1).mean()
    _, _, penalty = t._d_forward(real, fake)
    torch.testing.assert_close(penalty.detach(), expected)
    # and it is in D's loss: D's step equals the hand-written step with the penalty
    t.step(1)
    assert t.snapshot().penalty == pytest.approx(expected.item(), rel=1e-5)


# --- PacGAN ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("objective", ["nonsaturating", "minimax", "lsgan", "hinge", "wgan", "wgan-gp"])
def test_pack_widens_d_and_trains_with_every_objective(objective):
    t = tiny(pack=4, objective=objective)
    first = next(m for m in t.D.modules() if isinstance(m, torch.nn.Linear))
    assert first.in_features == 8
    t.step(2)
    snap = t.snapshot()
    assert all(map(torch.isfinite, torch.tensor([snap.g_loss, snap.d_loss])))
    # single points (the window's D surface) read as the pack (x, x, x, x)
    x = torch.randn(5, 2)
    torch.testing.assert_close(t.critic_values(x), t.critic_values(x.repeat(1, 4)))


def test_pack_groups_consecutive_samples():
    x = torch.arange(12.0).reshape(6, 2)
    packed = pack(x, 3)
    assert packed.shape == (2, 6)
    assert packed[0].tolist() == [0, 1, 2, 3, 4, 5] and packed[1].tolist() == [6, 7, 8, 9, 10, 11]
    t = tiny(pack=2)
    seen = []
    t.D.register_forward_hook(lambda m, inp, out: seen.append(inp[0].detach().clone()))
    real, z = fix_batches(t)
    t._d_step(False)
    assert seen[0].shape == (32, 4)  # 16 real packs then 16 fake packs
    torch.testing.assert_close(seen[0][:16], torch.cat([real[0::2], real[1::2]], dim=1))


def test_pack_must_divide_the_batch():
    with pytest.raises(ConfigError, match="batch 30 is not divisible by pack 4"):
        TrainConfig(batch=30, pack=4).validate()


# --- LeCam ----------------------------------------------------------------------------------------


def test_lecam_anchors_are_an_ema_and_the_penalty_matches_the_definition():
    anchors = LeCamAnchors(torch.device("cpu"))
    r1, f1 = torch.tensor([1.0, 3.0]), torch.tensor([-2.0, 0.0])
    anchors.update(r1, f1)  # the first update sets them
    assert anchors.anchors.tolist() == [2.0, -1.0]
    r2, f2 = torch.tensor([4.0]), torch.tensor([1.0])
    anchors.update(r2, f2)
    torch.testing.assert_close(anchors.anchors, torch.tensor([0.99 * 2 + 0.01 * 4, 0.99 * -1 + 0.01 * 1]))
    ar, af = anchors.anchors.tolist()
    d_real, d_fake = torch.tensor([0.0, -1.5, 5.0]), torch.tensor([3.0, 1.0])
    by_hand = sum(max(0.0, v - af) ** 2 for v in d_real.tolist()) / 3
    by_hand += sum(max(0.0, ar - v) ** 2 for v in d_fake.tolist()) / 2
    assert anchors.penalty(d_real, d_fake, 0.5).item() == pytest.approx(0.5 * by_hand, rel=1e-6)


def test_lecam_in_the_trainer_uses_d_outputs_and_resumes():
    t = tiny(lecam=0.3)
    real, z = fix_batches(t)
    with torch.no_grad():
        fake = t.G(z)
        d_real, d_fake = t.D(real), t.D(fake)
    t.step(1)
    torch.testing.assert_close(t.lecam.anchors, torch.stack([d_real.mean(), d_fake.mean()]))
    expected = 0.3 * (F.relu(d_real - d_fake.mean()).pow(2).mean() + F.relu(d_real.mean() - d_fake).pow(2).mean())
    assert t.snapshot().penalty == pytest.approx(expected.item(), rel=1e-5)
    state = t.state_dict()
    t.step(2)
    u = Trainer.from_state_dict(state)
    fix_batches(u)
    u.step(2)
    torch.testing.assert_close(u.lecam.anchors, t.lecam.anchors, rtol=0, atol=0)


# --- consensus optimisation ------------------------------------------------------------------------


def test_consensus_step_equals_a_hand_written_step():
    gamma, lr = 0.7, 0.05
    t = tiny(consensus=gamma, update="sim", optimizer="sgd", lr_g=lr, lr_d=lr)
    real, z = fix_batches(t)
    G, D = copy.deepcopy(t.G), copy.deepcopy(t.D)
    obj = get_objective("nonsaturating")
    pd, pg = list(D.parameters()), list(G.parameters())
    fake = G(z)
    out = D(torch.cat([real, fake]))
    g_d = torch.autograd.grad(obj.d_loss(out[:32], out[32:]), pd, create_graph=True)
    g_g = torch.autograd.grad(obj.g_loss(D(fake)), pg, create_graph=True)
    norm = 0.5 * sum((g**2).sum() for g in (*g_d, *g_g))
    h = torch.autograd.grad(norm, pd + pg)
    expected = [(p - lr * (g + gamma * e)).detach() for p, g, e in zip(pd + pg, (*g_d, *g_g), h)]
    t.step(1)
    assert_params(torch.nn.ModuleList([t.D, t.G]), expected, rtol=1e-5, atol=1e-6)
    # the γ term is not nothing: plain simultaneous GD lands elsewhere
    plain = [(p - lr * g).detach() for p, g in zip(pd + pg, (*g_d, *g_g))]
    assert max((a - b).abs().max().item() for a, b in zip(expected, plain)) > 1e-5


def test_consensus_is_a_simultaneous_update_whatever_update_says():
    a, b = tiny(consensus=0.5, update="alt"), tiny(consensus=0.5, update="sim")
    a.step(2)
    b.step(2)
    for p, q in zip([*a.G.parameters(), *a.D.parameters()], [*b.G.parameters(), *b.D.parameters()]):
        assert torch.equal(p, q)


# --- unrolled GAN ---------------------------------------------------------------------------------


@pytest.mark.parametrize("optimizer, second", [("adam", "exp_avg_sq"), ("rmsprop", "square_avg")])
def test_lookahead_starts_from_copies_of_the_optimisers_moments(optimizer, second):
    t = tiny(optimizer=optimizer)
    ps = list(t.D.parameters())
    fresh = lookahead_state(t.opt_d, ps)  # before D's first step: zeros
    assert all(not m.any() and not v.any() for m, v in zip(fresh["m"], fresh["v"]))
    t.step(2)
    state = lookahead_state(t.opt_d, ps)
    for p, v in zip(ps, state["v"]):
        assert torch.equal(v, t.opt_d.state[p][second]) and v.data_ptr() != t.opt_d.state[p][second].data_ptr()
    if optimizer == "adam":
        assert all(torch.equal(m, t.opt_d.state[p]["exp_avg"]) for p, m in zip(ps, state["m"]))


@pytest.mark.parametrize("update", ["alt", "sim"])
def test_unroll_zero_is_the_plain_step_bit_for_bit(update):
    a, b = tiny(update=update), tiny(update=update, unroll=0)
    a.step(3)
    b.step(3)
    for p, q in zip([*a.G.parameters(), *a.D.parameters()], [*b.G.parameters(), *b.D.parameters()]):
        assert torch.equal(p, q)


def test_unrolled_g_step_equals_a_hand_written_one():
    k, lr = 2, 0.05
    t = tiny(unroll=k, optimizer="sgd", lr_g=lr, lr_d=lr)
    real, z = fix_batches(t)
    t._d_step(False)  # the D step of this iteration (plain), then G's unrolled step by hand
    G, D = copy.deepcopy(t.G), copy.deepcopy(t.D)
    obj = get_objective("nonsaturating")
    fake = G(z)
    w = [p.detach().requires_grad_(True) for p in D.parameters()]

    def d(ws, x):  # the 2-16-16-1 ReLU MLP, written out
        h = F.relu(F.linear(x, ws[0], ws[1]))
        h = F.relu(F.linear(h, ws[2], ws[3]))
        return F.linear(h, ws[4], ws[5])

    for _ in range(k):
        loss = obj.d_loss(d(w, real), d(w, fake))
        grads = torch.autograd.grad(loss, w, create_graph=True)
        w = [p - lr * g for p, g in zip(w, grads)]
    g_grads = torch.autograd.grad(obj.g_loss(d(w, fake)), list(G.parameters()))
    expected = [(p - lr * g).detach() for p, g in zip(G.parameters(), g_grads)]
    d_after = params(t.D)
    t._g_step(False)
    assert_params(t.G, expected, rtol=1e-5, atol=1e-6)
    assert_params(t.D, d_after, rtol=0, atol=0)  # look-ahead steps leave D itself alone
    # and the look-ahead changes G's step
    plain = torch.autograd.grad(obj.g_loss(D(G(z))), list(G.parameters()))
    assert max((a - b).abs().max().item() for a, b in zip(g_grads, plain)) > 1e-6


# --- extragradient and optimistic Adam -------------------------------------------------------------


def _joint_grads(G, D, real, z, obj):
    fake = G(z)
    out = D(torch.cat([real, fake.detach()]))
    g_d = torch.autograd.grad(obj.d_loss(out[: len(real)], out[len(real) :]), list(D.parameters()))
    g_g = torch.autograd.grad(obj.g_loss(D(fake)), list(G.parameters()))
    return g_d, g_g


def test_extragradient_step_equals_a_hand_written_step():
    lr = 0.05
    t = tiny(update="extragradient", optimizer="sgd", lr_g=lr, lr_d=lr)
    real, z = fix_batches(t)
    G, D = copy.deepcopy(t.G), copy.deepcopy(t.D)
    obj = get_objective("nonsaturating")
    w0 = params(D) + params(G)
    g_d, g_g = _joint_grads(G, D, real, z, obj)
    with torch.no_grad():  # extrapolate
        for p, g in zip([*D.parameters(), *G.parameters()], (*g_d, *g_g)):
            p -= lr * g
    g_d, g_g = _joint_grads(G, D, real, z, obj)
    expected = [w - lr * g for w, g in zip(w0, (*g_d, *g_g))]
    t.step(1)
    assert_params(torch.nn.ModuleList([t.D, t.G]), expected, rtol=1e-5, atol=1e-6)


def test_optimistic_adam_matches_its_update_rule():
    lr, b1, b2, eps = 0.01, 0.5, 0.9, 1e-8
    w = torch.nn.Parameter(torch.tensor([1.0, -2.0, 0.5]))
    opt = OptimisticAdam([w], lr=lr, betas=(b1, b2))
    ref, m, v, prev = w.detach().clone(), torch.zeros(3), torch.zeros(3), torch.zeros(3)
    for t_ in range(1, 5):
        g = torch.tensor([0.3, -1.0, 2.0]) * t_ + ref  # depends on the point, like a real gradient
        w.grad = g.clone()
        opt.step()
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        u = lr * (m / (1 - b1**t_)) / ((v / (1 - b2**t_)).sqrt() + eps)
        ref = ref - 2 * u + prev
        prev = u
        torch.testing.assert_close(w.detach(), ref)


def test_optimistic_adam_in_the_trainer_trains_and_resumes():
    t = tiny(optimizer="optimistic-adam")
    assert isinstance(t.opt_d, OptimisticAdam) and isinstance(t.opt_g, OptimisticAdam)
    t.step(2)
    state = t.state_dict()
    t.step(3)
    u = Trainer.from_state_dict(state)
    u.step(3)
    for p, q in zip([*t.G.parameters(), *t.D.parameters()], [*u.G.parameters(), *u.D.parameters()]):
        assert torch.equal(p, q)


# --- carried by sessions and named in compare mode ------------------------------------------------


def test_a_session_file_resumes_the_toolbox_bit_for_bit(tmp_path):
    from ganviz.core.files.session import load_session, save_session

    t = tiny(lecam=0.2, pack=2, optimizer="optimistic-adam", instance_noise=0.1, unroll=1, r2=0.5)
    t.step(3)
    save_session(tmp_path / "s.gvz", t)
    u = load_session(tmp_path / "s.gvz").make_trainer()
    assert u.config == t.config
    t.step(2)
    u.step(2)
    for p, q in zip([*t.G.parameters(), *t.D.parameters()], [*u.G.parameters(), *u.D.parameters()]):
        assert torch.equal(p, q)
    assert torch.equal(t.lecam.anchors, u.lecam.anchors)


def test_compare_titles_name_the_remedies():
    from ganviz.core.runs.compare import run_title

    config = TrainConfig(pack=2, unroll=5, update="extragradient")
    assert run_title(config) == "Non-saturating + PacGAN2 + unrolled 5 + extragradient"


LIVE_VALUES = {
    "instance_noise": 0.3,
    "instance_noise_anneal": 5,
    "r2": 0.5,
    "lecam": 0.3,
    "consensus": 0.2,
    "unroll": 2,
    "update": "extragradient",
}


@pytest.mark.parametrize("field", sorted(LIVE_VALUES))
def test_a_live_remedy_setting_trains_as_if_set_from_the_start(field):
    """set_regularisers (the window's dock, through the engine) takes every remedies.LIVE_FIELDS setting: a
    trainer switched at step 0 trains bit for bit as one built with it."""
    from ganviz.core.training.remedies import LIVE_FIELDS

    assert set(LIVE_VALUES) == LIVE_FIELDS
    changes = {field: LIVE_VALUES[field]}
    if field == "instance_noise_anneal":
        changes["instance_noise"] = 0.3
    switched, built = tiny(), tiny(**changes)
    switched.set_regularisers(**changes)
    assert switched.config == built.config
    switched.step(3)
    built.step(3)
    for a, b in zip(switched.G.parameters(), built.G.parameters()):
        assert torch.equal(a, b)


def test_settings_that_are_not_live_are_refused_in_one_line():
    t = tiny()
    with pytest.raises(TypeError, match="not a live setting: pack; live: "):
        t.set_regularisers(pack=2)
    with pytest.raises(ConfigError, match="r2"):
        t.set_regularisers(r2=-1.0)


@pytest.mark.parametrize(
    "changes, plain, with_sn",
    [
        # per generator step: D forwards of the D step (loss, penalties) + G's; the sim step: D's + G's critic
        ({"r1": 1.0}, 2 + 1, 2 + 1),  # R1 on the loss's own forward; with SN a joint forward + one for R1
        ({"r1": 1.0, "r2": 1.0}, 2 + 1, 3 + 1),
        ({"update": "sim"}, 1, 2),  # G's loss from D's own forward; with SN its own forward, as before
        ({"update": "sim", "instance_noise": 0.1}, 2, 2),  # fresh noise for G's critic: its own forward
    ],
)
def test_d_forwards_per_step_keep_spectral_norms_power_iterations(changes, plain, with_sn):
    """The faster layouts (R1/R2 on split forwards, the simultaneous step's shared D forward) apply without
    spectral norm only: each SN forward advances the power iteration, so there the forward count is kept."""
    for sn, expected in ((False, plain), (True, with_sn)):
        t = tiny(spectral_norm=sn, **changes)
        t.step(1)  # optimisers built, first-step paths taken
        calls = []
        handle = t.D.register_forward_hook(lambda *_, calls=calls: calls.append(1))
        t.step(1)
        handle.remove()
        assert len(calls) == expected, (changes, sn)
