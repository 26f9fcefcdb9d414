"""Render the app icon (packaging/io.github.calldesk.Calldesk.svg) for the bundle builders.

Writes calldesk.ico (Windows executable), calldesk.icns (macOS app) and a 256 px PNG next to
this file. Run after changing the SVG: ``QT_QPA_PLATFORM=offscreen python packaging/make_icons.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(HERE / "io.github.calldesk.Calldesk.svg"))
    if not renderer.isValid():
        print("the SVG icon does not render", file=sys.stderr)
        return 1
    outputs = {"calldesk.ico": 256, "calldesk.icns": 512, "io.github.calldesk.Calldesk.png": 256}
    for name, size in outputs.items():
        if not render(renderer, size).save(str(HERE / name)):
            print(f"Qt cannot write {name} (image format plugin missing)", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
