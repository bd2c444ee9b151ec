"""The cover: how many pages it likely takes, and taking the identifiers' sheet off after it is written.

WeasyPrint lays out the cover page(s), then a sheet with the patient's name
and date of birth, in one document, written once, tagged; the sheet then
leaves the structure tree and the page list and is kept as a drawing to
stamp on every page of the packet.
"""

from __future__ import annotations

import contextlib

import pikepdf
import weasyprint
from pikepdf import Array, Dictionary, Name

from clinic_handouts.content.visits import Visit
from clinic_handouts.errors import HandoutError, Problem
from clinic_handouts.i18n import has_catalog
from clinic_handouts.pdf.accessibility import PT_PER_PX
from clinic_handouts.pdf.actual_text import add_actual_text
from clinic_handouts.pdf.structure import kids, parent_tree_entries
from clinic_handouts.render.stamp import StampBox
from clinic_handouts.render.weasyprint_internals import height_of, text_of


def likely_cover_pages(visit: Visit, handouts: int, large_print: bool) -> int:
    """How many pages the bundled cover takes: in large print, two with four handouts or more, or with
    a note and two or more (measured). A wrong guess costs one more layout, not a different packet."""
    return 2 if large_print and (handouts >= 4 or (visit.note is not None and handouts >= 2)) else 1


def cover_language(visit: Visit) -> str:
    """The cover speaks the patient's language when the templates have a catalog for it;
    otherwise all of it is English, never a mixture."""
    return visit.patient.language if has_catalog(visit.patient.language) else "en"


def identity_sheet_height(document: weasyprint.Document, stamp: StampBox) -> float:
    """The height of the identifiers on their sheet, in points, after checking the sheet is the last
    page, alone: it is taken out of the cover afterwards.

    A clinic's own template or style.css could move it (no page break, another page size); then
    the last page would be part of the cover, and taking it out would lose it.
    """
    last = document.pages[-1]
    width, height = last.width * PT_PER_PX, last.height * PT_PER_PX
    expected = (stamp.width, stamp.height + stamp.line * 4)
    identifiers = 0.0
    if len(document.pages) >= 2 and abs(width - expected[0]) < 0.5 and abs(height - expected[1]) < 0.5:
        with contextlib.suppress(RuntimeError):  # no identifiers on it: refused below
            identifiers = height_of(last, "stamp-identity")
    if identifiers <= 0:
        raise HandoutError(
            Problem(
                "packet.html: the patient's identifiers must come last, on their own 'stamps' page; "
                "check the clinic's templates/packet.html and style.css"
            )
        )
    return identifiers


def shows_name(text: str, name: str) -> bool:
    """Whether a text box shows the name, or whole words of it (a name wrapped onto two lines)."""
    shown, name = " ".join(text.split()), " ".join(name.split())
    return bool(shown) and (name in shown or f" {shown} " in f" {name} ")


def spell_out_name(pdf: pikepdf.Pdf, document: weasyprint.Document, name: str) -> int:
    """Make the patient's name read back as written (``pdftotext``, copy and paste) on the cover and on
    the identifiers' sheet, whatever its script: the text boxes showing it get /ActualText
    (``pdf.actual_text``). ``pdf`` is ``document`` as written; returns how many boxes got it."""
    return sum(
        add_actual_text(pdf, page, text_of(laid_out), lambda text: shows_name(text, name))
        for page, laid_out in zip(pdf.pages, document.pages, strict=True)
    )


def unlink_page(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    """Take the structure elements of a page's content out of the tree (``make_accessible`` then
    rewrites the page's marked content as artifacts)."""
    key = page.obj.get("/StructParents")
    elements = parent_tree_entries(pdf.Root.StructTreeRoot).get(int(key)) if key is not None else None
    for element in elements if isinstance(elements, Array) else []:
        while isinstance(element, Dictionary) and element.get("/S") != Name.Document:
            parent = element.get("/P")
            if parent is None:
                break
            remaining = [k for k in kids(parent) if not (isinstance(k, Dictionary) and k.objgen == element.objgen)]
            parent.K = Array(remaining)
            if remaining:
                break
            element = parent  # now empty: it goes too


def drop_last_page(pdf: pikepdf.Pdf) -> None:
    """Remove the last page and its parent-tree entry (its content must be out of the tree already)."""
    page = pdf.pages[-1]
    key = page.obj.get("/StructParents")
    tree = pdf.Root.StructTreeRoot.ParentTree
    nums = tree.get("/Nums")  # WeasyPrint writes a flat parent tree
    if key is not None and nums is not None:
        kept = [(nums[i], nums[i + 1]) for i in range(0, len(nums), 2) if int(nums[i]) != int(key)]
        tree.Nums = Array([value for pair in kept for value in pair])
    del pdf.pages[-1]
