"""Turning WeasyPrint's tagged PDF/A-3u output into a file that is also PDF/UA-1.

WeasyPrint 70 writes one ``pdf_variant`` per file and leaves two gaps for
PDF/UA (its issue 1836): the text of page margin boxes (running header and
footers) is marked with MCIDs whose structure elements are never linked into
the tree, and a ``<dl>`` becomes ``L > Div > LI LI``. This module closes both
gaps on the written file (``xmp`` then writes the metadata that names both
standards).

* The running header on a document's first page (the clinic's logo, with its
  alternative text, and name) is linked into the tree as real content; every
  other margin-box sequence becomes a ``/Artifact /Pagination`` sequence and
  leaves the parent tree. The bytes painted are unchanged.
* A glossary group ``Div > (LI > LBody) (LI > LBody)`` becomes ``LI > Lbl LBody``.
* A Figure's ``/BBox`` layout attribute, which WeasyPrint 70 writes in CSS
  pixels measured from the top of the page, is rewritten in PDF points from
  the bottom, as the PDF specification defines it.
"""

from __future__ import annotations

import re

import pikepdf
from pikepdf import Array, Dictionary, Name

from clinic_handouts.pdf.structure import child_elements, elements_in_order, kids, parent_tree_entries, reachable
from clinic_handouts.pdf.tounicode import fill_empty_mappings

#: CSS pixels to PDF points (a CSS pixel is 1/96 inch); WeasyPrint measures its boxes in CSS pixels
PT_PER_PX = 0.75

PDF_VARIANT = "pdf/a-3u"
PAGINATION = Dictionary(Type=Name.Pagination)


def _top_below(element: pikepdf.Object, document: pikepdf.Object) -> pikepdf.Object | None:
    """The ancestor of ``element`` whose parent is ``document``."""
    for _ in range(64):
        parent = element.get("/P")
        if parent is None:
            return None
        if parent.objgen == document.objgen:
            return element
        element = parent
    return None


def _has_figure(element: pikepdf.Object) -> bool:
    stack = [element]
    while stack:
        node = stack.pop()
        if node.get("/S") == Name.Figure:
            return True
        stack.extend(child_elements(node))
    return False


def artifact_margin_boxes(pdf: pikepdf.Pdf) -> int:
    """Link the first page's running header, make every other unlinked sequence an artifact.

    Returns how many marked-content sequences became artifacts.
    """
    root = pdf.Root.StructTreeRoot
    document = next(child_elements(root))
    linked = reachable(root)
    entries = parent_tree_entries(root)
    changed = 0
    for number, page in enumerate(pdf.pages):
        key = page.obj.get("/StructParents")
        mcids = entries.get(int(key)) if key is not None else None
        if not isinstance(mcids, Array):
            continue
        unlinked = {i for i, el in enumerate(mcids) if isinstance(el, Dictionary) and el.objgen not in linked}
        if number == 0 and unlinked:
            tops: list[pikepdf.Object] = []
            for mcid in sorted(unlinked):
                top = _top_below(mcids[mcid], document)
                if top is not None and top.objgen not in {t.objgen for t in tops} and _has_figure(top):
                    tops.append(top)
            if tops:
                document.K = Array([*tops, *kids(document)])
                linked = reachable(root)
                unlinked = {i for i in unlinked if mcids[i].objgen not in linked}
        if not unlinked:
            continue
        _rewrite_as_artifacts(pdf, page, unlinked)
        for mcid in unlinked:
            mcids[mcid] = None
        changed += len(unlinked)
    return changed


#: how WeasyPrint (pydyf) writes the start of a tagged sequence: ``/P <</MCID 12>> BDC`` on three lines
_TAGGED = re.compile(rb"/[A-Za-z0-9]+\s+<</MCID (\d+)>>\s+BDC")
_PAGINATION = b"/Artifact <</Type /Pagination>> BDC"


def _rewrite_as_artifacts(pdf: pikepdf.Pdf, page: pikepdf.Page, mcids: set[int]) -> None:
    """Replace ``/Tag <</MCID n>> BDC`` by ``/Artifact <</Type /Pagination>> BDC`` for the given MCIDs.

    WeasyPrint writes these operators in one fixed form, so the bytes are rewritten directly (a
    thousandth of the time of parsing every operator); if any is not found in that form, the content
    is parsed and written back operator by operator instead.
    """
    if not mcids:
        return
    contents = page.obj.get("/Contents")
    data = contents.read_bytes() if isinstance(contents, pikepdf.Stream) else b""  # an array: the slow path
    found: set[int] = set()

    def replace(match: re.Match[bytes]) -> bytes:
        number = int(match.group(1))
        if number not in mcids:
            return match.group(0)
        found.add(number)
        return _PAGINATION

    rewritten = _TAGGED.sub(replace, data)
    if found == mcids:
        page.obj.Contents = pdf.make_stream(rewritten)
        return
    instructions = []
    for instruction in pikepdf.parse_content_stream(page):
        operands, operator = instruction.operands, instruction.operator
        if (
            str(operator) == "BDC"
            and len(operands) == 2
            and isinstance(operands[1], Dictionary)
            and int(operands[1].get("/MCID", -1)) in mcids
        ):
            instructions.append(pikepdf.ContentStreamInstruction([Name.Artifact, PAGINATION], operator))
        else:
            instructions.append(pikepdf.ContentStreamInstruction(operands, operator))
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))


def glossary_items(pdf: pikepdf.Pdf) -> int:
    """``L > Div > (LI > LBody) (LI > LBody)`` (a ``<dl>`` group) becomes ``L > LI > Lbl LBody``."""
    fixed = 0
    stack = [pdf.Root.StructTreeRoot]
    while stack:
        element = stack.pop()
        children = list(child_elements(element))
        stack.extend(children)
        if element.get("/S") != Name.L:
            continue
        for group in children:
            pair = list(child_elements(group))
            bodies = [list(child_elements(li)) for li in pair]
            if (
                group.get("/S") != Name.Div
                or len(pair) != 2
                or any(li.get("/S") != Name.LI for li in pair)
                or any(len(b) != 1 or b[0].get("/S") != Name.LBody for b in bodies)
                or len(kids(group)) != 2
                or any(len(kids(li)) != 1 for li in pair)
            ):
                continue
            label, body = bodies[0][0], bodies[1][0]
            label.S = Name.Lbl
            group.S = Name.LI
            group.K = Array([label, body])
            label.P = group
            body.P = group
            fixed += 1
    return fixed


_PLAIN_SPAN_KEYS = {"/Type", "/S", "/P", "/K", "/Pg"}


def _is_plain_span(kid: object) -> bool:
    """A Span with nothing but marked content: no attributes, language, alternative or actual text."""
    return (
        isinstance(kid, Dictionary)
        and kid.get("/S") == Name.Span
        and set(kid.keys()) <= _PLAIN_SPAN_KEYS
        and "/Pg" in kid
        and all(isinstance(k, int) for k in kids(kid))
    )


def inline_plain_spans(pdf: pikepdf.Pdf) -> int:
    """Move the marked content of plain Spans into their parent element, and drop the Spans.

    WeasyPrint wraps every run of text in a Span; without attributes a Span
    says nothing its parent does not (assistive technology reads the same
    text in the same order), and the tree is some 40% smaller, which every
    packet that copies the handout pays for. The parent tree is updated to
    point each moved MCID at its new element. Returns how many Spans went.
    """
    root = pdf.Root.StructTreeRoot
    entries = parent_tree_entries(root)
    by_page = {}
    for page in pdf.pages:
        key = page.obj.get("/StructParents")
        if key is not None and isinstance(entries.get(int(key)), Array):
            by_page[page.obj.objgen] = entries[int(key)]
    removed = 0
    stack = [root]
    while stack:
        element = stack.pop()
        before = kids(element)
        if element is not root and any(_is_plain_span(kid) and kid.Pg.objgen in by_page for kid in before):
            own_page = element.get("/Pg")
            after: list[object] = []
            for kid in before:
                if not (_is_plain_span(kid) and kid.Pg.objgen in by_page):
                    after.append(kid)
                    continue
                for mcid in (int(m) for m in kids(kid)):
                    same_page = own_page is not None and own_page.objgen == kid.Pg.objgen
                    after.append(mcid if same_page else Dictionary(Type=Name.MCR, MCID=mcid, Pg=kid.Pg))
                    by_page[kid.Pg.objgen][mcid] = element
                removed += 1
            element.K = Array(after)
        stack.extend(child_elements(element))
    return removed


def drop_empty_resources(pdf: pikepdf.Pdf) -> None:
    """Empty /Pattern and /Shading dictionaries say nothing; validators query them, so drop them."""
    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        resources = page.obj.get("/Resources")
        if resources is None or (resources.is_indirect and resources.objgen in seen):
            continue
        if resources.is_indirect:
            seen.add(resources.objgen)
        for key in ("/Pattern", "/Shading"):
            value = resources.get(key)
            if isinstance(value, Dictionary) and len(value.keys()) == 0:
                del resources[key]


def figure_boxes_in_points(pdf: pikepdf.Pdf) -> int:
    """Rewrite each Figure's /BBox from CSS pixels below the page's top to PDF points above its bottom.

    Returns how many boxes were rewritten.
    """
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return 0
    count = 0
    for element in elements_in_order(root):
        attributes = element.get("/A")
        if element.get("/S") != Name.Figure or not isinstance(attributes, Dictionary) or "/BBox" not in attributes:
            continue
        page = _page_of(element) or pdf.pages[0].obj
        height = float(page.MediaBox[3]) - float(page.MediaBox[1])
        left, top, right, bottom = (float(v) * PT_PER_PX for v in attributes.BBox)
        attributes.BBox = Array([round(left, 3), round(height - bottom, 3), round(right, 3), round(height - top, 3)])
        count += 1
    return count


def _page_of(element: pikepdf.Object) -> pikepdf.Object | None:
    """The page an element is on: its own /Pg, a marked-content reference's, or an ancestor's."""
    for kid in kids(element):
        if isinstance(kid, Dictionary) and "/Pg" in kid:
            return kid.Pg
    node: pikepdf.Object | None = element
    for _ in range(64):
        if node is None or not isinstance(node, Dictionary):
            return None
        if "/Pg" in node:
            return node.Pg
        node = node.get("/P")
    return None


def make_accessible(pdf: pikepdf.Pdf) -> None:
    """Apply every structure repair to a tagged WeasyPrint PDF, in place."""
    artifact_margin_boxes(pdf)
    glossary_items(pdf)
    inline_plain_spans(pdf)
    figure_boxes_in_points(pdf)
    drop_empty_resources(pdf)
    fill_empty_mappings(pdf)
