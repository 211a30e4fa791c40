"""PNG export for the image domain: a folder of the candidates' PNG files plus a contact sheet.

`write_png_folder(rows, out)` writes `out/` with one file per candidate named
`id<ID>_round<R>_score<S>.png` (score "unscored" while unmeasured), `out/contact_sheet.png` (a grid of
all of them, best first when scored, each tile labelled with id and score) and `out/candidates.csv` (the
usual CSV export with the new file names, which import-scores reads back). Every file is written
atomically; an existing folder is updated in place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from designer_app.atomic import atomic_write_bytes
from designer_app.io.export import ExportRow, write_csv

__all__ = ["ContactSheetConfig", "contact_sheet", "write_png_folder", "png_name"]


@dataclass(frozen=True)
class ContactSheetConfig:
    """Layout of a contact sheet.

    Attributes:
        tile: side in pixels each image is scaled to (nearest neighbour, so small pictures stay crisp).
        columns: tiles per row; 0 = a square-ish grid.
        gap: pixels between tiles.
        labels: write a caption under each tile (needs the labels passed to `contact_sheet`).
        background: grey level 0..255 of the gaps.
    """

    tile: int = 64
    columns: int = 0
    gap: int = 4
    labels: bool = True
    background: int = 255


def contact_sheet(
    images: Sequence[Any], captions: Sequence[str] | None = None, cfg: ContactSheetConfig = ContactSheetConfig()
) -> Any:
    """PIL images -> one RGB PIL image with a grid of them (and captions under each when given)."""
    from PIL import Image, ImageDraw

    if not images:
        raise ValueError("a contact sheet needs at least one image")
    n = len(images)
    cols = cfg.columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    label_h = 12 if (cfg.labels and captions) else 0
    cell_w, cell_h = cfg.tile + cfg.gap, cfg.tile + label_h + cfg.gap
    sheet = Image.new("RGB", (cols * cell_w + cfg.gap, rows * cell_h + cfg.gap), (cfg.background,) * 3)
    draw = ImageDraw.Draw(sheet)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        x, y = cfg.gap + c * cell_w, cfg.gap + r * cell_h
        tile = img.convert("RGB").resize((cfg.tile, cfg.tile), Image.Resampling.NEAREST)
        sheet.paste(tile, (x, y))
        if label_h:
            draw.text((x, y + cfg.tile), captions[i][: max(1, cfg.tile // 6)], fill=(0, 0, 0))
    return sheet


def grid_from_pixels(pixels: np.ndarray, cfg: ContactSheetConfig = ContactSheetConfig(labels=False)) -> Any:
    """uint8 pixels (N, H, W, C) with C = 1 or 3 -> a contact sheet without captions (e.g. a prior's
    samples.png)."""
    from designer_app.domains.images import array_to_image

    return contact_sheet([array_to_image(p) for p in pixels], None, cfg)


def png_name(row: ExportRow) -> str:
    score = "unscored" if row.score is None else f"{row.score:.4g}"
    return f"id{row.id}_round{row.round}_score{score}.png"


def write_png_folder(
    rows: Sequence[ExportRow], out: str | Path, cfg: ContactSheetConfig = ContactSheetConfig()
) -> tuple[Path, int, list[int]]:
    """Copy each row's PNG into `out` (named by png_name), write contact_sheet.png and candidates.csv.

    Returns:
        (out, number of images written, ids whose file could not be read — left out, still in the CSV).
    """
    from designer_app.domains.images import ImageReadError, open_image, png_bytes

    out = Path(out)
    if out.suffix.lower() == ".png" or (out.exists() and not out.is_dir()):
        raise ValueError(
            f"PNG export writes a folder of PNGs and a contact sheet, not one file: give a folder "
            f"path such as {out.with_suffix('')}"
        )
    out.mkdir(parents=True, exist_ok=True)
    ordered = sorted(rows, key=lambda r: (r.score is None, -(r.score or 0.0), r.id))
    images, captions, missing, csv_rows = [], [], [], []
    for row in ordered:
        try:
            img = open_image(row.item)
        except ImageReadError:
            missing.append(row.id)
            csv_rows.append(row)
            continue
        name = png_name(row)
        atomic_write_bytes(out / name, png_bytes(img))
        images.append(img)
        captions.append(f"{row.id}: " + ("-" if row.score is None else f"{row.score:.3g}"))
        csv_rows.append(replace(row, extra={**row.extra, "file": name}))
    if images:
        atomic_write_bytes(out / "contact_sheet.png", png_bytes(contact_sheet(images, captions, cfg)))
    write_csv(csv_rows, out / "candidates.csv")
    return out, len(images), missing
