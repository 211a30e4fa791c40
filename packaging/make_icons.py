"""Render resources/icons/designer-app.svg to the PNG sizes desktops ask for (run after editing the SVG):

QT_QPA_PLATFORM=offscreen python packaging/make_icons.py
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"


def main() -> None:
    app = QGuiApplication([])  # noqa: F841 - Qt needs an application to paint
    renderer = QSvgRenderer(str(ICONS / "designer-app.svg"))
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        image.save(str(ICONS / f"designer-app-{size}.png"))
        print(f"wrote designer-app-{size}.png")


if __name__ == "__main__":
    main()
