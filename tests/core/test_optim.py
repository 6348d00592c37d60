"""ganviz.core.training.optim: torch's optimisers, bit for bit, without importing torch._dynamo."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest
import torch

from ganviz.core.training import optim

KINDS = {
    "adam-fused": (optim.Adam, torch.optim.Adam, {"lr": 1e-2, "betas": (0.5, 0.9), "fused": True}),
    "adam": (optim.Adam, torch.optim.Adam, {"lr": 1e-2, "betas": (0.5, 0.999)}),
    "rmsprop": (optim.RMSprop, torch.optim.RMSprop, {"lr": 1e-3}),
    "sgd-fused": (optim.SGD, torch.optim.SGD, {"lr": 1e-2, "fused": True}),
}


def _net(seed: int) -> torch.nn.Sequential:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))


def _train(net, opt, steps: int, seed: int = 1) -> None:
    gen = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        x = torch.randn(32, 2, generator=gen)
        opt.zero_grad(set_to_none=True)
        net(x).pow(2).mean().backward()
        opt.step()


@pytest.mark.parametrize("kind", list(KINDS))
def test_same_arithmetic_as_torch_bit_for_bit(kind):
    ours_cls, torch_cls, kw = KINDS[kind]
    a, b = _net(0), _net(0)
    ours, theirs = ours_cls(a.parameters(), **kw), torch_cls(b.parameters(), **kw)
    assert isinstance(ours, torch_cls)
    _train(a, ours, 7)
    _train(b, theirs, 7)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)
        assert pa.grad is not None  # zero_grad(set_to_none) leaves the last step's grads until the next one
    sa, sb = ours.state_dict(), theirs.state_dict()
    assert sa["param_groups"] == sb["param_groups"]
    for i, state in sb["state"].items():
        for key, value in state.items():
            assert torch.equal(sa["state"][i][key], value), (i, key)


@pytest.mark.parametrize("kind", ["adam-fused", "rmsprop"])
def test_state_dicts_move_both_ways_between_ours_and_torchs(kind):
    """A session saved with torch.optim's state loads into ours, and goes on exactly as torch's would."""
    ours_cls, torch_cls, kw = KINDS[kind]
    a, b = _net(3), _net(3)
    theirs = torch_cls(b.parameters(), **kw)
    _train(b, theirs, 4)
    a.load_state_dict(b.state_dict())
    ours = ours_cls(a.parameters(), **kw)
    ours.load_state_dict(copy.deepcopy(theirs.state_dict()))  # torch's state dict aliases the live state
    _train(a, ours, 3, seed=9)
    _train(b, theirs, 3, seed=9)
    assert all(torch.equal(pa, pb) for pa, pb in zip(a.parameters(), b.parameters(), strict=True))
    back = torch_cls(_net(0).parameters(), **kw)
    back.load_state_dict(ours.state_dict())
    assert back.state_dict()["param_groups"] == theirs.state_dict()["param_groups"]


def test_zero_grad_without_set_to_none_zeroes_in_place():
    net = _net(0)
    opt = optim.SGD(net.parameters(), lr=0.1)
    net(torch.ones(1, 2)).sum().backward()
    grads = [p.grad for p in net.parameters()]
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is g and not g.any() for p, g in zip(net.parameters(), grads, strict=True))


def test_no_dynamo_import_while_torchs_own_optimiser_does(child_env):
    code = (
        "import sys, torch\n"
        "from ganviz.core.training import optim\n"
        "net = torch.nn.Linear(2, 1)\n"
        "for opt in (optim.Adam(net.parameters(), fused=True), optim.Adam(net.parameters()),\n"
        "            optim.RMSprop(net.parameters()), optim.SGD(net.parameters(), lr=0.1, fused=True)):\n"
        "    opt.zero_grad(); net(torch.ones(3, 2)).sum().backward(); opt.step()\n"
        "    opt.load_state_dict(opt.state_dict())\n"
        "print('torch._dynamo' in sys.modules)\n"
        "torch.optim.Adam(net.parameters())\n"
        "print('torch._dynamo' in sys.modules)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], env=child_env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    out = r.stdout.split()
    assert out == ["False", "True"]  # the second: torch's own does import it, so the first check can fail
