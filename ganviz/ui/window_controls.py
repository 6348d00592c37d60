"""The main window's training controls (run, step, objective, dataset, live hyper-parameters, view layers)
and its status readouts (status bar, first-run hint, --stats-json)."""

from __future__ import annotations

import itertools
import time

from ganviz.core.analysis.frames import Frame
from ganviz.core.training.objectives import OBJECTIVES
from ganviz.ui.stats import LAUNCHED_AT, frame_rate_stats, percentile


class ControlsMixin:
    """Training controls and status readouts, mixed into MainWindow (methods use the window's state)."""

    # start, pause and step are the run model's (ganviz.core.runs.run_model); the window asks for a frame at once
    def start(self) -> None:
        self.model.start()
        self._frame_soon()
        self._sync_menus()

    def pause(self) -> None:
        self.model.pause()
        self._frame_soon()
        self._sync_menus()

    def toggle_running(self) -> None:
        self.pause() if self.running else self.start()

    def step_once(self) -> None:
        if self.running:
            self.pause()
        self.model.step(1)
        self._frame_soon()

    def set_speed(self, rate: float) -> None:
        self.model.speed(rate)

    def _frame_soon(self) -> None:
        if self.worker is not None:
            self.worker.request_frame()

    def set_objective(self, name: str) -> None:
        """Switch the loss live, with that objective's optimiser defaults; the networks are kept."""
        d = OBJECTIVES.get(name).defaults
        self.change_settings(
            objective=name,
            optimizer=d.optimizer,
            lr_g=d.lr_g,
            lr_d=d.lr_d,
            beta1=d.betas[0],
            beta2=d.betas[1],
            n_critic=d.n_critic,
        )

    def set_dataset(self, name: str) -> None:
        self.change_settings(dataset=name)

    def change_settings(self, **changes) -> bool:
        """Live changes through the run model: it updates the settings (the dock and menus follow their signal)
        and sends the trainer the commands for them. A bad value is reported in the status bar, not applied."""
        try:
            self.model.change(**changes)
        except ValueError as e:  # ConfigError, NeedsReset: one line each
            self.statusBar().showMessage(f"Not applied: {e}")
            self.params.show_config(self.config)
            return False
        if self.worker is not None:
            self.worker.request_frame()
        return True

    def set_layer_visible(self, key: str, on: bool) -> None:
        self.data_panel.layer_items()[key].setVisible(on)
        if on and self.worker is not None:
            self.worker.request_frame()

    def freeze(self, player: str, on: bool) -> None:
        self.model.freeze(player, on)
        self.statusBar().showMessage(f"{player} {'frozen' if on else 'released'}")

    def set_surface_mode(self, mode: str) -> None:
        if self.builder is not None:
            self.builder.surface_mode = mode
            self.worker.request_frame()

    def set_arrows(self, on: bool) -> None:
        self.data_panel.set_arrows_visible(on)
        if self.builder is not None:
            self.builder.arrows_on = on
            self.worker.request_frame()

    def _colour_by_class(self, on: bool) -> None:
        self.data_panel.colour_by_class = on
        frame = self.scrubbed or self.frame
        if frame is not None:
            self.data_panel.show_frame(frame)

    def _toggle_spectral_norm(self, on: bool) -> None:
        self._rebuild_change({"spectral_norm": on})

    def _toggle_r1(self, on: bool) -> None:
        gamma = self.params.r1.value() if on else 0.0
        self.params.r1_enabled = on
        self.change_settings(r1=gamma)

    def _live_change(self, name: str, args: tuple) -> None:
        """A live field of the dock: (name, args) as ParamsDock.live emits them; None = that part unchanged."""
        if name == "lr":
            g, d = args
            self.change_settings(**{k: v for k, v in (("lr_g", g), ("lr_d", d)) if v is not None})
        elif name == "optimizer":
            kind, *betas = args
            parts = zip(("beta1", "beta2"), betas, strict=False)
            self.change_settings(optimizer=kind, **{k: v for k, v in parts if v is not None})
        elif name in ("n_critic", "batch"):
            self.change_settings(**{name: args[0]})
        elif name == "regularisers":
            self.change_settings(**args[0])

    def _rebuild_change(self, changes: dict) -> None:
        if self.confirm(
            f"This change needs new networks: training restarts from step 0.{self._unsaved_note()} Reset now?"
        ):
            self.reset(self.config.replace(**changes))
        else:
            self.params.show_config(self.config)
            self._sync_menus()

    def fps(self, window_s: float = 2.0) -> float:
        now = time.perf_counter()
        recent = list(itertools.takewhile(lambda t: now - t <= window_s, reversed(self.frame_times)))
        return (len(recent) - 1) / (recent[0] - recent[-1]) if len(recent) > 1 else 0.0

    def automation_stats(self, started: float) -> dict:
        """`--stats-json`: the run, its training and drawing speed since `started`, the coverage it reached."""
        frame = self.frame
        out = {
            "dataset": self.config.dataset,
            "objective": self.config.objective,
            **frame_rate_stats(self.frame_times, self.frame_steps, started),
            "train_steps": frame.step if frame else 0,
            "frame_ms_p50": percentile(self.frame_costs_ms, 50),
            "frame_ms_p95": percentile(self.frame_costs_ms, 95),
            "first_frame_s": (self.first_frame_at - LAUNCHED_AT) if self.first_frame_at else None,
            "device": frame.device if frame else None,
        }
        if frame is not None and frame.modes is not None:
            out.update({k: frame.modes[k] for k in ("modes", "modes_robust", "hq")})
        if (slow := self.slow_motion.stats()) is not None:
            out["slow_motion"] = slow  # the sub-step on screen
        return out

    def _update_hint(self, frame: Frame) -> None:
        """The first-run hint over the data view: shown while a fresh run waits to be started."""
        fresh = not frame.running and self._trained_step == 0 and self.scrubbed is None
        if fresh:
            self.start_hint.adjustSize()
            self.start_hint.move(max((self.data_panel.width() - self.start_hint.width()) // 2, 0), 64)
        self.start_hint.setVisible(fresh)

    def _update_status(self, frame: Frame) -> None:
        self._update_hint(frame)
        s = self.status_labels
        # the window's intent, until the trainer has caught up with it (a new one starts paused): the status
        # never says "paused" beside a Pause button
        state = ("running" if frame.running else "starting…") if self.running else "paused"
        s["step"].setText(f"{state} · step {frame.step}")
        s["rate"].setText(f"{frame.steps_per_s:.0f} steps/s")
        s["fps"].setText(f"{self.fps():.0f} frames/s")
        s["device"].setText(f"device {frame.device}")
        s["objective"].setText(OBJECTIVES.get(frame.objective).label)
