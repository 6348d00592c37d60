"""torch's Adam, RMSprop and SGD, stepped without importing torch._dynamo.

Every `torch.optim` optimiser imports torch._dynamo the first time it is used: `add_param_group`, `zero_grad`,
`state_dict` and `load_state_dict` are wrapped in `torch._disable_dynamo`, which imports it on first call, and
`step` in `_use_grad_for_differentiable`, which imports it on every call. That import (with sympy and networkx)
costs a `ganviz train` run ≈ 0.9 s of start-up and a process ≈ 125 MB of RSS, and only matters under
`torch.compile`, which ganviz does not use. Fused, foreach and single-tensor Adam all pay it alike.

The classes here are the torch classes (isinstance holds, the state dict is torch's own format, so sessions
saved before load unchanged) with those methods replaced by the undecorated torch functions they wrap: the same
arithmetic, bit for bit (tests/core/test_optim.py checks it against torch.optim). `step` also skips torch's
per-call profiler hook wrapper, which makes it faster than `torch.optim.Adam(fused=True).step()`
(docs/performance.md). Should a torch release drop the `__wrapped__` links, `inspect.unwrap` returns the
decorated function itself: still correct, only the import comes back (a test would say so).
"""

from __future__ import annotations

import inspect
from typing import Any

import torch
from torch.optim import Optimizer

_ADD_PARAM_GROUP = inspect.unwrap(Optimizer.add_param_group)
_ZERO_GRAD = inspect.unwrap(Optimizer.zero_grad)
_STATE_DICT = inspect.unwrap(Optimizer.state_dict)
_LOAD_STATE_DICT = inspect.unwrap(Optimizer.load_state_dict)


class _NoDynamo:
    """Mixin placed before a torch optimiser class; `_raw_step` is that class's undecorated step."""

    _raw_step: Any

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        _ADD_PARAM_GROUP(self, param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        if not set_to_none:
            _ZERO_GRAD(self, False)
            return
        for group in self.param_groups:  # type: ignore[attr-defined]
            for p in group["params"]:
                p.grad = None

    def state_dict(self) -> dict[str, Any]:
        return _STATE_DICT(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        _LOAD_STATE_DICT(self, state_dict)

    def step(self, closure=None):
        # what torch's wrapper does around the step: no autograd graph through the update (differentiable=False)
        with torch.no_grad():
            return type(self)._raw_step(self, closure)

    # Optimizer.__init__ wraps a class's step in a profiler hook unless it is marked as already hooked
    step.hooked = True  # type: ignore[attr-defined]


class Adam(_NoDynamo, torch.optim.Adam):
    _raw_step = staticmethod(inspect.unwrap(torch.optim.Adam.step))


class RMSprop(_NoDynamo, torch.optim.RMSprop):
    _raw_step = staticmethod(inspect.unwrap(torch.optim.RMSprop.step))


class SGD(_NoDynamo, torch.optim.SGD):
    _raw_step = staticmethod(inspect.unwrap(torch.optim.SGD.step))
