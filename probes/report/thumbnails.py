"""Shrink a guide's screenshot for the report: a JPEG of its top, as a data URL."""

from __future__ import annotations

import base64
import io
import math

THUMBNAIL_WIDTH = 480


THUMBNAIL_HEIGHT = 1200  # at most, from the top


def thumbnail(data: bytes) -> str | None:
    """A small JPEG as a data: URI, so a report of 36 cities stays a few megabytes."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with matplotlib
        return "data:image/jpeg;base64," + base64.b64encode(data).decode()
    image = Image.open(io.BytesIO(data))
    if image.width > THUMBNAIL_WIDTH:
        # a JPEG is decoded at the smallest scale (1/2, 1/4, 1/8) still as wide as the
        # thumbnail, and only the top the thumbnail shows is resized: a full-page capture
        # costs a fraction of decoding it whole (bench/growth.py)
        image.draft("RGB", (THUMBNAIL_WIDTH, THUMBNAIL_WIDTH * image.height // image.width))
        image = image.convert("RGB")
        shown = min(image.height, math.ceil(THUMBNAIL_HEIGHT * image.width / THUMBNAIL_WIDTH))
        image = image.crop((0, 0, image.width, shown))
        height = int(image.height * THUMBNAIL_WIDTH / image.width)
        image = image.resize((THUMBNAIL_WIDTH, height))
    image = image.convert("RGB")
    image = image.crop((0, 0, image.width, min(image.height, THUMBNAIL_HEIGHT)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=60)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()
