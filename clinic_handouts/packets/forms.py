"""Form XObjects: a band cut out of a laid-out page, drawn on other pages as an artifact (the stamps)."""

from __future__ import annotations

import pikepdf
from pikepdf import Array, Dictionary, Name


def band(pdf: pikepdf.Pdf, page: pikepdf.Page, offset: float, height: float) -> pikepdf.Object:
    """A Form XObject (in ``pdf``) showing the band of ``page`` that starts ``offset`` points below its top."""
    form = pdf.make_indirect(page.as_form_xobject())
    top = float(form.BBox[3]) - offset
    form.BBox = Array([form.BBox[0], top - height, form.BBox[2], top])
    return form


def draw_artifact(out: pikepdf.Pdf, page: pikepdf.Page, form: pikepdf.Object, x: float, y: float) -> None:
    """Draw a Form XObject with its box's lower-left corner at (x, y), as an artifact (not read aloud).

    Resource names are numbered, not random (pikepdf's ``prefix``), so the same packet gives the same bytes;
    pages may share one resource dictionary, so the number is the next free one in it.
    """
    resources = page.obj.get("/Resources")
    taken = set(resources.get("/XObject", Dictionary()).keys()) if resources is not None else set()
    number = len(taken)
    while f"/Stamp{number}" in taken:
        number += 1
    name = page.add_resource(form, Name.XObject, Name(f"/Stamp{number}"))
    dx, dy = x - float(form.BBox[0]), y - float(form.BBox[1])
    page.contents_add(b"q\n", prepend=True)
    page.contents_add(f"Q\n/Artifact BMC q 1 0 0 1 {dx:.3f} {dy:.3f} cm {name} Do Q EMC\n".encode())
