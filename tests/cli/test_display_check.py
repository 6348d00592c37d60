"""The window's start-up says in one line why no window can open, instead of Qt aborting the process (exit 134)."""

import subprocess
import sys

from ganviz.ui.display import XCB_LIBRARIES, display_problem, missing_xcb_libraries, x_server_problem

NO_SERVER = ":987"  # no X server listens there on a test machine


def _run(env_overrides: dict[str, str], child_env: dict[str, str]) -> subprocess.CompletedProcess:
    env = dict(child_env)
    for key in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE"):
        env.pop(key, None)
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-m", "ganviz", "--hidden", "16"], env=env, capture_output=True, text=True, timeout=60
    )


def test_no_x_server_at_display_is_one_line_not_an_abort(child_env):
    result = _run({"DISPLAY": NO_SERVER}, child_env)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"no X server answers at DISPLAY={NO_SERVER}" in lines[0], result.stderr
    assert "QT_QPA_PLATFORM=offscreen" in lines[0]


def test_forced_xcb_without_display_is_one_line(child_env):
    result = _run({"QT_QPA_PLATFORM": "xcb"}, child_env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "QT_QPA_PLATFORM=xcb is set but DISPLAY is empty" in result.stderr


def test_missing_libraries_name_their_packages():
    absent = {"libxcb-cursor.so.0", "libxcb-keysyms.so.1"}

    def load(soname: str) -> object:
        if soname in absent:
            raise OSError(f"{soname}: cannot open shared object file")
        return object()

    assert missing_xcb_libraries(load) == ["libxcb-cursor.so.0", "libxcb-keysyms.so.1"]
    problem = display_problem({"DISPLAY": ":0"}, platform="linux", load=load)
    assert "libxcb-cursor.so.0" in problem and "libxcb-cursor0 libxcb-keysyms1" in problem
    assert "libxcb-icccm4" not in problem  # only what is missing


def test_platforms_that_do_not_use_xcb_are_left_to_qt():
    never = lambda soname: (_ for _ in ()).throw(OSError(soname))  # noqa: E731 (every library missing)
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, platform="linux", load=never) is None
    assert display_problem({"QT_QPA_PLATFORM": "wayland", "DISPLAY": ":0"}, platform="linux", load=never) is None
    wayland = {"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}
    assert display_problem(wayland, platform="linux", load=never) is None
    assert display_problem({}, platform="darwin", load=never) is None
    assert "no display found" in display_problem({}, platform="linux", load=never)
    assert "libxcb-cursor0" in display_problem({"QT_QPA_PLATFORM": "xcb:foo", "DISPLAY": ":0"}, "linux", never)


def test_every_listed_library_has_a_debian_package_name():
    assert all(soname.startswith("lib") and ".so." in soname for soname in XCB_LIBRARIES)
    assert all(package and " " not in package for package in XCB_LIBRARIES.values())


def test_x_server_problem_names_the_display():
    assert x_server_problem(NO_SERVER) == f"no X server answers at DISPLAY={NO_SERVER}"
