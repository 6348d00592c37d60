"""What a frame panel is to the windows: the small protocol every docked panel follows, so that the window builds
its docks, their View-menu toggles and the export list from one list (ganviz.ui.panels.registry.PANELS).

A panel class says, as class attributes, its `name` (the window keeps it as `<name>_panel` in a `<name>_dock`),
its `title` (dock title and menu entry), its `export_name` (File → Export panel), the Frame `fields` it reads,
and optionally a `shortcut`, its default dock `area`, the `menu` its toggle goes in and whether its dock starts
`floating` (and hidden). It draws with `show_frame(frame)`; `set_config(config)` hands it the run's settings for
what a frame does not carry (PanelDefaults: nothing)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar, Protocol, runtime_checkable

from PySide6.QtCore import Qt

from ganviz.core.analysis.frames import Frame
from ganviz.core.training.config import TrainConfig

FRAME_FIELDS = frozenset(f.name for f in dataclasses.fields(Frame))


@runtime_checkable
class FramePanel(Protocol):
    name: ClassVar[str]
    title: ClassVar[str]
    export_name: ClassVar[str]
    fields: ClassVar[tuple[str, ...]]
    shortcut: ClassVar[str | None]
    area: ClassVar[Qt.DockWidgetArea]
    menu: ClassVar[str]
    floating: ClassVar[bool]
    dock_title: ClassVar[str | None]

    def show_frame(self, frame: Frame) -> None: ...

    def set_config(self, config: TrainConfig) -> None: ...


class PanelDefaults:
    """The optional parts of the protocol, for a panel class to inherit before its widget base."""

    shortcut: ClassVar[str | None] = None
    area: ClassVar[Qt.DockWidgetArea] = Qt.RightDockWidgetArea
    menu: ClassVar[str] = "&View"
    floating: ClassVar[bool] = False  # True: starts hidden, as a window of its own beside the main one
    dock_title: ClassVar[str | None] = None  # the dock's tab text, when shorter than `title`

    def set_config(self, config: TrainConfig) -> None:
        """Most panels read everything they show from the frame."""


def protocol_problems(cls: type) -> list[str]:
    """What `cls` lacks to be a FramePanel (empty: it is one); the registry's test asks this of every panel."""
    problems = [f"no {a}" for a in FramePanel.__annotations__ if not hasattr(cls, a)]
    for method in ("show_frame", "set_config"):
        if not callable(getattr(cls, method, None)):
            problems.append(f"no {method}()")
    unknown = set(getattr(cls, "fields", ())) - FRAME_FIELDS
    if unknown:
        problems.append(f"fields not in Frame: {sorted(unknown)}")
    return problems
