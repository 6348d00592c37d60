"""The run's settings as one evented model (no Qt here): the single copy of the TrainConfig a window shows.

The dock, the menus and the run model (ganviz.core.runs.run_model) all watch `changed`, so none keeps a copy that can
go stale. Every change goes through TrainConfig's validation: a bad value raises its one-line ConfigError and
leaves the settings as they were. The trainer child's echo of the config it applied is fed back with `applied`,
so what the window shows is what the trainer trains under.
"""

from __future__ import annotations

import dataclasses

from psygnal import Signal

from ganviz.core.runs.commands import changed_fields
from ganviz.core.training.config import ConfigError, TrainConfig

# fields the window decides and the child reports differently: it echoes the device it resolved "auto" to
WINDOW_OWNED = ("device",)


class Settings:
    """Holds the current (resolved) TrainConfig; emits `changed(config, fields)` after each change."""

    changed = Signal(object, frozenset)  # the new config, the names of the fields that changed

    def __init__(self, config: TrainConfig) -> None:
        self._config = config.resolved()

    @property
    def config(self) -> TrainConfig:
        return self._config

    def validated(self, **changes) -> TrainConfig:
        """The config these changes would give (resolved); ConfigError, in one line, if they are not allowed."""
        names = {f.name for f in dataclasses.fields(TrainConfig)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise ConfigError(f"unknown setting {unknown[0]!r}; settings: {', '.join(sorted(names))}")
        return self._config.replace(**changes).resolved()

    def update(self, **changes) -> frozenset[str]:
        """Change some fields; returns (and emits) the names of those that changed."""
        return self.set(self.validated(**changes))

    def set(self, config: TrainConfig) -> frozenset[str]:
        """Replace the whole config (a reset, a loaded session, a preset)."""
        config = config.resolved()
        changed = frozenset(changed_fields(self._config, config))
        self._config = config
        if changed:
            self.changed.emit(config, changed)
        return changed

    def applied(self, echoed: TrainConfig) -> frozenset[str]:
        """The config the trainer reports it applied becomes the settings (but for WINDOW_OWNED fields)."""
        return self.set(echoed.replace(**{k: getattr(self._config, k) for k in WINDOW_OWNED}))
