"""Can a window open here? Checked before Qt starts, because Qt's xcb plugin aborts the whole process (exit 134)
when it cannot load a system library or reach the X server. Imports no Qt."""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable

# What Qt 6's xcb platform plugin links against (ldd of PySide6's libqxcb.so and libQt6XcbQpa.so.6), with the
# Debian/Ubuntu package that provides each. A fresh desktop install usually lacks the first three.
XCB_LIBRARIES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}

INSTALL_HINT = "sudo apt-get install " + " ".join(dict.fromkeys(XCB_LIBRARIES.values()))


def missing_xcb_libraries(load: Callable[[str], object] = ctypes.CDLL) -> list[str]:
    """Sonames from XCB_LIBRARIES that the dynamic loader cannot find."""
    missing = []
    for soname in XCB_LIBRARIES:
        try:
            load(soname)
        except OSError:
            missing.append(soname)
    return missing


def x_server_problem(display: str) -> str | None:
    """Why libxcb cannot connect to `display` (the same call Qt makes), or None when it can."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return None  # reported as a missing library
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    try:
        failed = xcb.xcb_connection_has_error(connection) if connection else 1
    finally:
        if connection:
            xcb.xcb_disconnect(connection)  # also frees the error object xcb returns on failure
    return f"no X server answers at DISPLAY={display}" if failed else None


def _uses_xcb(environ: dict[str, str]) -> bool:
    platform = environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(":")[0] == "xcb"
    # Qt 6 prefers Wayland in a Wayland session, X11 (through XWayland) otherwise
    return not (environ.get("WAYLAND_DISPLAY") and environ.get("XDG_SESSION_TYPE") == "wayland")


def display_problem(
    environ: dict[str, str] | None = None,
    platform: str = sys.platform,
    load: Callable[[str], object] = ctypes.CDLL,
) -> str | None:
    """Why no window can open here, or None."""
    environ = dict(os.environ if environ is None else environ)
    if not platform.startswith("linux"):
        return None
    forced = environ.get("QT_QPA_PLATFORM", "")
    if forced and not _uses_xcb(environ):
        return None  # offscreen, wayland, vnc...: Qt reports its own problems without aborting
    display = environ.get("DISPLAY", "")
    if not display:
        if forced:
            return "QT_QPA_PLATFORM=xcb is set but DISPLAY is empty"
        if environ.get("WAYLAND_DISPLAY"):
            return None
        return "no display found (DISPLAY and WAYLAND_DISPLAY are unset)"
    if not _uses_xcb(environ):
        return None
    if missing := missing_xcb_libraries(load):
        packages = " ".join(XCB_LIBRARIES[s] for s in missing)
        return (
            f"Qt's X11 plugin needs system libraries that are missing ({', '.join(missing)}); "
            f"install them (Debian/Ubuntu: sudo apt-get install {packages})"
        )
    return x_server_problem(display)
