"""`designer-app` with no display, or without the X11 libraries Qt needs, says what to do instead of letting
Qt abort the process."""

from __future__ import annotations

import os
import subprocess
import sys

from designer_app.gui import display_check
from designer_app.gui.display_check import display_problem


def test_no_display_points_to_the_command_line():
    message = display_problem({}, "linux")
    assert message and "no display" in message and "designer-app --help" in message


def test_missing_xcb_libraries_are_named_by_their_package(monkeypatch):
    present = {
        "xcb-icccm",
        "xcb-keysyms",
        "xcb-image",
        "xcb-randr",
        "xcb-render-util",
        "xcb-shape",
        "xcb-xkb",
        "xkbcommon-x11",
        "EGL",
        "fontconfig",
    }
    monkeypatch.setattr(
        display_check.ctypes.util, "find_library", lambda name: f"lib{name}.so" if name in present else None
    )
    message = display_problem({"DISPLAY": ":0"}, "linux")
    assert message and "sudo apt-get install libxcb-cursor0" in message and "libxcb-icccm4" not in message


def test_nothing_to_say_where_qt_will_manage(monkeypatch):
    monkeypatch.setattr(display_check.ctypes.util, "find_library", lambda name: f"lib{name}.so")
    assert display_problem({"DISPLAY": ":0"}, "linux") is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "darwin") is None


def test_the_command_exits_with_the_message_instead_of_a_qt_abort(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["DESIGNER_APP_HOME"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-m", "designer_app"], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 2 and "no display" in out.stderr and "designer-app --help" in out.stderr
