"""The Log panel: engine events and app messages, newest at the bottom, bounded in length."""

from __future__ import annotations

import time

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from designer_app import events as ev

_MAX_LINES = 5000  # a long campaign must not grow the document without bound


def describe(event: ev.Event) -> str:
    """One readable line for an event (the same fields the CLI prints)."""
    data = event.to_json()
    kind = data.pop("event")
    if isinstance(event, ev.LogMessage):
        return f"{event.level}: {event.text}"
    fields = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in data.items())
    return f"{kind} {fields}"


class LogPanel(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(_MAX_LINES)
        self.setFont(QFont("monospace", 9))

    def log(self, text: str, stamp: str | None = None) -> None:
        self.appendPlainText(f"[{stamp or time.strftime('%H:%M:%S')}] {text}")

    def log_event(self, event: ev.Event) -> None:
        # Fine-tuning reports every step; the Training panel shows them all, the log every tenth.
        if isinstance(event, ev.FinetuneProgress) and event.step % 10 and event.step != event.total_steps:
            return
        self.log(describe(event))

    def load_history(self, rows: list[dict]) -> None:
        """Past events from the store's log, so a reopened campaign shows what happened."""
        for row in rows:
            payload = dict(row.get("payload") or {})
            payload.pop("event", None)
            fields = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in payload.items())
            self.log(f"{row['kind']} {fields}", stamp=str(row.get("created_at", ""))[11:19])
