"""Each distinct document laid out and written once per test process, and replayed after that.

Most tests lay out the fixture project's few handouts again and again (the same Botox handout in a
packet, in a batch, through the CLI, under another folder name), and WeasyPrint's layout is most of
the suite's time. ``Renderer.write_pdf`` gives the same bytes for the same inputs (the tests marked
``fresh_renders`` check that, and always render), so the first call with given inputs renders and
later calls with the same inputs get those bytes, and WeasyPrint's warnings logged again.

The inputs are everything the layout reads: the HTML (the project's folder name taken out), every
style sheet it links to and the project's ``styles/`` folder, the fonts' settings and
``SOURCE_DATE_EPOCH``. A test that changes any of them renders anew; a render that fails is never kept.
Batch workers are forked from the test process and start with its replays.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from clinic_handouts.render import renderer as renderer_module

#: file:// addresses in a document (a clinic's style sheet)
FILE_URL = re.compile(r"""file://[^"'\s)]+""")

_KEPT: dict[str, tuple[bytes, int, tuple[logging.LogRecord, ...]]] = {}
_FRESH = [False]
_REAL = renderer_module.Renderer.write_pdf


def _folder_key(digest: hashlib._Hash, folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        stat = path.lstat()
        digest.update(f"{path.relative_to(folder)}:{stat.st_mode}:{stat.st_size}\0".encode())
        if path.suffix == ".css" and path.is_file():
            digest.update(path.read_bytes())


def inputs_key(renderer: renderer_module.Renderer, html: str) -> str:
    """A hash of everything ``write_pdf`` reads for this document."""
    root = str(renderer.project.root)
    digest = hashlib.sha256(html.replace(root, "\0root\0").encode())
    for url in sorted(set(FILE_URL.findall(html))):
        path = Path(unquote(urlsplit(url).path))
        digest.update(url.replace(root, "\0root\0").encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"\0missing\0")
    _folder_key(digest, renderer.project.styles_dir)
    for variable in ("SOURCE_DATE_EPOCH", "FONTCONFIG_FILE", "FONTCONFIG_PATH"):
        digest.update(f"{variable}={os.environ.get(variable, '')}\0".encode())
    return digest.hexdigest()


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def write_pdf_once(self: renderer_module.Renderer, html: str) -> tuple[bytes, int]:
    """``Renderer.write_pdf``, rendering each distinct input once per process."""
    if _FRESH[0]:
        return _REAL(self, html)
    key = inputs_key(self, html)
    if key not in _KEPT:
        keep = _Keep()
        renderer_module.WEASYPRINT_LOGGER.addHandler(keep)
        try:
            data, pages = _REAL(self, html)
        finally:
            renderer_module.WEASYPRINT_LOGGER.removeHandler(keep)
        _KEPT[key] = (data, pages, tuple(keep.records))
        return data, pages
    data, pages, records = _KEPT[key]
    for record in records:
        renderer_module.WEASYPRINT_LOGGER.handle(record)
    return data, pages


def install() -> None:
    """Replay renders from here on (called once per test process, by conftest)."""
    renderer_module.Renderer.write_pdf = write_pdf_once  # type: ignore[method-assign]


@contextlib.contextmanager
def fresh() -> Iterator[None]:
    """Every render in the block really renders (and none is kept)."""
    _FRESH[0] = True
    try:
        yield
    finally:
        _FRESH[0] = False
