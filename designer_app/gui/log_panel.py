"""The Log panel: engine events and app messages, newest at the bottom, bounded in length.

Engine events are buffered and appended in one call per tick of the window's update timer (see
updates.py): appending and repainting a line per event is work the GUI thread cannot afford while the
engine runs."""

from __future__ import annotations

import time

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from designer_app import events as ev
from designer_app.gui.updates import UpdateScheduler

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
    def __init__(self, updates: UpdateScheduler | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.updates = updates
        self._buffer: list[str] = []
        self.setReadOnly(True)
        self.setMaximumBlockCount(_MAX_LINES)
        self.setFont(QFont("monospace", 9))

    def log(self, text: str, stamp: str | None = None) -> None:
        """Append an app message now (and the buffered engine lines before it, to keep the order)."""
        self.flush()
        self.appendPlainText(self._line(text, stamp))

    @staticmethod
    def _line(text: str, stamp: str | None = None) -> str:
        return f"[{stamp or time.strftime('%H:%M:%S')}] {text}"

    def log_event(self, event: ev.Event) -> None:
        # Fine-tuning reports every step; the Training panel shows them all, the log every tenth.
        if isinstance(event, ev.FinetuneProgress) and event.step % 10 and event.step != event.total_steps:
            return
        if self.updates is None:
            self.appendPlainText(self._line(describe(event)))
            return
        self._buffer.append(self._line(describe(event)))  # stamped now, shown at the next tick
        self.updates.request("log", self.flush)

    def flush(self) -> None:
        if self._buffer:
            lines, self._buffer = self._buffer, []
            self.appendPlainText("\n".join(lines))

    def clear(self) -> None:
        self._buffer.clear()
        super().clear()

    def load_history(self, rows: list[dict]) -> None:
        """Past events from the store's log, so a reopened campaign shows what happened."""
        lines = []
        for row in rows:
            payload = dict(row.get("payload") or {})
            payload.pop("event", None)
            fields = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in payload.items())
            lines.append(self._line(f"{row['kind']} {fields}", stamp=str(row.get("created_at", ""))[11:19]))
        self.flush()
        if lines:
            self.appendPlainText("\n".join(lines))  # one call: a long history must not stall the opening
