"""The docked panels follow one protocol (ganviz.ui.panels.base) and the main window builds its docks, their menu
toggles and the export list from the registry alone: a panel registered here shows up everywhere with no other
change."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")
from PySide6.QtWidgets import QDockWidget, QLabel  # noqa: E402
from ui_helpers import all_actions, menu_action  # noqa: E402

from ganviz.ui.panels import registry  # noqa: E402
from ganviz.ui.panels.base import FRAME_FIELDS, FramePanel, PanelDefaults, protocol_problems  # noqa: E402
from ganviz.ui.window_menus import MENUS, export_list  # noqa: E402


class DummyPanel(PanelDefaults, QLabel):
    """A panel that only a test registers: it writes the step of each frame it is given."""

    name, title, export_name = "dummy", "Dummy steps", "Dummy export"
    fields = ("step",)
    shortcut = "Ctrl+Alt+9"

    def __init__(self) -> None:
        super().__init__("no frame yet")
        self.steps: list[int] = []

    def show_frame(self, frame) -> None:
        self.steps.append(frame.step)
        self.setText(f"step {frame.step}")


def test_every_registered_panel_follows_the_protocol(qtbot):
    menus = {entry.menu for entry in MENUS}
    names = [cls.name for cls in registry.PANELS]
    assert len(set(names)) == len(names)  # each is kept as <name>_panel / <name>_dock
    for cls in registry.PANELS:
        assert protocol_problems(cls) == [], cls
        assert set(cls.fields) <= FRAME_FIELDS and cls.fields
        assert cls.menu in menus  # its toggle has a menu to go in
        panel = cls()
        qtbot.addWidget(panel)
        assert isinstance(panel, FramePanel)


def test_protocol_problems_name_what_is_missing():
    class Half:
        name, title = "half", "Half"
        fields = ("step", "no_such_field")

        def show_frame(self, frame) -> None:
            pass

    problems = protocol_problems(Half)
    assert "no export_name" in problems and "no set_config()" in problems
    assert "fields not in Frame: ['no_such_field']" in problems
    assert protocol_problems(DummyPanel) == []


def panel_toggles(window) -> dict[str, QDockWidget]:
    """Menu-bar actions that toggle a dock holding a registered panel, by their text."""
    toggles = {}
    for dock in window.findChildren(QDockWidget):
        if dock.widget() in window.panels.values():
            for top in window.menuBar().actions():
                if dock.toggleViewAction() in all_actions(top.menu()):
                    toggles[dock.toggleViewAction().text()] = dock
    return toggles


def test_a_registered_panel_gets_a_dock_a_menu_entry_an_export_and_frames(qtbot, monkeypatch, make_main_window):
    monkeypatch.setattr(registry, "PANELS", [*registry.PANELS, DummyPanel])
    window = make_main_window()
    panel = window.dummy_panel
    assert isinstance(panel, DummyPanel) and window.dummy_dock.widget() is panel
    assert window.dummy_dock.windowTitle() == "Dummy steps"
    # the menu toggles and the export list are exactly the registry, in its order
    assert list(panel_toggles(window)) == [cls.title for cls in registry.PANELS]
    assert [label for label, _ in export_list(window)] == ["Data view"] + [c.export_name for c in registry.PANELS]
    exports = [a.text() for a in menu_action(window, "File", "Export panel").menu().actions()]
    assert exports == [f"{label} as PNG or SVG…" for label, _ in export_list(window)]
    action = menu_action(window, "View", "Dummy steps")
    assert action.shortcut().toString() == "Ctrl+Alt+9"
    qtbot.waitUntil(lambda: bool(panel.steps), timeout=60_000)  # drawn like every other panel
    assert panel.text() == f"step {window.frame.step}"
    action.trigger()
    assert not window.dummy_dock.isVisible()
    action.trigger()
    assert window.dummy_dock.isVisible()
