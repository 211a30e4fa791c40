"""Every domain in the window: depictions (sequences, images), the wizard's lists, export formats."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QTableView

from designer_app.domains.sequences import NUCLEOTIDE_COLOURS, RESIDUE_COLOURS
from designer_app.gui import catalog
from designer_app.gui.candidates_model import DEPICTION, ITEM, THUMBNAIL, CandidateTableModel
from designer_app.gui.depiction import DepictionCache, render, sequence_grid
from designer_app.gui.export_dialog import ExportDialog
from designer_app.gui.snapshot import Snapshot
from designer_app.oracles import OracleForm

from .test_model_and_window import record


def colour_at(image: QImage, x: int, y: int) -> str:
    return image.pixelColor(x, y).name()


def cell_centre(n: int, size: int, index: int) -> tuple[int, int]:
    cell, cols, rows = sequence_grid(n, size)
    x0, y0 = (size - min(cols, n) * cell) / 2, (size - rows * cell) / 2
    r, c = divmod(index, cols)
    # a corner of the cell, away from the letter drawn in its middle
    return int(x0 + c * cell + 1.5), int(y0 + r * cell + 1.5)


@pytest.mark.parametrize("size", [THUMBNAIL, 260])
def test_dna_depiction_colours_each_nucleotide(qapp, size):
    image = render("ACGT", size, "dna")
    assert not image.isNull() and (image.width(), image.height()) == (size, size)
    for i, letter in enumerate("ACGT"):
        assert colour_at(image, *cell_centre(4, size, i)) == QColor(NUCLEOTIDE_COLOURS[letter]).name()


def test_protein_depiction_uses_residue_classes_and_fits_long_sequences(qapp):
    seq = "KDEAWG"
    image = render(seq, 260, "protein")
    got = [colour_at(image, *cell_centre(len(seq), 260, i)) for i in range(len(seq))]
    assert got == [QColor(RESIDUE_COLOURS[a]).name() for a in seq]
    assert RESIDUE_COLOURS["K"] == RESIDUE_COLOURS["R"] != RESIDUE_COLOURS["D"] == RESIDUE_COLOURS["E"]
    long = "ACDEFGHIKLMNPQRSTVWY" * 40  # 800 residues still fit, as a colour barcode
    cell, cols, rows = sequence_grid(len(long), THUMBNAIL)
    assert cols * rows >= len(long) and rows * cell <= THUMBNAIL
    assert render(long, THUMBNAIL, "protein").width() == THUMBNAIL


def write_png(path: Path, width: int, height: int) -> Path:
    image = QImage(width, height, QImage.Format.Format_Grayscale8)
    image.fill(QColor(0, 0, 0))
    image.setPixelColor(0, 0, QColor(255, 255, 255))  # one white pixel in the corner
    assert image.save(str(path))
    return path


def test_image_thumbnails_are_crisp_and_keep_the_aspect_ratio(qapp, tmp_path):
    small = render(str(write_png(tmp_path / "a.png", 16, 16)), THUMBNAIL, "images")
    assert (small.width(), small.height()) == (THUMBNAIL, THUMBNAIL)
    # nearest-neighbour upscaling: the white source pixel is a sharp 4x4 block
    assert colour_at(small, 3, 3) == "#ffffff" and colour_at(small, 4, 4) == "#000000"
    wide = render(str(write_png(tmp_path / "b.png", 40, 20)), THUMBNAIL, "images")
    assert (wide.width(), wide.height()) == (THUMBNAIL, THUMBNAIL // 2)
    big = render(str(write_png(tmp_path / "c.png", 300, 300)), 260, "images")
    assert (big.width(), big.height()) == (260, 260)


def test_missing_or_broken_image_files_get_a_placeholder(qapp, tmp_path):
    missing = render(str(tmp_path / "gone.png"), THUMBNAIL, "images")
    broken_path = tmp_path / "broken.png"
    broken_path.write_bytes(b"\x89PNG not really")
    broken = render(str(broken_path), THUMBNAIL, "images")
    for image in (missing, broken):
        assert not image.isNull() and (image.width(), image.height()) == (THUMBNAIL, THUMBNAIL)
    assert missing != broken  # the text says which problem it is
    assert colour_at(missing, THUMBNAIL // 2, 2) == "#eeeeee"  # the grey placeholder background


def test_cache_draws_each_domain_off_thread_once(qtbot, tmp_path):
    cache = DepictionCache(domain="dna")
    assert cache.pixmap("ACGT", THUMBNAIL) is None  # drawn in the background
    qtbot.waitUntil(lambda: cache.pixmap("ACGT", THUMBNAIL) is not None, timeout=10000)
    pixmap = cache.pixmap("ACGT", THUMBNAIL)
    assert not pixmap.isNull() and pixmap.width() == THUMBNAIL
    drawn = cache.rendered
    assert cache.pixmap("ACGT", THUMBNAIL) is pixmap and cache.rendered == drawn  # cached, not redrawn
    cache.set_domain("images")
    missing = str(tmp_path / "nope.png")
    cache.pixmap(missing, THUMBNAIL)
    qtbot.waitUntil(lambda: cache.attempted(missing, THUMBNAIL), timeout=10000)
    assert cache.pixmap(missing, THUMBNAIL) is not None  # the placeholder, not a crash or a blank cell


def test_only_visible_rows_are_drawn(qtbot):
    cache = DepictionCache(domain="protein")
    model = CandidateTableModel(cache)
    model.set_rows([record(i, item="ACDEFGHIKLMNPQRSTVWY"[i % 20] * (1 + i % 7)) for i in range(1, 3001)])
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.verticalHeader().setDefaultSectionSize(THUMBNAIL + 4)
    view.resize(600, 400)
    view.show()
    qtbot.waitUntil(
        lambda: model.data(model.index(0, DEPICTION), Qt.ItemDataRole.DecorationRole) is not None, timeout=10000
    )
    qtbot.waitUntil(lambda: not cache.busy, timeout=10000)
    assert 0 < cache.rendered < 60  # a few screenfuls at most, never the 3000 rows


def test_image_items_show_their_file_name(qapp):
    model = CandidateTableModel()
    model.set_rows([record(1, item="/data/campaign/items/ab12.png")])
    model.set_domain("images")
    assert model.data(model.index(0, ITEM)) == "ab12.png"
    assert model.data(model.index(0, ITEM), Qt.ItemDataRole.ToolTipRole) == "/data/campaign/items/ab12.png"


# ---- wizard -------------------------------------------------------------------------------------
def test_domain_page_lists_the_engines_domains(window, monkeypatch, tmp_path):
    import importlib.metadata
    import sys

    from designer_app import registry

    wizard = window.new_campaign()
    assert wizard.domain_page.domains() == list(registry.DOMAINS.names()) and "rna" in wizard.domain_page.domains()
    wizard.reject()
    # a domain a third-party package registers later: an entry point like the built-ins', nothing else
    (tmp_path / "dapp_peptides.py").write_text(
        "from designer_app.domains.sequences import SequenceDomain\n"
        "PEPTIDES = SequenceDomain(name='peptides', description='cyclic peptides (plug-in)', default_prior='',"
        " export_formats=('csv',), import_formats=('csv',), depiction='letters', alphabet='ACDE')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    real = importlib.metadata.entry_points
    fake = importlib.metadata.EntryPoint(name="peptides", value="dapp_peptides:PEPTIDES", group=registry.DOMAINS.group)
    monkeypatch.setattr(
        importlib.metadata,
        "entry_points",
        lambda *, group=None, **kw: [*real(group=group), *([fake] if group == fake.group else [])],
    )
    registry.clear_cache()
    wizard = window.new_campaign()
    assert wizard.domain_page.domains()[-1] == "peptides"
    assert "cyclic peptides" in wizard.domain_page.combo.itemText(len(wizard.domain_page.domains()) - 1)
    wizard.reject()
    sys.modules.pop("dapp_peptides", None)
    registry.clear_cache()


def test_prior_and_oracle_pages_follow_the_domain(window, monkeypatch):
    fake = [{"name": f"{d}-prior", "domain": d, "path": f"/p/{d}", "summary": "card"} for d in ("molecules", "dna")]
    monkeypatch.setattr("designer_app.models.priors.list_priors", lambda: fake)
    wizard = window.new_campaign()
    wizard.domain_page.set_domain("dna")
    wizard.next()
    page = wizard.prior_page
    assert [page.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(page.list.count())] == ["dna-prior"]
    wizard.oracle_page.initializePage()  # what Next shows (Next itself would validate the fake prior)
    oracles = [wizard.oracle_page.builtin.itemText(i) for i in range(wizard.oracle_page.builtin.count())]
    assert oracles and all(o.startswith("tfbind8:") for o in oracles) and "tfbind8:<TF>" not in oracles
    wizard.reject()


@pytest.mark.parametrize(
    "domain, expected, absent",
    [
        ("molecules", {"qed", "sa", "mpo:qed+sa"}, {"ehrlich", "brightness"}),
        ("protein", {"ehrlich"}, {"qed", "mpo:qed+sa", "tfbind8:SIX6_REF_R1"}),
        ("images", {"brightness"}, {"qed", "ehrlich"}),
    ],
)
def test_oracle_choices_per_domain(domain, expected, absent):
    specs = {c.spec for c in catalog.oracle_choices(domain)}
    assert expected <= specs and not (absent & specs)
    assert not any(s.startswith(("python", "command")) or s == "manual" for s in specs)  # own radio buttons


def test_oracle_choices_from_registry_entries():
    # the domains come from each form's own field, never from its description text
    forms = [
        OracleForm("tfbind8:<TF>", "binding; TF = A1, B2 (protein)", ("dna",), True),
        OracleForm("ehrlich[:v,L]", "Ehrlich", ("protein",), True),
        OracleForm("plug", "a plug-in for images", ("images",), False),
        OracleForm("manual", "lab", (), True),
    ]
    assert [c.spec for c in catalog.oracle_choices("dna", forms)] == ["tfbind8:A1", "tfbind8:B2"]
    assert [c.spec for c in catalog.oracle_choices("protein", forms)] == ["ehrlich"]
    assert [c.spec for c in catalog.oracle_choices("images", forms)] == ["plug"]


# ---- export -------------------------------------------------------------------------------------
def snapshot_for(domain: str, tmp_path) -> Snapshot:
    cfg = SimpleNamespace(domain=domain)  # the dialog reads only the domain of the configuration
    return Snapshot(tmp_path, cfg, (), (), None, "new")


@pytest.mark.parametrize(
    "domain, formats",
    [
        ("molecules", ["csv", "sdf"]),
        ("dna", ["csv", "fasta"]),
        ("protein", ["csv", "fasta"]),
        ("images", ["csv", "png"]),
    ],
)
def test_export_formats_follow_the_domain(qtbot, tmp_path, domain, formats):
    dialog = ExportDialog(snapshot_for(domain, tmp_path))
    qtbot.addWidget(dialog)
    assert dialog.formats() == {f: True for f in formats}
    dialog.format.setCurrentText(formats[1])
    expected = "top" if formats[1] == "png" else f"top.{formats[1]}"  # PNG export writes a folder
    assert Path(dialog.path.text()).name == expected
    assert dialog.request().fmt == formats[1]


def test_a_format_without_a_writer_is_listed_but_disabled(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr("designer_app.io.EXPORT_WRITERS", ("csv",))
    dialog = ExportDialog(snapshot_for("images", tmp_path))
    qtbot.addWidget(dialog)
    assert dialog.formats() == {"csv": True, "png": False}
    tip = dialog.format.itemData(1, Qt.ItemDataRole.ToolTipRole)
    assert "not available" in tip


def test_cache_is_bounded_by_memory(qtbot):
    cache = DepictionCache(domain="dna", max_bytes=3 * 260 * 260 * 4)  # three large pictures
    items = ["ACGT" * (i + 1) for i in range(5)]
    for item in items:
        cache.pixmap(item, 260)
        qtbot.waitUntil(lambda item=item: cache.attempted(item, 260), timeout=10000)
    assert [cache.attempted(item, 260) for item in items] == [False, False, True, True, True]  # oldest dropped
