"""Item depictions per domain, rendered off the GUI thread and cached as pixmaps.

Each domain says how (Domain.depiction): structures are RDKit 2D drawings; sequences are the letters in a grid
of coloured cells (the domain's letter colours: nucleotides, ClustalX residue classes); images are a
thumbnail of the PNG file (nearest-neighbour scaling, so
16 x 16 pictures stay crisp), or a crossed-out placeholder when the file is missing or unreadable.

A table with thousands of rows asks for depictions only for the rows it paints. Drawing one takes a
few milliseconds (the first molecule also pays for importing RDKit), so drawings are made in batches
on a worker thread as QImage (safe off the GUI thread, unlike QPixmap), turned into QPixmap once on the
GUI thread and kept in an LRU cache. `pixmap()` answers at once: the picture, or None while it is being
drawn (or when there is nothing to draw); `ready` says when to repaint.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPixmap
from superqt.utils import create_worker

_BATCH = 24  # drawings per worker run: small enough that visible rows appear quickly
_MAX_QUEUE = 48  # about two screenfuls: fast scrolling queues rows already gone; the oldest are dropped

_UNKNOWN_LETTER = "#bbbbbb"


def depiction_kind(domain: str) -> str | None:
    """How `domain` draws its items (Domain.depiction: "structure", "letters", "image"); None for a domain
    that is not registered (nothing is drawn)."""
    from designer_app.domains import get_domain

    try:
        return get_domain(domain).depiction
    except ValueError:
        return None


def letter_colours(domain: str) -> dict[str, str]:
    """The sequence domain's letter -> colour ({} for others)."""
    from designer_app.domains import get_domain

    try:
        return dict(get_domain(domain).letter_colours)
    except ValueError:
        return {}


def render_png(item: str, size: int, domain: str = "molecules") -> bytes | None:
    """A PNG of the molecule `item` (`size` x `size` pixels), or None when `domain` does not draw
    structures or the item cannot be parsed."""
    if depiction_kind(domain) != "structure" or not item:
        return None
    from rdkit.Chem.Draw import rdMolDraw2D

    from designer_app.domains.chemistry import mol_from_smiles

    mol = mol_from_smiles(item)
    if mol is None:
        return None
    drawer = rdMolDraw2D.MolDraw2DCairo(size, size)
    options = drawer.drawOptions()
    options.clearBackground = False  # transparent: the table's own background shows through
    if size < 120:
        options.bondLineWidth = 1
    rdMolDraw2D.PrepareAndDrawMolecule(drawer, mol)
    drawer.FinishDrawing()
    return drawer.GetDrawingText()


def sequence_grid(n: int, size: int) -> tuple[int, int, int]:
    """(cell side, columns, rows) of the largest square cells that fit `n` letters in `size` x `size`
    (cells at most size / 8, so a short sequence does not become a few giant letters)."""
    n = max(1, n)
    cell = max(1, min(size // 8, math.isqrt(size * size // n)))
    while cell > 1 and math.ceil(n / (size // cell)) * cell > size:
        cell -= 1
    cols = max(1, size // cell)
    return cell, cols, math.ceil(n / cols)


def render_sequence(item: str, size: int, domain: str) -> QImage:
    """The letters of `item` in reading order, a coloured cell each; letters are written when the
    cells are big enough to read (long sequences become a colour barcode)."""
    colours = letter_colours(domain)
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    cell, cols, rows = sequence_grid(len(item), size)
    x0 = (size - min(cols, len(item)) * cell) / 2  # centred, so short sequences sit in the middle
    y0 = (size - rows * cell) / 2
    painter = QPainter(image)
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPixelSize(max(1, int(cell * 0.75)))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QPen(QColor("#111111")))
    with_text = cell >= 7
    for i, letter in enumerate(item):
        r, c = divmod(i, cols)
        rect = QRectF(x0 + c * cell, y0 + r * cell, cell, cell)
        painter.fillRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), QColor(colours.get(letter, _UNKNOWN_LETTER)))
        if with_text:
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, letter)
    painter.end()
    return image


def placeholder(size: int, text: str = "missing") -> QImage:
    """A grey crossed-out square saying what is wrong (an image file that is missing or unreadable)."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("#eeeeee"))
    painter = QPainter(image)
    painter.setPen(QPen(QColor("#b3261e"), max(1, size // 32)))
    painter.drawRect(0, 0, size - 1, size - 1)
    painter.drawLine(0, 0, size - 1, size - 1)
    painter.drawLine(0, size - 1, size - 1, 0)
    font = QFont()
    font.setPixelSize(max(6, size // 6))
    painter.setFont(font)
    painter.setPen(QColor("#333333"))
    painter.fillRect(QRectF(0, size * 0.38, size, size * 0.24), QColor("#eeeeee"))
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return image


def render_image_file(path: str, size: int) -> QImage:
    """A thumbnail of the picture at `path` fitting `size` x `size`; the placeholder when it cannot
    be read."""
    image = QImage(path) if path and Path(path).is_file() else QImage()
    if image.isNull():
        return placeholder(size, "missing" if not (path and Path(path).exists()) else "unreadable")
    mode = (
        Qt.TransformationMode.FastTransformation
        if max(image.width(), image.height()) <= size
        else Qt.TransformationMode.SmoothTransformation
    )  # upscaled pixels stay sharp squares
    return image.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio, mode)


def render(item: str, size: int, domain: str) -> QImage:
    """The depiction of `item` as a QImage (null when there is none). Safe on any thread."""
    kind = depiction_kind(domain)
    if kind == "image":
        return render_image_file(item, size)
    if kind == "letters":
        return render_sequence(item, size, domain)
    png = render_png(item, size, domain)
    return QImage.fromData(png, "PNG") if png else QImage()


def _render_batch(keys: list[tuple[str, int]], domain: str) -> list[tuple[tuple[str, int], QImage]]:
    out = []
    for key in keys:
        try:
            image = render(key[0], key[1], domain)
        except Exception:  # an item that cannot be drawn must not take the cache down with it
            image = QImage()
        out.append((key, image))
    return out


def _weight(pixmap: QPixmap | None) -> int:
    return 0 if pixmap is None else pixmap.width() * pixmap.height() * 4


class DepictionCache(QObject):
    """LRU cache of depictions keyed by (item, size), filled by a background worker.

    Signals:
        ready: new depictions are in the cache (views repaint the depiction column).
    """

    ready = Signal()

    def __init__(
        self, domain: str = "molecules", capacity: int = 4000, max_bytes: int = 256 << 20, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.domain = domain
        self.capacity = capacity
        self.max_bytes = max_bytes  # large detail-view pictures weigh 16 times a thumbnail
        self._bytes = 0
        self._cache: OrderedDict[tuple[str, int], QPixmap | None] = OrderedDict()
        self._queue: OrderedDict[tuple[str, int], None] = OrderedDict()
        self._worker = None
        # Bumped by set_domain: a batch drawn for the previous domain is dropped when it arrives.
        self._worker_generation = self._generation = 0
        self.rendered = 0  # drawings received from the worker (tests check that hidden rows cost none)

    def pixmap(self, item: str | None, size: int) -> QPixmap | None:
        """The depiction if drawn (None while pending or when there is none to draw)."""
        if not item or depiction_kind(self.domain) is None:
            return None
        key = (item, size)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        self._queue[key] = None
        self._queue.move_to_end(key)
        while len(self._queue) > _MAX_QUEUE:
            self._queue.popitem(last=False)
        self._schedule()
        return None

    def attempted(self, item: str, size: int) -> bool:
        """Whether a drawing was tried (None from `pixmap` then means there is none to show)."""
        return depiction_kind(self.domain) is None or (item, size) in self._cache

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def set_domain(self, domain: str) -> None:
        if domain != self.domain:
            self.domain = domain
            self._generation += 1
            self._cache.clear()
            self._bytes = 0
            self._queue.clear()

    def _schedule(self) -> None:
        if self._worker is not None or not self._queue:
            return
        # Newest requests first: they are the rows on screen now.
        keys = [self._queue.popitem(last=True)[0] for _ in range(min(_BATCH, len(self._queue)))]
        worker = create_worker(_render_batch, keys, self.domain, _start_thread=False, _ignore_errors=True)
        # Bound methods of this QObject (not lambdas), so Qt queues the calls onto the GUI thread.
        worker.returned.connect(self._store)
        worker.finished.connect(self._done)
        self._worker, self._worker_generation = worker, self._generation
        worker.start()

    def _store(self, results: list[tuple[tuple[str, int], QImage]]) -> None:
        if self._worker_generation != self._generation:
            return
        for key, image in results:
            self._forget(key)
            self._cache[key] = None if image.isNull() else QPixmap.fromImage(image)
            self._bytes += _weight(self._cache[key])
        self.rendered += len(results)
        while self._cache and (len(self._cache) > self.capacity or self._bytes > self.max_bytes):
            self._forget(next(iter(self._cache)))
        self.ready.emit()

    def _forget(self, key: tuple[str, int]) -> None:
        if key in self._cache:
            self._bytes -= _weight(self._cache.pop(key))

    def _done(self) -> None:
        self._worker = None
        self._schedule()
