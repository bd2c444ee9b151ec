"""How full each page of a PDF is, and its text line by line, as poppler draws and reads it."""

from __future__ import annotations

import functools
import io
import re
import subprocess
import tempfile
from pathlib import Path

import pikepdf
from PIL import Image

#: Dots per inch of the drawings used to measure fill: enough to see a line of text or a rule.
DPI = 30


@functools.lru_cache(maxsize=64)
def for_poppler(data: bytes) -> bytes:
    """The PDF as the tests give it to poppler: without its PDF/A output intent (an ICC profile, colour only).

    Given an output intent, poppler builds its colour transforms with lcms again and again: 90% of
    ``pdftotext``'s time (0.44 s for a 24-page packet; 0.03 s without). The text poppler reads and the
    pixels it draws are the same bytes either way (``tests/packets/test_builder.py`` checks it); the
    intent itself is checked by ``verify`` and the outside checkers, on the PDF as produced.
    """
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/OutputIntents" not in pdf.Root:
            return data
        del pdf.Root["/OutputIntents"]
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def poppler(tool: str, data: bytes, *options: str) -> bytes:
    """What a poppler tool writes to standard output for a PDF in memory, given as ``for_poppler`` makes it."""
    return run_poppler(tool, for_poppler(data), *options)


def run_poppler(tool: str, pdf: bytes, *options: str) -> bytes:
    """What a poppler tool writes to standard output for exactly these PDF bytes: ``pdftotext``'s text, or
    the one page ``pdftoppm`` draws when given no file name root (``-f N -l N``)."""
    output = ["-"] if tool == "pdftotext" else []
    return subprocess.run([tool, *options, "-", *output], input=pdf, capture_output=True, check=True).stdout


def fills(data: bytes, top: float, bottom: float) -> list[float]:
    """For each page, the share of the body's height (between margins, in points) used down to its lowest ink."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            ["pdftoppm", "-gray", "-r", str(DPI), "-", str(Path(folder) / "p")], input=for_poppler(data), check=True
        )
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
    text = poppler("pdftotext", data, "-layout")
    pages = text.decode("utf-8").split("\f")[:-1]  # poppler ends every page with a form feed
    return [[re.sub(r"\s+", " ", line).strip() for line in page.split("\n") if line.strip()] for page in pages]
