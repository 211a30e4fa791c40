"""Before the window opens: is there a display, and does Qt's X11 platform find the system libraries it needs?

Without this, a missing library makes Qt abort the process with its own message (exit code 134) that names a
plug-in, not what to install. The check is plain ctypes: it runs before Qt is imported.
"""

from __future__ import annotations

import ctypes.util
import os
import sys

# Libraries Qt 6's xcb platform plug-in loads, and the Debian / Ubuntu package of each.
XCB_LIBRARIES = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-image": "libxcb-image0",
    "xcb-randr": "libxcb-randr0",
    "xcb-render-util": "libxcb-render-util0",
    "xcb-shape": "libxcb-shape0",
    "xcb-xkb": "libxcb-xkb1",
    "xkbcommon-x11": "libxkbcommon-x11-0",
    "EGL": "libegl1",
    "fontconfig": "libfontconfig1",
}


def display_problem(environ: dict[str, str] | None = None, platform: str = sys.platform) -> str | None:
    """What keeps the window from opening here, with what to do about it; None when nothing does."""
    env = os.environ if environ is None else environ
    if not platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return None  # macOS / Windows have their own platform; an explicit platform (offscreen) is the user's
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        return (
            "no display: the Designer window needs a desktop session (X11 or Wayland). Headless, use the "
            "command line instead (designer-app --help, e.g. designer-app new / run / status), or set "
            "QT_QPA_PLATFORM=offscreen for a window nobody sees"
        )
    if env.get("WAYLAND_DISPLAY"):
        return None  # Qt prefers Wayland there and needs none of the xcb libraries
    missing = [package for lib, package in XCB_LIBRARIES.items() if ctypes.util.find_library(lib) is None]
    if missing:
        return (
            "the window cannot open: Qt's X11 platform needs system libraries that are not installed. On "
            f"Debian / Ubuntu: sudo apt-get install {' '.join(missing)} (other distributions name them "
            "similarly). The command line works without them: designer-app --help"
        )
    return None
