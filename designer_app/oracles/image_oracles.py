"""Built-in image oracles (domain "images"); items are PNG file paths.

- `jpeg-compressibility`: minus the JPEG size in kB (1 kB = 1000 bytes) at quality 95, as DDPO's
  compressibility reward; higher = more compressible (smooth, flat pictures).
- `jpeg-incompressibility`: plus that size (DDPO's incompressibility reward; detailed, noisy pictures).
- `brightness`: mean pixel value in 0..1 over the RGB channels; optimum 1.0 (a white picture).

Transparent pixels count as drawn on black (as the image prior reads them). A missing or unreadable
file is a *failed* measurement with a note; `score()` never raises.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from designer_app.core.protocols import OK, OracleResult
from designer_app.oracles.kinds import OracleKind, plain_kind
from designer_app.oracles.results import describe_exception, failed

JPEG_QUALITY = 95  # DDPO's setting for its (in)compressibility rewards


def _flatten(img: Any) -> Any:
    """Grey stays grey, everything else becomes RGB; alpha is composited onto black."""
    from PIL import Image

    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        img = Image.alpha_composite(Image.new("RGBA", rgba.size, (0, 0, 0, 255)), rgba)
    return img.convert("L") if img.mode in ("1", "L", "I", "I;16", "F") else img.convert("RGB")


def jpeg_size_kb(img: Any, quality: int = JPEG_QUALITY) -> float:
    """Size in kB of a PIL image saved as JPEG at `quality`."""
    buffer = io.BytesIO()
    _flatten(img).save(buffer, format="JPEG", quality=quality)
    return buffer.tell() / 1000.0


def brightness(img: Any) -> float:
    """Mean pixel value of the RGB picture, in 0..1."""
    return float(np.asarray(_flatten(img).convert("RGB"), dtype=np.float64).mean() / 255.0)


@dataclass(frozen=True)
class ImageScore:
    """One built-in per-image score.

    Attributes:
        name: the spec word.
        description: one line for `designer-app list oracles`.
        optimum: best attainable value (enables regret), None when unknown.
        fn: PIL image -> score.
    """

    name: str
    description: str
    optimum: float | None
    fn: Callable[[Any], float]


IMAGE_SCORES: dict[str, ImageScore] = {
    "jpeg-compressibility": ImageScore(
        "jpeg-compressibility",
        f"minus JPEG size in kB at quality {JPEG_QUALITY} (DDPO), higher = simpler",
        None,
        lambda img: -jpeg_size_kb(img),
    ),
    "jpeg-incompressibility": ImageScore(
        "jpeg-incompressibility",
        f"JPEG size in kB at quality {JPEG_QUALITY} (DDPO), higher = more detail",
        None,
        jpeg_size_kb,
    ),
    "brightness": ImageScore("brightness", "mean pixel value, 0..1 (optimum 1.0, white)", 1.0, brightness),
}


class ImageOracle:
    """Scores PNG paths with one built-in image score.

    Args:
        score_name: a key of IMAGE_SCORES.
        name: the spec this oracle was made from (defaults to `score_name`).
    """

    is_manual = False

    def __init__(self, score_name: str, *, name: str | None = None) -> None:
        if score_name not in IMAGE_SCORES:
            raise ValueError(f"unknown image score {score_name!r}; known: {', '.join(IMAGE_SCORES)}")
        self.score_name = score_name
        self.name = name or score_name
        self.optimum: float | None = IMAGE_SCORES[score_name].optimum

    def __repr__(self) -> str:
        return f"ImageOracle(name={self.name!r}, optimum={self.optimum!r})"

    def score(self, items: Sequence[str]) -> list[OracleResult]:
        return [self._score_one(item) for item in items]

    def _score_one(self, item: str) -> OracleResult:
        from designer_app.domains.images import ImageReadError, open_image

        if not isinstance(item, str) or not item:
            return failed("no image file given")
        try:
            img = open_image(item)
        except ImageReadError as exc:
            return failed(str(exc))
        try:
            return OracleResult(value=float(IMAGE_SCORES[self.score_name].fn(img)), status=OK)
        except Exception as exc:  # Pillow can still fail on odd modes; never crash the loop
            return failed(f"{self.score_name}: {describe_exception(exc)}")


def _image_kind(score_name: str, order: int) -> OracleKind:
    return plain_kind(
        score_name,
        ("images",),
        IMAGE_SCORES[score_name].description,
        lambda spec: ImageOracle(score_name, name=spec),
        order,
    )


# The built-in image oracle kinds; pyproject.toml registers each under its name.
JPEG_COMPRESSIBILITY = _image_kind("jpeg-compressibility", 90)
JPEG_INCOMPRESSIBILITY = _image_kind("jpeg-incompressibility", 91)
BRIGHTNESS = _image_kind("brightness", 92)
