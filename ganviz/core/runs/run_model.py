"""One run: its trainer process and frame source, its settings, its running and divergence state (no Qt here).

The main window holds one RunModel. Its `settings` (ganviz.core.runs.settings) are the run's single config: a live
change goes through `change`, which validates it, updates the settings and sends the trainer the typed commands
(ganviz.core.runs.commands) that make it match; a change that needs new networks is refused with the fields that
need a reset, so the caller can ask first and then `reset`. The trainer's echo of the config it applied comes
back through `take_echo`, so the settings show what the trainer trains under.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ganviz.core.analysis.frames import SURFACE_SHARE, W1_CORE_SHARE, Frame, FrameBuilder
from ganviz.core.runs.commands import Command, Explain, Freeze, Pause, Speed, Start, Step, Together, setting_commands
from ganviz.core.runs.engine import TrainerProcess
from ganviz.core.runs.settings import Settings
from ganviz.core.training.config import TrainConfig


class NeedsReset(ValueError):
    """A change that no command can make to a running trainer: new networks (a reset) are needed."""

    def __init__(self, fields: set[str]) -> None:
        self.fields = frozenset(fields)
        super().__init__(f"{', '.join(sorted(fields))} need new networks: reset the run to change them")


class FrameSource(Protocol):
    """What a window's frame worker (ganviz.ui.worker.FrameWorker) reads, on its own thread: one run (a RunModel)
    or the lock-step runs of compare mode (ganviz.core.runs.compare.LockStep)."""

    def failure(self) -> str | None:
        """Why no more frames can come (a trainer process died), or None."""

    def next_frame(self, force: bool, cancelled: Callable[[], bool]) -> object | None:
        """The next frame (or bundle), None when there is nothing new yet; `force`: one even so."""


class RunModel:
    """Owns one trainer process (through its FrameBuilder) and the settings it trains under."""

    def __init__(
        self,
        config: TrainConfig,
        state: dict | None = None,
        history: dict | None = None,
        launch: bool = True,
        paced: bool = False,
        engine: TrainerProcess | None = None,
        sharing: int = 1,
    ) -> None:
        """`launch` False: settings only; the trainer starts with `reset` (a window builds its views first).
        `paced`: a driver sends its steps (compare mode's lock-step), so start and pause only say whether it
        should go on; its trainer itself stays paused between the driver's chunks. `engine`: a trainer already
        started for this run (a batched compare run, ganviz.core.runs.batched_engine); a later `reset` makes one of
        its own. `sharing`: how many runs share the window's frame worker and its budgets (compare mode's runs): each
        gets that part of exact W1's share of a core and of the heatmap's share of the worker's time."""
        self.settings = Settings(config)
        self.sharing = sharing
        self.builder: FrameBuilder | None = None
        self.paced = paced
        self.running = False  # what the owner asked for (the trainer's own flag comes with each frame)
        self.divergence: tuple[int, int, str] | None = None  # the last (detected, restored, suggestion)
        self._echo: TrainConfig | None = None
        if launch:
            self.reset(None, state, history, engine)

    @property
    def config(self) -> TrainConfig:
        return self.settings.config

    @property
    def engine(self) -> TrainerProcess | None:
        return self.builder.engine if self.builder is not None else None

    # --- lifecycle ------------------------------------------------------------------------------

    def reset(
        self,
        config: TrainConfig | None = None,
        state: dict | None = None,
        history: dict | None = None,
        engine: TrainerProcess | None = None,
    ) -> None:
        """A new trainer process (new networks from the seed, or `state` resumed) under `config` (default: the
        current settings); paused. The caller stops anything reading the old frame source first."""
        self.close()
        if config is not None:
            self.settings.set(config)
        self.builder = FrameBuilder(self.settings.config, state, history, engine)
        self.builder.w1_share = W1_CORE_SHARE / self.sharing
        self.builder.surface_share = SURFACE_SHARE / self.sharing
        self.running, self.divergence, self._echo = False, None, None

    def close(self) -> None:
        if self.builder is not None:
            self.builder.close()
            self.builder = None

    # --- commands -------------------------------------------------------------------------------

    def send(self, cmd: Command) -> None:
        if self.builder is not None:
            self.builder.send(cmd)

    def start(self) -> None:
        self.running = True
        if not self.paced:
            self.send(Start())

    def pause(self) -> None:
        self.running = False
        if not self.paced:
            self.send(Pause())

    def step(self, n: int = 1) -> None:
        """n single steps; pauses a running trainer first. Not for a paced run: its driver sends the steps."""
        if self.paced:
            raise RuntimeError("a paced run takes its steps from its driver (LockStep.step_once)")
        if self.running:
            self.pause()
        self.send(Step(n))

    def speed(self, rate: float) -> None:
        self.send(Speed(rate))

    def freeze(self, player: str, on: bool) -> None:
        self.send(Freeze(player, on))

    def explain(self) -> None:
        self.running = False  # the child pauses to take a step apart
        self.send(Explain())

    def save(self, path: str) -> None:
        if self.builder is not None:
            self.builder.save(path)

    def change(self, **changes) -> frozenset[str]:
        """Apply live setting changes; returns the fields that changed. ConfigError (one line) for a bad value,
        NeedsReset for fields that need new networks; either way nothing changes."""
        old = self.settings.config
        new = self.settings.validated(**changes)
        cmds, rebuild = setting_commands(old, new)
        if rebuild:
            raise NeedsReset(rebuild)
        changed = self.settings.set(new)
        if cmds:
            self.send(cmds[0] if len(cmds) == 1 else Together(tuple(cmds)))
        return changed

    # --- what comes back ------------------------------------------------------------------------

    def failure(self) -> str | None:
        """Why this run cannot go on (its trainer process failed or exited), or None (FrameSource)."""
        engine = self.engine
        if engine is None:
            return "the run has no trainer process"
        if engine.error or not engine.alive:
            return engine.error or f"the trainer process exited (code {engine.process.exitcode})"
        return None

    def next_frame(self, force: bool, cancelled: Callable[[], bool] = lambda: False) -> Frame | None:
        """The frame of what the trainer last published; None when nothing is new (FrameSource; the frame
        worker's thread only, FrameBuilder is not thread-safe)."""
        return self.builder.build(force=force) if self.builder is not None else None

    def take_echo(self) -> frozenset[str]:
        """Feed the trainer's latest echoed config into the settings, once it includes every settings command
        sent (an older echo would undo a change still on its way). Call from the thread that owns the
        settings; the frame source's thread updates the engine's copy."""
        engine = self.engine
        if engine is None or not engine.settings_current or engine.child_config is self._echo:
            return frozenset()
        if engine.settings_echoed == 0:  # nothing applied yet: the child's config is the one it was given
            return frozenset()
        self._echo = engine.child_config
        return self.settings.applied(self._echo)

    def note(self, kind: str, payload: tuple) -> None:
        """A notice from the trainer (engine.notices) that changes the run's state."""
        if kind == "diverged":  # the child paused and rolled back
            self.running, self.divergence = False, payload
