"""The commands a window sends to its trainer process: one small frozen dataclass each (no Qt here).

Two kinds:
- controls (Start, Pause, Step, Save, Stop, Speed, Explain) act on the child's loop, which handles them;
- settings (`Setting`) change the trainer between steps; each knows how to apply itself to a Trainer
  (`apply`), so the child and the window's mirror (ganviz.core.analysis.frames) apply the same code.
Anything else that reaches the child is answered ("rejected", (what, why)) and training goes on.

`setting_commands(old, new)` turns a change of TrainConfig into the settings commands that make a running
trainer match it, and names the fields that no command can change (they need new networks: a reset).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from ganviz.core.training.remedies import LIVE_FIELDS

if TYPE_CHECKING:
    from ganviz.core.training.config import TrainConfig
    from ganviz.core.training.trainer import Trainer


class Command:
    """Base of every command the child understands."""


class Control(Command):
    """Handled by the child's loop itself (running state, pacing, files)."""


class Setting(Command, ABC):
    """Changes the trainer; the child answers with the config it then trains under."""

    @abstractmethod
    def apply(self, trainer: Trainer) -> None: ...


# --- controls -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Start(Control):
    pass


@dataclass(frozen=True)
class Pause(Control):
    pass


@dataclass(frozen=True)
class Step(Control):
    """n single generator steps (while paused)."""

    n: int = 1


@dataclass(frozen=True)
class Save(Control):
    """Write a session from the child's full state; answered ("saved", ...) or ("save_failed", ...)."""

    path: str
    history: dict | None = None


@dataclass(frozen=True)
class Stop(Control):
    pass


@dataclass(frozen=True)
class Speed(Control):
    """At most `rate` generator steps per second; 0 = as fast as possible."""

    rate: float


@dataclass(frozen=True)
class Explain(Control):
    """Slow motion: pause and take one real update apart (ganviz.core.analysis.explain)."""


# --- settings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Freeze(Setting):
    player: str  # "G" | "D"
    on: bool

    def apply(self, trainer: Trainer) -> None:
        trainer.freeze(self.player, self.on)


@dataclass(frozen=True)
class SetObjective(Setting):
    name: str

    def apply(self, trainer: Trainer) -> None:
        trainer.set_objective(self.name)


@dataclass(frozen=True)
class SetDataset(Setting):
    name: str

    def apply(self, trainer: Trainer) -> None:
        trainer.set_dataset(self.name)


@dataclass(frozen=True, eq=False)  # points: an array (no elementwise ==)
class SetCustomPoints(Setting):
    """Drawn data replaces the "custom" dataset (see ganviz.core.data.custom_data)."""

    points: Any
    spread: float | None = None

    def apply(self, trainer: Trainer) -> None:
        trainer.set_custom_points(self.points, self.spread)


@dataclass(frozen=True)
class SetLearningRates(Setting):
    lr_g: float | None = None  # None: unchanged
    lr_d: float | None = None

    def apply(self, trainer: Trainer) -> None:
        trainer.set_learning_rates(self.lr_g, self.lr_d)


@dataclass(frozen=True)
class SetNCritic(Setting):
    k: int

    def apply(self, trainer: Trainer) -> None:
        trainer.set_n_critic(int(self.k))


@dataclass(frozen=True)
class SetBatch(Setting):
    n: int

    def apply(self, trainer: Trainer) -> None:
        trainer.set_batch(int(self.n))


@dataclass(frozen=True, eq=False)
class SetRegularisers(Setting):
    """Penalty weights (clip, gp_lambda, r1) and the toolbox's live fields (remedies.LIVE_FIELDS)."""

    values: dict

    def apply(self, trainer: Trainer) -> None:
        trainer.set_regularisers(**self.values)


@dataclass(frozen=True)
class SetOptimizer(Setting):
    kind: str
    beta1: float | None = None  # None: unchanged
    beta2: float | None = None

    def apply(self, trainer: Trainer) -> None:
        trainer.set_optimizer(self.kind, self.beta1, self.beta2)


@dataclass(frozen=True, eq=False)
class Together(Setting):
    """Several settings applied with no publish between them (an objective and its optimiser defaults: sent one
    by one, a frame could show half of them)."""

    parts: tuple

    def __post_init__(self) -> None:
        bad = [p for p in self.parts if not isinstance(p, Setting)]
        if bad:
            raise TypeError(f"Together takes settings only, not {type(bad[0]).__name__}")

    def apply(self, trainer: Trainer) -> None:
        for part in self.parts:
            part.apply(trainer)


def describe(cmd: object) -> str:
    """A short name for a command in a notice: its class, or an old-style tuple's first word."""
    if isinstance(cmd, str):
        return cmd
    if isinstance(cmd, tuple) and cmd and isinstance(cmd[0], str):
        return cmd[0]
    return type(cmd).__name__


# --- config changes → commands ------------------------------------------------------------------

REGULARISER_FIELDS = frozenset({"clip", "gp_lambda", "r1"}) | LIVE_FIELDS
# every field a running trainer can take; the others need new networks (or a new process: device, threads)
LIVE_CONFIG_FIELDS = REGULARISER_FIELDS | {
    "objective",
    "dataset",
    "custom_points",
    "custom_spread",
    "optimizer",
    "lr_g",
    "lr_d",
    "beta1",
    "beta2",
    "n_critic",
    "batch",
}


def changed_fields(old: TrainConfig, new: TrainConfig) -> set[str]:
    return {f.name for f in fields(old) if getattr(old, f.name) != getattr(new, f.name)}


def setting_commands(old: TrainConfig, new: TrainConfig) -> tuple[list[Setting], set[str]]:
    """The settings commands that take a trainer under resolved `old` to resolved `new`, in an order each
    of whose steps is a valid config (the objective first: its defaults follow), and the changed fields that
    need a reset instead."""
    changed = changed_fields(old, new)
    cmds: list[Setting] = []
    if "objective" in changed:
        cmds.append(SetObjective(new.objective))
    if changed & {"optimizer", "beta1", "beta2"}:
        cmds.append(SetOptimizer(new.optimizer, new.beta1, new.beta2))
    if changed & {"lr_g", "lr_d"}:
        cmds.append(SetLearningRates(new.lr_g, new.lr_d))
    if "n_critic" in changed:
        cmds.append(SetNCritic(new.n_critic))
    regs = {k: getattr(new, k) for k in sorted(changed & REGULARISER_FIELDS)}
    if "batch" in changed:
        cmds.append(SetBatch(new.batch))
    if regs:
        cmds.append(SetRegularisers(regs))
    if changed & {"custom_points", "custom_spread"} and new.custom_points is not None and new.dataset == "custom":
        cmds.append(SetCustomPoints(new.custom_points, new.custom_spread))
    elif "dataset" in changed:
        cmds.append(SetDataset(new.dataset))
    return cmds, changed - LIVE_CONFIG_FIELDS
