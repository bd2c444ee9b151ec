"""Turning HTML into PDF with WeasyPrint.

WeasyPrint reports problems (a missing image, an unknown CSS property, a
missing glyph) through its logger rather than by raising; they are collected
here so the caller decides whether a warning fails the build (strict mode).
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import weasyprint
from weasyprint.text.fonts import FontConfiguration

from clinic_handouts.content.library import Project
from clinic_handouts.errors import HandoutError, Problem
from clinic_handouts.pdf.accessibility import PDF_VARIANT
from clinic_handouts.pdf.claims import finish
from clinic_handouts.render.fetcher import AssetFetcher, RefusedURLError

WEASYPRINT_LOGGER = logging.getLogger("weasyprint")
#: the page's own style sheet, which base.html writes first in the document's head
PAGE_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def collect_warnings() -> Iterator[list[str]]:
    """Collect what WeasyPrint logs at warning level or above while the block runs."""
    collector = _Collector()
    WEASYPRINT_LOGGER.addHandler(collector)
    try:
        yield collector.messages
    finally:
        WEASYPRINT_LOGGER.removeHandler(collector)


class Renderer:
    """Lays out HTML with the project's stylesheet, parsed once and reused.

    The project's ``styles/handout.css`` is given to WeasyPrint as a user
    stylesheet, so that what a page sets itself (paper, brand colours, print
    size) and a clinic's own ``style.css`` override it. Keeping one renderer
    alive (as batch workers do) saves parsing the stylesheet and loading its
    fonts for every document.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self.font_config = FontConfiguration()
        self.fetcher = AssetFetcher(project.asset_dirs)
        #: images (the clinic's logo) decoded once and reused by every document
        self.image_cache: dict = {}
        #: each distinct page style, parsed once
        self._page_styles: dict[str, weasyprint.CSS] = {}

    @cached_property
    def stylesheet(self) -> weasyprint.CSS:
        """The project's ``styles/handout.css`` with its fonts, parsed when the first document needs it."""
        with refusals_as_errors():
            return weasyprint.CSS(
                filename=str(self.project.confine(self.project.styles_dir / "handout.css")),
                url_fetcher=self.fetcher,
                font_config=self.font_config,
            )

    def layout(self, html: str) -> weasyprint.Document:
        """Lay out HTML into pages; only the project's asset folders can be read.

        The page's own ``<style>`` (paper, brand colours, running texts: the first one in the
        document) is parsed once per distinct text and given to WeasyPrint after the project's
        stylesheet, which it overrides as before; a clinic's ``style.css`` still overrides both.
        A batch lays out hundreds of covers with the same page style.
        """
        base_url = str(self.project.templates_dir) + "/"
        sheets = [self.stylesheet]
        own = PAGE_STYLE.search(html)
        if own:
            html = html[: own.start()] + html[own.end() :]
            sheets.append(self._page_style(own.group(1), base_url))
        with refusals_as_errors():
            return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=self.fetcher).render(
                font_config=self.font_config, stylesheets=sheets, cache=self.image_cache
            )

    def write_pdf(self, html: str) -> tuple[bytes, int]:
        """Lay out HTML and write it (``pdf_bytes``): WeasyPrint's PDF, before the repairs, and its page count."""
        document = self.layout(html)
        return pdf_bytes(document), len(document.pages)

    def _page_style(self, css: str, base_url: str) -> weasyprint.CSS:
        if css not in self._page_styles:
            if len(self._page_styles) >= 512:
                self._page_styles.clear()
            self._page_styles[css] = weasyprint.CSS(
                string=css, base_url=base_url, url_fetcher=self.fetcher, font_config=self.font_config
            )
        return self._page_styles[css]


@contextlib.contextmanager
def refusals_as_errors() -> Iterator[None]:
    """A URL the fetcher refused stops the build with a user-facing error."""
    try:
        yield
    except RefusedURLError as exc:
        raise HandoutError(Problem(str(exc))) from None


def pdf_bytes(document: weasyprint.Document, *, compress: bool = True) -> bytes:
    """Write a laid-out document as tagged PDF/A-3u bytes with every font embedded.

    These bytes still need ``claims.finish`` (or the packet assembly): WeasyPrint
    leaves margin boxes unlinked and names only PDF/A in the XMP. Attachments are
    fetched at this step, so refusals are caught here too. ``compress=False``
    leaves the streams for pikepdf to compress when it saves the final file.
    """
    with refusals_as_errors():
        return document.write_pdf(pdf_tags=True, pdf_variant=PDF_VARIANT, uncompressed_pdf=not compress)


@dataclass(frozen=True)
class Rendered:
    """A finished PDF in memory, its page count, and what WeasyPrint warned about."""

    data: bytes
    pages: int
    warnings: tuple[str, ...] = ()


def render_pdf(
    html: str,
    project: Project,
    created: datetime | None = None,
    *,
    strict: bool = False,
    renderer: Renderer | None = None,
) -> Rendered:
    """HTML to a finished PDF (PDF/A-3u and PDF/UA-1 when the checks pass); in strict mode a warning is an error.

    Pass a ``renderer`` to reuse its parsed stylesheet and fonts across documents.
    """
    with collect_warnings() as warnings:
        data, pages = (renderer or Renderer(project)).write_pdf(html)
    if strict and warnings:
        raise HandoutError([Problem(f"WeasyPrint: {w}") for w in warnings])
    finished = finish(data, created)
    if strict and finished.warnings:
        raise HandoutError([Problem(w) for w in finished.warnings])
    return Rendered(finished.data, pages, (*warnings, *finished.warnings))
