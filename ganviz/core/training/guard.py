"""Divergence guard for the trainer process: NaN/Inf detection, in-memory checkpoints, roll-back.

The trainer child calls `check()` when it publishes (≤ 60 times a second, so at most one host sync per
publish, none per step): it tests the last step's losses and a checksum of every weight (the norms of all
parameters in one fused op) for NaN/Inf. A state that passes is kept as a checkpoint every `every`
generator steps (two are kept). On a failed check the trainer is rolled back to the older checkpoint (the
newer one is < `every` steps before the blow-up and may already be on its way there): both networks, both
optimisers' state, the random streams and the step count, while the current settings (learning rates,
betas, objective) stay as they are now.

Headless runs (`ganviz train`, sweep runs) use the same guard through `train_guarded`: check after each
chunk of steps, and on a blow-up roll back and stop, so that nothing NaN is written as if it were a result.
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import torch

from ganviz.core.training.objectives import get_objective
from ganviz.core.training.trainer import Trainer

CHECKPOINT_EVERY = 200


def suggestion(trainer: Trainer) -> str:
    """What to try after a divergence, naming the current settings."""
    c = trainer.config
    d = get_objective(c.objective).defaults
    text = (
        f"lower the learning rates (now G {c.lr_g:g}, D {c.lr_d:g}; "
        f"{c.objective}'s defaults are G {d.lr_g:g}, D {d.lr_d:g})"
    )
    if c.lr_g <= 2 * d.lr_g and c.lr_d <= 2 * d.lr_d:
        extras = []
        if not c.spectral_norm:
            extras.append("spectral normalisation")
        if c.r1 == 0 and not trainer.objective.uses_gradient_penalty:
            extras.append("an R1 penalty")
        if extras:
            text += ", or add " + " or ".join(extras)
    return text


class DivergenceGuard:
    def __init__(self, trainer: Trainer, every: int = CHECKPOINT_EVERY) -> None:
        self.trainer = trainer
        self.every = every
        self.checkpoints: deque[dict] = deque(maxlen=2)
        self.checked_step: int | None = None
        self.check()  # a finite starting state (fresh or loaded) is the first checkpoint

    def _params(self) -> list[torch.Tensor]:
        t = self.trainer
        return [p.detach() for p in (*t.G.parameters(), *t.D.parameters())]

    def finite(self, losses: torch.Tensor | None = None) -> bool:
        """One host sync: are the weights (and these losses) all finite?"""
        norms = torch.stack(torch._foreach_norm(self._params()))
        values = norms if losses is None else torch.cat([norms, losses.detach().reshape(-1).to(norms)])
        return bool(torch.isfinite(values.sum()))

    def check(self, losses: torch.Tensor | None = None) -> tuple[int, int, str] | None:
        """None when all is finite (and maybe a new checkpoint); else roll back and return
        (step detected, step restored, suggestion). Restored is the detected step when there was no
        checkpoint to go back to (a loaded state that was already broken)."""
        t = self.trainer
        if t.step_count == self.checked_step:
            return None
        if self.finite(losses):
            self.checked_step = t.step_count
            if not self.checkpoints or t.step_count - self.checkpoints[-1]["step"] >= self.every:
                self.checkpoints.append(t.state_dict())
            return None
        detected = t.step_count
        restored = self.rollback() if self.checkpoints else detected
        return detected, restored, suggestion(t)

    def rollback(self) -> int:
        """Back to the older kept checkpoint; returns its step."""
        t = self.trainer
        kept = self.checkpoints[0]
        self.checkpoints.clear()
        self.checkpoints.append(kept)
        state = copy.deepcopy(kept)  # optimisers keep (not copy) what they load: keep the checkpoint clean
        c = t.config
        if state["config"].get("optimizer") != c.optimizer:  # changed since: start that optimiser afresh
            state["opt_g"] = t._make_optimizer(t.G, c.lr_g).state_dict()
            state["opt_d"] = t._make_optimizer(t.D, c.lr_d).state_dict()
        t.load_state_dict(state)
        # an optimiser's state dict carries its hyper-parameters: keep the ones set now
        for opt, lr in ((t.opt_g, c.lr_g), (t.opt_d, c.lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr
                if c.optimizer == "adam":
                    group["betas"] = (c.beta1, c.beta2)
        self.checked_step = t.step_count
        return t.step_count


# --- headless runs --------------------------------------------------------------------------------

LOSS_KEYS = ("g_loss", "d_loss", "penalty", "d_real", "d_fake")


@dataclass(frozen=True)
class Divergence:
    """A headless run that blew up, and the finite state it was rolled back to."""

    detected: int  # the first checked step with NaN/Inf in a loss or weight
    last_finite: int | None  # the last checked step that was all finite: the blow-up lies after it
    restored: int  # the step of the state kept
    rolled_back: bool  # False: no finite state to go back to (a start that was already broken)
    suggestion: str

    def message(self) -> str:
        """One line for stderr."""
        seen = f"NaN/Inf in the losses or weights at step {self.detected}"
        if self.last_finite is not None and self.last_finite < self.detected:
            seen += f" (all finite at step {self.last_finite})"
        kept = f"rolled back to step {self.restored}" if self.rolled_back else "no finite state to roll back to"
        return f"diverged: {seen}; {kept}; try to {self.suggestion}"


def divergence_fields(d: Divergence | None) -> dict[str, int | None]:
    """The keys a metrics JSON or a sweep result gets: the step where NaN/Inf was found and the step of the
    state kept (both None for a run that went well)."""
    if d is None:
        return {"diverged_at": None, "rolled_back_to": None}
    return {"diverged_at": d.detected, "rolled_back_to": d.restored if d.rolled_back else None}


def last_losses(trainer: Trainer) -> torch.Tensor | None:
    """The last step's losses and D means, still on the device (no host sync here)."""
    values = [trainer._last[k].detach().float().reshape(()) for k in LOSS_KEYS if k in trainer._last]
    return torch.stack(values) if values else None


def train_guarded(
    trainer: Trainer,
    steps: int,
    chunk: int = 100,
    progress: Callable[[int], None] | None = None,
    every: int = CHECKPOINT_EVERY,
) -> Divergence | None:
    """`steps` generator steps, checked for NaN/Inf every `chunk` steps (one host sync each). None when
    all went well; else the trainer is rolled back to a finite checkpoint (about 2·`every` steps back) and the
    divergence is returned, with no further steps. `progress(done)` after each finite chunk."""
    guard = DivergenceGuard(trainer, every)
    if not guard.checkpoints:  # the starting state is already broken: nothing to train from
        step = trainer.step_count
        return Divergence(step, None, step, False, suggestion(trainer))
    done = 0
    while done < steps:
        last_finite = guard.checked_step
        n = min(chunk, steps - done)
        trainer.step(n)
        done += n
        found = guard.check(last_losses(trainer))
        if found is not None:
            detected, restored, text = found
            return Divergence(detected, last_finite, restored, True, text)
        if progress is not None:
            progress(done)
    return None
