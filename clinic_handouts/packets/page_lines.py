"""The "Page N of M" lines and the blank-page note, laid out once per packet length and reused."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pikepdf

from clinic_handouts.packets.forms import band
from clinic_handouts.pdf.accessibility import drop_empty_resources


@dataclass(frozen=True)
class PageLines:
    """What every packet of one length shares: a Form XObject per "Page N of M" line, and the blank-page note."""

    data: bytes
    pdf: pikepdf.Pdf
    lines: tuple[pikepdf.Object, ...]
    blank_note: pikepdf.Object

    @classmethod
    def from_bytes(cls, data: bytes, line_height: float) -> PageLines:
        """From a PDF with one line at the top of each page, then the note's page (as WeasyPrint wrote it)."""
        pdf = pikepdf.open(io.BytesIO(data))
        drop_empty_resources(pdf)
        *line_pages, note_page = pdf.pages
        return cls(
            data,
            pdf,
            tuple(band(pdf, page, 0, line_height) for page in line_pages),
            pdf.make_indirect(note_page.as_form_xobject()),
        )
