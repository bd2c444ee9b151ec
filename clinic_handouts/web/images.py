"""Pictures of PDF pages (library thumbnails, walk-in previews), made in memory with poppler's pdftocairo.

Why pdftocairo: it reads the PDF from standard input and writes the PNG to
standard output, so a packet's page (the patient's name is on it) never
touches the disk. At most two run at once, so previews cannot starve the
renderers of the machine's cores.
"""

from __future__ import annotations

import asyncio
import shutil

_GATE: asyncio.Semaphore | None = None
TIMEOUT = 30.0


class NoPictureError(Exception):
    """The page could not be drawn (no pdftocairo, or a page that does not exist)."""


def available() -> bool:
    return shutil.which("pdftocairo") is not None


async def page_png(pdf: bytes, page: int = 1, width: int = 300) -> bytes:
    """Page ``page`` (1-based) of a PDF as a PNG ``width`` pixels wide."""
    global _GATE
    if _GATE is None:
        _GATE = asyncio.Semaphore(2)
    async with _GATE:
        try:
            process = await asyncio.create_subprocess_exec(
                "pdftocairo",
                "-png",
                "-singlefile",
                "-f",
                str(page),
                "-l",
                str(page),
                "-scale-to-x",
                str(width),
                "-scale-to-y",
                "-1",
                "-",
                "-",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
            )
        except OSError:
            raise NoPictureError("pdftocairo is not installed (Debian package poppler-utils)") from None
        try:
            out, _ = await asyncio.wait_for(process.communicate(pdf), TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise NoPictureError("drawing the page took too long") from None
    if process.returncode != 0 or not out.startswith(b"\x89PNG"):
        raise NoPictureError(f"page {page} could not be drawn")
    return out
