"""One visit's packet: a cover page, then each ordered handout, as one tagged PDF.

How it is built, and why:

* Each distinct handout (id, language, clinic, paper, print size) is rendered
  to a tagged PDF once, repaired and checked, and kept as bytes; packets copy
  its pages from those bytes, so a packet is the same file whichever process
  rendered its handouts (or whether they came from ``variant_cache``).
* Per visit, WeasyPrint lays out one small document: the cover page(s), then
  a sheet with the patient's name and date of birth. It is written once,
  tagged; the sheet then leaves the structure tree and the page list and is
  kept as a drawing. The "Page N of M" lines and the note on duplex padding
  pages are the same for every packet of that length, so they are laid out
  once per length (``PageLines``), one line per page.
* pikepdf assembles the packet: cover pages, handout pages (each handout
  starting on a right-hand page when printing on both sides), the patient's
  identifiers and the page's own "Page N of M" drawn on every page as
  artifacts (screen readers skip them, as they skip running footers), one
  bookmark per handout, and the handouts' structure trees merged under one
  Document element, so the packet stays a properly tagged PDF rather than a
  pile of untagged pages.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import NamedTuple

import pikepdf
import weasyprint
from pikepdf import Array, Dictionary, Name

from clinic_handouts.content.library import Project
from clinic_handouts.content.loading import load_clinic, load_handout
from clinic_handouts.content.models import Clinic, Handout
from clinic_handouts.content.visits import Visit
from clinic_handouts.errors import HandoutError, Problem
from clinic_handouts.i18n import has_catalog, text_direction
from clinic_handouts.pdf.accessibility import drop_empty_resources, kids, make_accessible, parent_tree_entries
from clinic_handouts.pdf.claims import Finished, claim_if_conformant, save, set_dates
from clinic_handouts.pdf.conformance import PART_CHECKS, Finding, marked_content, run_checks
from clinic_handouts.render.html import handout_html, render
from clinic_handouts.render.renderer import Renderer, collect_warnings, pdf_bytes

PT_PER_IN = 72
PRODUCER = f"WeasyPrint {weasyprint.__version__}; pikepdf {pikepdf.__version__}"
#: The stamp sheet is one page tall enough for every stamp; PDF pages stop at 200 inches.
MAX_PAGES = 250


@dataclass(frozen=True)
class StampBox:
    """Where the patient identifiers go on every page, in points from the bottom-right corner.

    The box sits in the bottom margin, its right edge on the text column's,
    its top level with the handout's own footer text, and at least a quarter
    inch from the paper's edge so printers do not cut it off.
    """

    width: float
    height: float
    right: float
    bottom: float
    font_size: float

    @property
    def line(self) -> float:
        """Height of one line of the stamp, in points."""
        return round(self.font_size * 1.3, 2)


STAMP = StampBox(width=3.0 * PT_PER_IN, height=53, right=0.75 * PT_PER_IN, bottom=18, font_size=10)
LARGE_STAMP = StampBox(width=3.3 * PT_PER_IN, height=74, right=1.0 * PT_PER_IN, bottom=18, font_size=13)
PT_PER_PX = 0.75


@dataclass(frozen=True)
class PacketItem:
    """One handout in a packet, as listed in the table of contents."""

    handout: Handout
    first_page: int
    pages: int
    fallback: bool

    @property
    def title(self) -> str:
        return self.handout.title


@dataclass(frozen=True)
class Packet:
    """A finished packet in memory."""

    data: bytes
    pages: int
    items: tuple[PacketItem, ...]
    #: what WeasyPrint warned about, counted but never quoted (it could quote the patient's name)
    warnings: tuple[str, ...] = ()
    #: the document title (the cover's) and language, for the FHIR DocumentReference
    title: str = ""
    language: str = "en"

    @property
    def fallbacks(self) -> list[str]:
        """Ids of the handouts printed in English because the patient's language was missing."""
        return [item.handout.id for item in self.items if item.fallback]


@dataclass(frozen=True)
class Variant:
    """One way a handout is printed inside packets: rendered once, reused by every packet that needs it."""

    handout_id: str
    language: str
    clinic_id: str
    paper: str
    large_print: bool


@dataclass(frozen=True)
class _TaggedPart:
    """A tagged, repaired and checked PDF that goes into packets: a handout variant, or a cover."""

    pdf: pikepdf.Pdf
    pages: int
    #: each page's MCIDs, read once: the packet copies pages unchanged, so the merge can be checked against them
    mcids: tuple[tuple[int, ...], ...] = ()
    #: what the part checks found in this handout (empty: it may be part of a packet that claims PDF/A and UA)
    findings: tuple[Finding, ...] = ()

    def portable(self) -> RenderedVariant:
        """The same part as plain data, to hand to another process."""
        return RenderedVariant(save(self.pdf), self.mcids, self.findings)


@dataclass(frozen=True)
class RenderedVariant:
    """A rendered, repaired and checked handout variant as plain data (it crosses between processes)."""

    data: bytes
    mcids: tuple[tuple[int, ...], ...]
    findings: tuple[Finding, ...]

    def open(self) -> _TaggedPart:
        pdf = pikepdf.open(io.BytesIO(self.data))
        return _TaggedPart(pdf, len(pdf.pages), self.mcids, self.findings)


def _at(problem: Problem, field: str) -> Problem:
    """A problem about one of the visit's references names that field (a visit file can then show its line)."""
    return problem if problem.file or problem.field else Problem(problem.message, field=field)


def default_file_name(visit: Visit) -> str:
    """``DATE_VISITID.pdf``: identifies the packet without any patient detail."""
    return f"{visit.date.isoformat()}_{visit.visit_id}.pdf"


def plan(cover_pages: int, counts: list[int], duplex: bool) -> tuple[list[int], int]:
    """First page of each handout, and the packet's page count.

    With duplex printing every handout starts on a right-hand (odd) page, so
    a handout never shares a sheet with the one before it.
    """
    firsts = []
    page = cover_pages
    for count in counts:
        if duplex and page % 2 == 1:
            page += 1
        firsts.append(page + 1)
        page += count
    return firsts, page


@dataclass
class PacketBuilder:
    """Builds packets, keeping clinics, handouts and rendered handout PDFs between packets."""

    project: Project
    strict: bool = False
    _renderer: Renderer | None = None
    _clinics: dict[str, Clinic] = field(default_factory=dict)
    _handouts: dict[tuple[str, str], tuple[Handout, bool]] = field(default_factory=dict)
    _portable: dict[Variant, RenderedVariant] = field(default_factory=dict)
    _rendered: dict[Variant, _TaggedPart] = field(default_factory=dict)
    _lines: dict[LinesKey, PageLines] = field(default_factory=dict)
    _new_lines: list[LinesKey] = field(default_factory=list)

    @property
    def renderer(self) -> Renderer:
        """Created on first use, so a builder that only plans never loads fonts (safe to fork after)."""
        if self._renderer is None:
            self._renderer = Renderer(self.project)
        return self._renderer

    # --- cached steps ------------------------------------------------------

    def clinic(self, clinic_id: str) -> Clinic:
        if clinic_id not in self._clinics:
            self._clinics[clinic_id] = load_clinic(self.project.clinic_folder(clinic_id))
        return self._clinics[clinic_id]

    def handout(self, handout_id: str, language: str) -> tuple[Handout, bool]:
        """The handout in the patient's language, or in English (fallback=True) if there is none."""
        key = (handout_id, language)
        if key not in self._handouts:
            path, fallback = self.project.handout_in(handout_id, language)
            self._handouts[key] = (load_handout(path), fallback)
        return self._handouts[key]

    def variants(self, visit: Visit, paper: str | None = None) -> list[Variant]:
        """The handout variants a visit's packet needs (checks the visit's references)."""
        clinic, handouts = self.resolve(visit)
        paper = paper or clinic.paper
        return [Variant(h.id, h.language, clinic.id, paper, visit.patient.large_print) for h, _ in handouts]

    def render_variant(self, variant: Variant) -> RenderedVariant:
        """A handout as a tagged PDF laid out for packets (room for the patient identifiers), repaired and checked.

        Rendered once per builder; the builder keeps it for the packets it builds next.
        """
        if variant not in self._portable:
            self._portable[variant] = self._render(variant).portable()
        return self._portable[variant]

    def _render(self, variant: Variant) -> _TaggedPart:
        handout, _ = self.handout(variant.handout_id, variant.language)
        clinic = self.clinic(variant.clinic_id)
        html = handout_html(
            self.project, handout, clinic, variant.paper, in_packet=True, large_print=variant.large_print
        )
        pdf = pikepdf.open(io.BytesIO(pdf_bytes(self.renderer.layout(html))))
        make_accessible(pdf)
        return _checked_part(pdf)

    def adopt(self, rendered: dict[Variant, RenderedVariant]) -> None:
        """Use handouts rendered elsewhere (by another worker of the same batch, or kept from an earlier run)."""
        for variant, part in rendered.items():
            self._portable.setdefault(variant, part)

    def rendered(self, variant: Variant) -> _TaggedPart:
        """The variant as packets copy it: always opened from its saved bytes, so a packet's bytes are the
        same whichever process rendered its handouts, or whether they came from the cache."""
        if variant not in self._rendered:
            self._rendered[variant] = self.render_variant(variant).open()
        return self._rendered[variant]

    def resolve(self, visit: Visit) -> tuple[Clinic, list[tuple[Handout, bool]]]:
        """Check everything the visit refers to, reporting all unknown ids at once."""
        problems: list[Problem] = []
        clinic = None
        try:
            clinic = self.clinic(visit.clinic)
        except HandoutError as exc:
            problems += [_at(p, "clinic") for p in exc.problems]
        handouts = []
        for index, handout_id in enumerate(visit.handouts):
            try:
                handouts.append(self.handout(handout_id, visit.patient.language))
            except HandoutError as exc:
                problems += [_at(p, f"handouts.{index}") for p in exc.problems]
        if problems or clinic is None:
            raise HandoutError(problems)
        return clinic, handouts

    # --- one packet ----------------------------------------------------------

    def build(
        self, visit: Visit, *, duplex: bool = True, paper: str | None = None, large_print: bool = False
    ) -> Packet:
        """Render and assemble one visit's packet; ``large_print`` forces large print on."""
        clinic, handouts = self.resolve(visit)
        paper = paper or clinic.paper
        large = visit.patient.large_print or large_print
        stamp = LARGE_STAMP if large else STAMP
        with collect_warnings() as warnings:
            parts = [self.rendered(Variant(h.id, h.language, clinic.id, paper, large)) for h, _ in handouts]
            # The cover's length decides where the handouts start, so it is planned before it is laid
            # out: plan, lay out, and plan again if it took more or fewer pages. The first plan is a pure
            # function of the visit, never the last packet's cover: a packet must not depend on what
            # was built before it.
            cover_pages = _likely_cover_pages(visit, len(handouts), large)
            for _ in range(3):
                firsts, total = plan(cover_pages, [p.pages for p in parts], duplex)
                items = [
                    PacketItem(h, first, part.pages, fallback)
                    for (h, fallback), first, part in zip(handouts, firsts, parts, strict=True)
                ]
                if total > MAX_PAGES:
                    raise HandoutError(Problem(
                        f"visit {visit.visit_id}: the packet would have {total} pages, more than {MAX_PAGES}; "
                        "split the handouts over two visits"))
                document = self._cover(visit, clinic, paper, items, stamp, large)
                identity_height = _identity_sheet_height(document, stamp)
                laid_out_cover = len(document.pages) - 1  # the identifiers' sheet follows
                if laid_out_cover == cover_pages:
                    break
                cover_pages = laid_out_cover
            if laid_out_cover != cover_pages or cover_pages < 1:
                raise RuntimeError(f"packet layout did not settle: cover {laid_out_cover} pages, planned {cover_pages}")
            if identity_height + stamp.line > stamp.height + 0.5:
                # Never print a page whose identifiers are cut off: both must show in full on every page.
                raise HandoutError(Problem(
                    f"visit {visit.visit_id}: the patient's name is too long to print in full with the "
                    "date of birth at the foot of every page; shorten it in the schedule (for example, "
                    "initials for middle names)"))
            # One tagged write for the cover and the identifiers' sheet; the sheet then leaves the
            # structure tree and the page list, and stays as a drawing to stamp on every page.
            cover_pdf = pikepdf.open(io.BytesIO(pdf_bytes(document, compress=False)))  # compressed once, in the packet
            _unlink_page(cover_pdf, cover_pdf.pages[cover_pages])
            make_accessible(cover_pdf)
            identity = _band(cover_pdf, cover_pdf.pages[cover_pages], 0, identity_height)
            _drop_last_page(cover_pdf)
            cover = _checked_part(cover_pdf)
            lines = self._page_lines(clinic, _cover_language(visit), paper, large, total)
            finished = _assemble(cover, identity, lines, items, parts, stamp, identity_height, visit.date)
        if self.strict and warnings:
            # The warnings' text may quote the cover (the patient's name): count them, don't repeat them.
            raise HandoutError(Problem(
                f"visit {visit.visit_id}: rendering gave {len(warnings)} warning(s) (strict mode); "
                "check the handouts with 'generate.py handout ID --strict'"))
        if self.strict and finished.warnings:
            raise HandoutError([Problem(f"visit {visit.visit_id}: {w}") for w in finished.warnings])
        title = str(cover.pdf.docinfo.get("/Title", ""))
        language = str(cover.pdf.Root.get("/Lang", "en"))
        notes = (f"visit {visit.visit_id}: {len(warnings)} rendering warning(s), text withheld",) if warnings else ()
        return Packet(finished.data, total, tuple(items), (*notes, *finished.warnings), title, language)

    def _cover(
        self, visit: Visit, clinic: Clinic, paper: str, items: list[PacketItem], stamp: StampBox, large_print: bool,
    ) -> weasyprint.Document:
        """The cover page(s), then a sheet with the patient's identifiers."""
        html = render(
            self.project,
            "packet.html",
            clinic,
            _cover_language(visit),
            paper,
            visit=visit,
            patient=visit.patient,
            items=items,
            stamp=stamp,
            fallbacks=[i for i in items if i.fallback],
            large_print=large_print,
        )
        return self.renderer.layout(html)

    def _page_lines(self, clinic: Clinic, language: str, paper: str, large_print: bool, total: int) -> PageLines:
        """The "Page N of M" lines and the blank-page note of every packet with ``total`` pages, laid out once."""
        key = LinesKey(clinic.id, language, paper, large_print, total)
        if key not in self._lines:
            stamp = LARGE_STAMP if large_print else STAMP
            html = render(self.project, "packet_pages.html", clinic, language, paper,
                          total_pages=total, stamp=stamp, large_print=large_print)
            document = self.renderer.layout(html)
            sheet, blank_note = document.pages
            data = document.copy([*_split_lines(sheet, total), blank_note]).write_pdf(pdf_tags=False)
            self._lines[key] = PageLines.from_bytes(data, stamp.line)
            self._new_lines.append(key)
        return self._lines[key]

    def lines_keys(self, visit: Visit, variant_pages: list[int], *, duplex: bool = True) -> list[LinesKey]:
        """The page-line sets the visit's packet will most likely use (a cover of one page, or two)."""
        clinic = self.clinic(visit.clinic)
        language = _cover_language(visit)
        return [LinesKey(clinic.id, language, clinic.paper, visit.patient.large_print, plan(cover, variant_pages,
                                                                                           duplex)[1])
                for cover in (1, 2)]

    def take_new_lines(self) -> dict[LinesKey, bytes]:
        """Page-line sets laid out since the last call, to hand to other workers."""
        made = {key: self._lines[key].data for key in self._new_lines}
        self._new_lines.clear()
        return made

    def adopt_lines(self, lines: dict[LinesKey, bytes]) -> None:
        """Use page-line sets laid out by another worker of the same batch."""
        for key, data in lines.items():
            if key not in self._lines:
                self._lines[key] = PageLines.from_bytes(data, (LARGE_STAMP if key.large_print else STAMP).line)


class LinesKey(NamedTuple):
    """Packets that share their "Page N of M" lines: same clinic, cover language, paper, print size and length."""

    clinic_id: str
    language: str
    paper: str
    large_print: bool
    total: int


def _likely_cover_pages(visit: Visit, handouts: int, large_print: bool) -> int:
    """How many pages the bundled cover takes: in large print, two with four handouts or more, or with
    a note and two or more (measured). A wrong guess costs one more layout, not a different packet."""
    return 2 if large_print and (handouts >= 4 or (visit.note is not None and handouts >= 2)) else 1


def _cover_language(visit: Visit) -> str:
    """The cover speaks the patient's language when the templates have a catalog for it;
    otherwise all of it is English, never a mixture."""
    return visit.patient.language if has_catalog(visit.patient.language) else "en"


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
        return cls(data, pdf, tuple(_band(pdf, page, 0, line_height) for page in line_pages),
                   pdf.make_indirect(note_page.as_form_xobject()))


def _checked_part(pdf: pikepdf.Pdf) -> _TaggedPart:
    """A tagged part of a packet with its MCIDs per page and what the part checks found in it."""
    mcids = tuple(tuple(marked_content(page)[0]) for page in pdf.pages)
    marked = {index: (list(ids), []) for index, ids in enumerate(mcids)}
    findings = tuple(run_checks(pdf, PART_CHECKS, marked=marked).findings)
    return _TaggedPart(pdf, len(pdf.pages), mcids, findings)


def _assemble(
    cover_part: _TaggedPart,
    identity: pikepdf.Object,
    lines: PageLines,
    items: list[PacketItem],
    parts: list[_TaggedPart],
    stamp: StampBox,
    identity_height: float,
    visit_date: dt.date,
) -> Finished:
    """Cover, handouts and blanks in order; stamps on every page; one structure tree; bookmarks.

    The packet claims PDF/A-3u and PDF/UA-1 only if its parts passed the part
    checks, the merge kept every page's marked content in the merged tree, and
    the document checks pass; its XMP is rebuilt from its own document
    information. (Re-checking every merged page here would cost more than the
    rest of the assembly; the tests run the full ``verify`` on packets.)
    """
    out = pikepdf.new()
    cover = cover_part.pdf
    structure = _StructureMerger(out)
    width, height = (float(v) for v in cover.pages[0].MediaBox[2:4])
    #: each page's text direction: the stamp goes where its lines end (bottom-left when right-to-left)
    cover_direction = text_direction(str(cover.Root.get("/Lang", "en")))
    directions: list[str] = []
    findings: list[Finding] = list(cover_part.findings)

    def add_tagged(part: _TaggedPart, language: str | None) -> None:
        first = len(out.pages)
        for page in part.pdf.pages:
            out.pages.append(page)
        structure.merge(part.pdf, out.pages[first:], language, part.mcids)
        directions.extend([text_direction(language) if language else cover_direction] * len(part.pdf.pages))

    add_tagged(cover_part, None)
    blank_note = out.copy_foreign(lines.blank_note)
    for item, part in zip(items, parts, strict=True):
        while len(out.pages) < item.first_page - 1:
            blank = out.add_blank_page(page_size=(width, height))
            _draw_artifact(out, blank, blank_note, 0, 0)
            directions.append(cover_direction)
        add_tagged(part, item.handout.language)
        findings += part.findings

    top = stamp.bottom + stamp.height
    identity = out.copy_foreign(identity)
    for page, direction, line in zip(out.pages, directions, lines.lines, strict=True):
        x = stamp.right if direction == "rtl" else width - stamp.right - stamp.width
        _draw_artifact(out, page, identity, x, top - identity_height)
        _draw_artifact(out, page, out.copy_foreign(line), x, top - identity_height - stamp.line)

    structure.finish()
    _copy_document_settings(cover, out)
    out.docinfo["/Producer"] = pikepdf.String(PRODUCER)
    set_dates(out, creation_date_of_visit(visit_date))
    with out.open_outline() as outline:
        for item in items:
            outline.root.append(pikepdf.OutlineItem(item.title, item.first_page - 1))
    findings += structure.problems
    claimed = claim_if_conformant(out, ("document",), tuple(findings))
    return Finished(save(out), claimed)


def _band(pdf: pikepdf.Pdf, page: pikepdf.Page, offset: float, height: float) -> pikepdf.Object:
    """A Form XObject (in ``pdf``) showing the band of ``page`` that starts ``offset`` points below its top."""
    form = pdf.make_indirect(page.as_form_xobject())
    top = float(form.BBox[3]) - offset
    form.BBox = Array([form.BBox[0], top - height, form.BBox[2], top])
    return form


def _draw_artifact(out: pikepdf.Pdf, page: pikepdf.Page, form: pikepdf.Object, x: float, y: float) -> None:
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


def _identity_sheet_height(document: weasyprint.Document, stamp: StampBox) -> float:
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
            identifiers = _height_of(last, "stamp-identity")
    if identifiers <= 0:
        raise HandoutError(Problem(
            "packet.html: the patient's identifiers must come last, on their own 'stamps' page; "
            "check the clinic's templates/packet.html and style.css"))
    return identifiers


def _unlink_page(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
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


def _drop_last_page(pdf: pikepdf.Pdf) -> None:
    """Remove the last page and its parent-tree entry (its content must be out of the tree already)."""
    page = pdf.pages[-1]
    key = page.obj.get("/StructParents")
    tree = pdf.Root.StructTreeRoot.ParentTree
    nums = tree.get("/Nums")  # WeasyPrint writes a flat parent tree
    if key is not None and nums is not None:
        kept = [(nums[i], nums[i + 1]) for i in range(0, len(nums), 2) if int(nums[i]) != int(key)]
        tree.Nums = Array([value for pair in kept for value in pair])
    del pdf.pages[-1]


def _split_lines(sheet: weasyprint.Page, count: int) -> list[weasyprint.Page]:
    """Cut a laid-out sheet of "Page N of M" lines into one page per line, each line moved to the top.

    Laying out one sheet costs a fraction of laying out a page per line;
    giving each line a page of its own keeps each packet page's text its own:
    no hidden "Page 7 of 9" on page 3. (This uses WeasyPrint's box tree,
    ``Page._page_box``, which is not public API.)
    """
    path = [sheet._page_box]
    while not any(_has_class(child, "stamp-page") for child in path[-1].children):
        path.append(next(c for c in path[-1].children if getattr(c, "children", None)))
    lines = [c for c in path[-1].children if _has_class(c, "stamp-page")]
    if len(lines) != count:
        raise RuntimeError(f"stamp sheet holds {len(lines)} page lines, expected {count}")
    pages = []
    for line in lines:
        line = line.deepcopy()
        line.translate(dy=lines[0].position_y - line.position_y)
        node = line
        for parent in reversed(path):
            node = parent.copy_with_children([node])
        page = copy.copy(sheet)
        page._page_box = node
        pages.append(page)
    return pages


def _height_of(page: weasyprint.Page, name: str) -> float:
    """Height in points of the first box of class ``name`` on a laid-out page (WeasyPrint's box tree)."""
    boxes = [page._page_box]
    while boxes:
        box = boxes.pop(0)
        if _has_class(box, name):
            return box.margin_height() * PT_PER_PX
        boxes.extend(getattr(box, "children", ()))
    raise RuntimeError(f"no box of class {name!r} on the page")


def _has_class(box: object, name: str) -> bool:
    element = getattr(box, "element", None)
    return element is not None and name in (element.get("class") or "").split()


def _copy_document_settings(cover: pikepdf.Pdf, out: pikepdf.Pdf) -> None:
    """Title, author, language, viewer settings and the PDF/A output intent come from the cover."""
    for key in ("/Lang", "/ViewerPreferences", "/MarkInfo"):
        if key in cover.Root:
            out.Root[key] = Dictionary(cover.Root[key]) if isinstance(cover.Root[key], Dictionary) else cover.Root[key]
    if "/OutputIntents" in cover.Root:
        intents = cover.Root.OutputIntents
        out.Root.OutputIntents = out.copy_foreign(intents if intents.is_indirect else cover.make_indirect(intents))
    for key, value in cover.docinfo.items():
        out.docinfo[key] = value


def creation_date_of_visit(visit_date: dt.date) -> dt.datetime:
    """A packet is dated by its visit (midnight UTC), so rebuilding it gives the same bytes."""
    return dt.datetime(visit_date.year, visit_date.month, visit_date.day, tzinfo=dt.UTC)


class _StructureMerger:
    """Merges the structure trees of tagged source PDFs into one Document element.

    Pages and link annotations point into the structure tree through
    /StructParents and /StructParent numbers; each source numbers them from
    0, so they are renumbered here and the parent tree rebuilt.
    """

    def __init__(self, out: pikepdf.Pdf) -> None:
        self.out = out
        self.document = out.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, K=Array()))
        self.nums = Array()
        self.next_key = 0
        self.dests: list[tuple[str, pikepdf.Object]] = []
        #: merged pages whose marked content the merged parent tree would not cover
        self.problems: list[Finding] = []

    def merge(
        self, source: pikepdf.Pdf, pages: list[pikepdf.Page], language: str | None, mcids: tuple[tuple[int, ...], ...]
    ) -> None:
        """Append a source's pages' tree; ``mcids``: each page's MCIDs, to check the merged parent tree covers them."""
        root = source.Root.get("/StructTreeRoot")
        if root is None:
            raise HandoutError(Problem("a handout PDF has no structure tree; cannot build a tagged packet"))
        offset = self.next_key
        # One copy of the whole (indirect) parent tree is far cheaper than copying its entries one by one.
        parent_tree = self._copy(root.ParentTree).Nums
        for index in range(0, len(parent_tree), 2):
            key = int(parent_tree[index])
            self.nums.append(offset + key)
            self.nums.append(parent_tree[index + 1])
            self.next_key = max(self.next_key, offset + key + 1)
        for page in pages:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
        merged = dict(zip(self.nums[::2], self.nums[1::2], strict=True))
        for page, page_mcids in zip(pages, mcids, strict=True):
            entry = merged.get(int(page.obj.get("/StructParents", -1)))
            if page_mcids and not (isinstance(entry, Array) and max(page_mcids) < len(entry)
                                   and all(isinstance(entry[m], Dictionary) for m in page_mcids)):
                self.problems.append(Finding(f"merged page {page.index + 1}", "marked content left out of the tree"))
        for source_document in root.K if isinstance(root.K, Array) else [root.K]:
            for copied in self._copy(source_document).K:
                copied.P = self.document
                if language:
                    copied.Lang = pikepdf.String(language)
                self.document.K.append(copied)
        names = source.Root.get("/Names", {}).get("/Dests", {}).get("/Names", [])
        for index in range(0, len(names), 2):
            self.dests.append((str(names[index]), self._copy(names[index + 1])))

    def _copy(self, value: pikepdf.Object) -> pikepdf.Object:
        """Copy a value from a source PDF, direct containers included (copy_foreign takes indirect ones)."""
        if isinstance(value, pikepdf.Object) and value.is_indirect:
            return self.out.copy_foreign(value)
        if isinstance(value, Array):
            return Array([self._copy(item) for item in value])
        if isinstance(value, Dictionary):
            return Dictionary({key: self._copy(item) for key, item in value.items()})
        return value

    def finish(self) -> None:
        tree_root = self.out.make_indirect(Dictionary(
            Type=Name.StructTreeRoot,
            K=Array([self.document]),
            ParentTree=self.out.make_indirect(Dictionary(Nums=self.nums)),
            ParentTreeNextKey=self.next_key,
        ))
        self.document.P = tree_root
        self.out.Root.StructTreeRoot = tree_root
        if self.dests:
            flat = Array()
            for name, dest in sorted(self.dests, key=lambda pair: pair[0]):
                flat.append(pikepdf.String(name))
                flat.append(dest)
            self.out.Root.Names = Dictionary(Dests=Dictionary(Names=flat))
