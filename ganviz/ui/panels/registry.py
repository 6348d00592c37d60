"""The docked frame panels, in the order of their docks, View-menu entries and exports. Adding a panel = its
module (a class following ganviz.ui.panels.base.FramePanel) + one line here."""

from __future__ import annotations

from ganviz.ui.panels.loss_panel import LossPanel
from ganviz.ui.panels.overview_panel import OverviewPanel
from ganviz.ui.panels.quality_panel import ModeBarsPanel, QualityPanel
from ganviz.ui.panels.theory_panel import TheoryPanel

PANELS: list[type] = [
    LossPanel,
    QualityPanel,
    ModeBarsPanel,
    TheoryPanel,
    OverviewPanel,
]
