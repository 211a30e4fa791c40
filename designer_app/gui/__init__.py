"""The desktop application (PySide6). The only package that imports Qt."""

from designer_app.gui._compat import protect_none

NONE_PROTECTED = protect_none()
