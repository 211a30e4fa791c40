"""Item depictions (RDKit 2D drawings for molecules), rendered off the GUI thread and cached.

A table with thousands of rows asks for depictions as rows scroll into view. Drawing one takes a few
milliseconds, and the first one pays for importing RDKit, so drawings are made in batches on a worker
thread, returned as QImage (safe to build outside the GUI thread, unlike QPixmap) and kept in an LRU
cache. `image()` answers at once: the picture, or None while it is being drawn; `ready` says when to
repaint.
"""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage
from superqt.utils import create_worker

_BATCH = 24  # drawings per worker run: small enough that visible rows appear quickly
_MAX_QUEUE = 256  # fast scrolling queues rows already gone; drop the oldest requests beyond this


def render_png(item: str, size: int, domain: str = "molecules") -> bytes | None:
    """A PNG of `item` (`size` x `size` pixels), or None when the domain has no drawing or the item
    cannot be parsed."""
    if domain != "molecules" or not item:
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


def _render_batch(keys: list[tuple[str, int]], domain: str) -> list[tuple[tuple[str, int], QImage]]:
    out = []
    for key in keys:
        try:
            png = render_png(key[0], key[1], domain)
        except Exception:  # a molecule RDKit cannot draw must not take the cache down with it
            png = None
        image = QImage.fromData(png, "PNG") if png else QImage()
        out.append((key, image))
    return out


class DepictionCache(QObject):
    """LRU cache of depictions keyed by (item, size), filled by a background worker.

    Signals:
        ready: new depictions are in the cache (views repaint the depiction column).
    """

    ready = Signal()

    def __init__(self, domain: str = "molecules", capacity: int = 4000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.domain = domain
        self.capacity = capacity
        self._cache: OrderedDict[tuple[str, int], QImage] = OrderedDict()
        self._queue: OrderedDict[tuple[str, int], None] = OrderedDict()
        self._worker = None

    def image(self, item: str | None, size: int) -> QImage | None:
        """The depiction if drawn (None while pending or when there is none to draw)."""
        if not item or self.domain != "molecules":
            return None
        key = (item, size)
        if key in self._cache:
            self._cache.move_to_end(key)
            image = self._cache[key]
            return None if image.isNull() else image
        self._queue[key] = None
        self._queue.move_to_end(key)
        while len(self._queue) > _MAX_QUEUE:
            self._queue.popitem(last=False)
        self._schedule()
        return None

    def attempted(self, item: str, size: int) -> bool:
        """Whether a drawing was tried (a null result means there is none to show)."""
        return self.domain != "molecules" or (item, size) in self._cache

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def set_domain(self, domain: str) -> None:
        if domain != self.domain:
            self.domain = domain
            self._cache.clear()
            self._queue.clear()

    def _schedule(self) -> None:
        if self._worker is not None or not self._queue:
            return
        # Newest requests first: they are the rows on screen now.
        keys = [self._queue.popitem(last=True)[0] for _ in range(min(_BATCH, len(self._queue)))]
        worker = create_worker(_render_batch, keys, self.domain, _start_thread=False, _ignore_errors=True)
        worker.returned.connect(self._store)
        worker.finished.connect(self._done)
        self._worker = worker
        worker.start()

    def _store(self, results: list[tuple[tuple[str, int], QImage]]) -> None:
        for key, image in results:
            self._cache[key] = image
        while len(self._cache) > self.capacity:
            self._cache.popitem(last=False)
        self.ready.emit()

    def _done(self) -> None:
        self._worker = None
        self._schedule()
