"""Work-arounds for bugs in the Qt bindings, applied once when the GUI package is imported.

PySide6 6.12.0 on CPython 3.11 returns None from every void method (QPainter.drawLine, QLabel.setText,
...) without adding a reference: the bindings rely on None being immortal, which it is only from
Python 3.12 on (PEP 683). Each call steals one reference, and after some thousands of repaints the
interpreter aborts with "Fatal Python error: none_dealloc: deallocating None". 6.11.3 does not do this.
Until the dependency is pinned or the bindings are fixed, None gets the reference count that makes it
effectively immortal, as 3.12 does. The probe makes sure this only happens where the leak is real.
"""

from __future__ import annotations

import ctypes
import sys

_PROBE_CALLS = 64


def none_refcount_leaks() -> bool:
    """Whether void calls of the bindings steal references to None (measured, not assumed)."""
    from PySide6.QtCore import QPointF

    point = QPointF()
    before = sys.getrefcount(None)
    for _ in range(_PROBE_CALLS):
        point.setX(0.0)
    return sys.getrefcount(None) < before - _PROBE_CALLS // 2


def protect_none() -> bool:
    """Make None effectively immortal when the bindings leak it; returns True when applied."""
    if sys.version_info >= (3, 12) or not none_refcount_leaks():
        return False
    # ob_refcnt is the first field of every CPython object; 2**40 stolen references would take the
    # app years of repainting.
    ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40
    return True
