"""Loss panel: G and D losses, and D's outputs (or the critic's W1 estimate), against generator step."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt

from ganviz.core.analysis.frames import Frame
from ganviz.core.training.objectives import OBJECTIVES
from ganviz.ui import style
from ganviz.ui.panels.base import PanelDefaults

# the critic's estimate of W1 (the plot is "Critic outputs"); the words "critic estimate" made the legend wider
# than the loss dock at 1024 × 700, which cut the plots off
ESTIMATE_LABEL = "E D(x) − E D(G(z))"


def _curve(plot: pg.PlotItem, colour, legend: pg.LegendItem | None, name: str) -> pg.PlotDataItem:
    item = plot.plot(pen=pg.mkPen(colour, width=1.5))
    if legend is not None:
        legend.addItem(item, name)
    item.setDownsampling(auto=True, method="peak")  # the full history is kept; only the drawing is decimated
    item.setClipToView(True)
    return item


class LossPanel(PanelDefaults, pg.GraphicsLayoutWidget):
    name, title, export_name, dock_title = "loss", "Loss panel", "Loss panel", "Losses"
    fields = ("objective", "history", "segment_start", "events")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.losses = self.addPlot(row=0, col=0, title="Losses")
        losses_legend = style.legend_row(self, 1, 2)
        self.g_loss = _curve(self.losses, style.G_LOSS, losses_legend, "G loss")
        self.d_loss = _curve(self.losses, style.D_LOSS, losses_legend, "D loss")
        self.outputs = self.addPlot(row=2, col=0, title="Discriminator outputs")
        self.outputs_legend = style.legend_row(self, 3, 2, lines=2)
        self.d_real = _curve(self.outputs, style.D_REAL, self.outputs_legend, "mean D(real)")
        self.d_fake = _curve(self.outputs, style.D_FAKE, self.outputs_legend, "mean D(fake)")
        self.estimate = _curve(self.outputs, style.ESTIMATE, None, ESTIMATE_LABEL)
        self.outputs.setXLink(self.losses)
        for p in (self.losses, self.outputs):
            style.step_axis(p, label=p is self.outputs)  # the lower one: x-linked, which saves the room
            p.showGrid(x=True, y=True, alpha=0.2)
            p.setMenuEnabled(False)
        self._objective: str | None = None
        self._critic = False  # whether E D(x) − E D(G(z)) estimates W1 for the current objective
        self._n = -1
        self._markers: list[pg.InfiniteLine] = []
        self._events: tuple = ()
        # slow motion: the loss the sub-step on screen computes, marked at its update's step
        self.focus: tuple[str, int, float] | None = None
        self._focus_marker = pg.ScatterPlotItem(size=13, pen=pg.mkPen(230, 150, 0, width=2.5), brush=None)
        self._focus_label = pg.TextItem(color=(150, 90, 0), anchor=(1, 1), fill=pg.mkBrush(*style.LEGEND_BRUSH))
        for item in (self._focus_marker, self._focus_label):
            item.setZValue(20)
            item.setVisible(False)
            self.losses.addItem(item, ignoreBounds=True)

    def show_frame(self, frame: Frame) -> None:
        self.show_events(frame.events)
        if frame.objective != self._objective:
            self._objective = frame.objective
            self._critic = critic = OBJECTIVES.get(frame.objective).has_critic_w1_estimate
            self.estimate.setVisible(critic)
            self.outputs_legend.removeItem(self.estimate)
            if critic:
                self.outputs_legend.addItem(self.estimate, ESTIMATE_LABEL)
            self.outputs.setTitle("Critic outputs" if critic else "Discriminator outputs")
        key = (len(frame.history), frame.segment_start)
        if key == self._n:
            return
        self._n = key
        # only the current objective's segment: another objective's losses are another quantity
        steps = frame.segment_column("step")
        self.g_loss.setData(steps, frame.segment_column("g_loss"))
        self.d_loss.setData(steps, frame.segment_column("d_loss"))
        self.d_real.setData(steps, frame.segment_column("d_real"))
        self.d_fake.setData(steps, frame.segment_column("d_fake"))
        if self._critic:
            self.estimate.setData(steps, frame.segment_column("critic_estimate"))
        if not len(steps):  # no old x-range left behind on an empty plot
            for plot in (self.losses, self.outputs):
                plot.setRange(xRange=(0, 1), padding=0)
                plot.enableAutoRange()

    def highlight(self, focus: tuple[str, int, float, str] | None) -> None:
        """Slow motion: ring the value of the loss ("d_loss" or "g_loss") the sub-step computes, at its update's
        `step`, with a label, and draw that curve bold; None (no loss in the sub-step, or slow motion left)
        clears it."""
        for curve in (self.g_loss, self.d_loss):
            curve.setPen(pg.mkPen(style.G_LOSS if curve is self.g_loss else style.D_LOSS, width=1.5))
        if focus is None:
            self.focus = None
            self._focus_marker.setVisible(False)
            self._focus_label.setVisible(False)
            return
        key, step, value, label = focus
        curve = {"d_loss": self.d_loss, "g_loss": self.g_loss}[key]
        curve.setPen(pg.mkPen(style.G_LOSS if key == "g_loss" else style.D_LOSS, width=2.8))
        self.focus = (key, step, value)
        self._focus_marker.setData([step], [value])
        self._focus_label.setText(label)
        self._focus_label.setPos(step, value)
        self._focus_marker.setVisible(True)
        self._focus_label.setVisible(True)

    def show_events(self, events: tuple) -> None:
        """A labelled vertical line on the loss plot per group of events (diverged, coverage drop, confident
        D, …); a burst of one kind is one line, "D ≥ 99 % ×12", whose tooltip lists the steps."""
        if events == self._events:
            return
        self._events = events
        for line in self._markers:
            self.losses.removeItem(line)
        self._markers = []
        for group in group_events(events):
            step, kind, _ = group[0]
            colour = EVENT_COLOURS.get(kind, (90, 90, 90))
            label = EVENT_LABELS.get(kind, kind) + (f" ×{len(group)}" if len(group) > 1 else "")
            line = pg.InfiniteLine(
                pos=step,
                angle=90,
                pen=pg.mkPen(colour, width=1.5, style=Qt.DashLine),
                label=label,
                labelOpts={
                    "position": 0.97,
                    "color": colour,
                    "fill": pg.mkBrush(*style.LEGEND_BRUSH),  # readable over the curves
                    "rotateAxis": (1, 0),
                    "anchors": [(1, 0), (1, 0)],  # the text ends near the top and runs down the line
                },
            )
            shown = [f"step {s}: {text}" for s, _, text in group[:MAX_TOOLTIP_LINES]]
            if len(group) > MAX_TOOLTIP_LINES:
                shown.append(f"… and {len(group) - MAX_TOOLTIP_LINES} more, up to step {group[-1][0]}")
            line.setToolTip("\n".join(shown))
            line.setAcceptHoverEvents(True)
            self.losses.addItem(line)
            self._markers.append(line)


MAX_MARKERS = 12  # lines on the loss plot; more were an unreadable comb of overlapping labels
MAX_TOOLTIP_LINES = 8


def group_events(events: tuple | list, max_groups: int = MAX_MARKERS) -> list[list[tuple]]:
    """Events (step, kind, text), in step order, merged into at most `max_groups` groups of one kind each.

    Consecutive events of a kind closer than 1/40 of the run's span join one group; if that still leaves more
    than `max_groups`, the newest groups are kept (a divergence is always kept: it explains the rest)."""
    ordered = sorted(events, key=lambda e: e[0])
    if not ordered:
        return []
    span = max(ordered[-1][0] - ordered[0][0], 1)
    gap = span / 40
    groups: list[list[tuple]] = []
    last_of_kind: dict[str, list[tuple]] = {}
    for event in ordered:
        step, kind, _ = event
        group = last_of_kind.get(kind)
        if group is not None and step - group[-1][0] <= gap:
            group.append(event)
        else:
            group = [event]
            groups.append(group)
            last_of_kind[kind] = group
    if len(groups) > max_groups:
        diverged = [g for g in groups if g[0][1] == "diverged"][-max_groups // 2 :]
        rest = [g for g in groups if g[0][1] != "diverged"][-(max_groups - len(diverged)) :]
        groups = sorted(diverged + rest, key=lambda g: g[0][0])
    return groups


EVENT_COLOURS = {
    "diverged": (200, 0, 0),
    "coverage_drop": (200, 120, 0),
    "d_confident": (120, 40, 160),
    "critic_grad_exploded": (160, 0, 100),
    "switch": (70, 110, 160),
}
EVENT_LABELS = {
    "diverged": "diverged",
    "coverage_drop": "modes −3",
    "d_confident": "D ≥ 99 %",
    "critic_grad_exploded": "‖∇‖ exploded",
    "switch": "new settings",
}
