"""How full each page of a PDF is, and its text line by line, as poppler draws and reads it."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

#: Dots per inch of the drawings used to measure fill: enough to see a line of text or a rule.
DPI = 30


def fills(data: bytes, top: float, bottom: float) -> list[float]:
    """For each page, the share of the body's height (between margins, in points) used down to its lowest ink."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["pdftoppm", "-gray", "-r", str(DPI), "-", str(Path(folder) / "p")], input=data, check=True)
        out = []
        for path in sorted(Path(folder).glob("p-*.pgm"), key=lambda p: int(p.stem.split("-")[1])):
            picture = Image.open(path)
            scale = DPI / 72
            y0, y1 = round(top * scale), picture.height - round(bottom * scale)
            body = picture.crop((0, y0, picture.width, y1))
            ink = body.point(lambda v: 255 if v < 160 else 0).getbbox()  # the box around every dark pixel
            out.append(ink[3] / body.height if ink else 0.0)
        return out


def page_lines(data: bytes) -> list[list[str]]:
    """Each page's text as laid out, line by line (``pdftotext -layout``), spaces folded, empty lines dropped."""
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout
    pages = text.decode("utf-8").split("\f")[:-1]  # poppler ends every page with a form feed
    return [[re.sub(r"\s+", " ", line).strip() for line in page.split("\n") if line.strip()] for page in pages]
