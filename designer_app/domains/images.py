"""The image domain: items are absolute paths of PNG files (written by the prior into the campaign's
items/ folder, or the user's own files). Two files holding the same picture are one design: the key
is a hash of the decoded pixel values, and the prior names the files it writes by that hash.

Pillow is imported lazily so that importing the domain registry stays cheap.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from designer_app.domains.base import IMAGE, Domain

KEY_HEX_CHARS = 24  # 96 bits of sha256: collisions are out of reach for any campaign


class ImageReadError(ValueError):
    """A file is missing or is not an image Pillow can decode; the message says which and why."""


def open_image(path: str | Path) -> Any:
    """The fully decoded PIL image at `path`; ImageReadError naming the file otherwise."""
    from PIL import Image, UnidentifiedImageError

    p = Path(path).expanduser()
    if not p.is_file():
        raise ImageReadError(f"image file {p} does not exist; give the path of a PNG file")
    try:
        with Image.open(p) as img:
            img.load()  # decode now: a truncated file fails here, not later in an oracle
            return img.copy()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ImageReadError(f"{p} is not a readable image ({exc}); save it as PNG and try again") from None


def pixel_key(img: Any) -> str:
    """Content key of a PIL image: a hash of its size and RGBA pixel values, so the same picture
    stored as grey PNG, RGB PNG or under another name has one key."""
    rgba = img.convert("RGBA")
    digest = hashlib.sha256(f"{rgba.width}x{rgba.height}:".encode() + rgba.tobytes())
    return digest.hexdigest()[:KEY_HEX_CHARS]


def png_bytes(img: Any) -> bytes:
    """A PIL image as PNG file content."""
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return buffer.getvalue()


def array_to_image(pixels: np.ndarray) -> Any:
    """uint8 pixels (H, W, C) with C = 1 (grey), 3 (RGB) or 4 (RGBA) -> PIL image."""
    from PIL import Image

    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in (1, 3, 4):
        raise ValueError(f"expected uint8 pixels (H, W, 1|3|4), got {pixels.dtype} {pixels.shape}")
    if pixels.shape[2] == 1:
        return Image.fromarray(pixels[:, :, 0], mode="L")
    return Image.fromarray(pixels, mode="RGB" if pixels.shape[2] == 3 else "RGBA")


def image_to_array(img: Any, channels: int, size: tuple[int, int] | None = None) -> np.ndarray:
    """PIL image -> float32 pixels (channels, H, W) in [-1, 1]: grey for 1 channel, RGB for 3;
    resized (bilinear) to `size` = (H, W) when given. Transparent areas count as drawn on black."""
    from PIL import Image

    if channels not in (1, 3):
        raise ValueError(f"images must have 1 (grey) or 3 (RGB) channels, not {channels}")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        img = Image.alpha_composite(background, rgba)
    img = img.convert("L" if channels == 1 else "RGB")
    if size is not None and (img.height, img.width) != tuple(size):
        img = img.resize((size[1], size[0]), Image.Resampling.BILINEAR)
    arr = np.asarray(img, dtype=np.float32).reshape(img.height, img.width, channels)
    return arr.transpose(2, 0, 1) / 127.5 - 1.0


@dataclass(frozen=True)
class ImageDomain(Domain):
    """Images as PNG files: canonical items, keys and feasibility."""

    def canonical_item(self, text: str) -> tuple[str | None, str]:
        """(absolute path, "") for a readable image file, or (None, what is wrong)."""
        text = (text or "").strip()
        if not text:
            return None, "empty image path; give the path of a PNG file"
        try:
            open_image(text)
        except ImageReadError as exc:
            return None, str(exc)
        return str(Path(text).expanduser().resolve()), ""

    def feasibility(self, item: str | None) -> tuple[bool, str]:
        """An image is feasible when its file exists and decodes."""
        if not item:
            return False, "no image was written"
        try:
            open_image(item)
        except ImageReadError as exc:
            return False, str(exc)
        return True, ""

    def key(self, item: str | None) -> str:
        """Hash of the decoded pixels (the same picture in two files is one design); the path itself
        when the file cannot be read, so unreadable items never collide with real pictures."""
        if not item:
            return ""
        try:
            return pixel_key(open_image(item))
        except ImageReadError:
            return f"unreadable:{item}"


IMAGES = ImageDomain(
    name="images",
    description="images (PNG files)",
    default_prior="images-digits",
    export_formats=("csv", "png"),
    import_formats=("csv",),
    depiction=IMAGE,
    pretrainer="designer_app.pretraining.images",
    item_label="image",
    item_files=True,
    order=90,
)
