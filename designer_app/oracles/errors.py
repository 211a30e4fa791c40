"""The one error type that oracle specs raise, kept in a leaf module so every adapter can use it."""

from __future__ import annotations


class OracleSpecError(ValueError):
    """An oracle spec cannot be turned into an oracle. The message always says what to change."""
