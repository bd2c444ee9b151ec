"""One visit's packet: a cover page, then each ordered handout, as one tagged PDF.

How it is built, and why:

* Each distinct handout (id, language, clinic, paper, print size) is rendered
  to a tagged PDF once, repaired and checked, and kept as bytes; packets copy
  its pages from those bytes, so a packet is the same file whichever process
  rendered its handouts (or whether they came from the batch's variant cache).
* Per visit, WeasyPrint lays out one small document: the cover page(s), then
  a sheet with the patient's name and date of birth (``cover``). The "Page N
  of M" lines and the note on duplex padding pages are the same for every
  packet of that length, so they are laid out once per length (``page_lines``).
* pikepdf assembles the packet (``assembly``): pages in order, each handout
  starting on a right-hand page when printing on both sides, the stamps drawn
  on every page as artifacts, one bookmark per handout, and the handouts'
  structure trees merged under one Document element.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field

import pikepdf
import weasyprint

from clinic_handouts.content.library import Project
from clinic_handouts.content.loading import load_clinic, load_handout
from clinic_handouts.content.models import Clinic, Handout
from clinic_handouts.content.visits import Visit
from clinic_handouts.errors import HandoutError, Problem
from clinic_handouts.packets.assembly import assemble
from clinic_handouts.packets.cover import (
    cover_language,
    drop_last_page,
    identity_sheet_height,
    likely_cover_pages,
    spell_out_name,
    unlink_page,
)
from clinic_handouts.packets.forms import band
from clinic_handouts.packets.page_lines import PageLines
from clinic_handouts.packets.parts import RenderedVariant, TaggedPart, checked_part
from clinic_handouts.packets.types import MAX_PAGES, LinesKey, Packet, PacketItem, Variant, plan
from clinic_handouts.pdf.accessibility import make_accessible
from clinic_handouts.render.html import handout_html, render
from clinic_handouts.render.renderer import Renderer, collect_warnings, pdf_bytes
from clinic_handouts.render.stamp import StampBox, stamp_for
from clinic_handouts.render.weasyprint_internals import split_by_class


def unreviewed_refusal(handout: Handout, clinic: Clinic) -> str:
    """Why a handout is kept out of patient packets, and the two ways to let it in."""
    what = "its translation" if handout.review_state == "reviewed" else "its content"
    return (
        f"handout '{handout.id}' ({handout.language}) is not yet reviewed ({what} is sample content), and "
        f"clinic '{clinic.id}' prints only reviewed handouts in patient packets: review it and set its "
        "review status to approved, or set 'print_unreviewed: true' in the clinic's clinic.yaml"
    )


def _at(problem: Problem, field: str) -> Problem:
    """A problem about one of the visit's references names that field (a visit file can then show its line)."""
    return problem if problem.file or problem.field else Problem(problem.message, field=field)


@dataclass
class _Cover:
    """The cover as laid out for one packet: its pages, the packet's plan, and the identifiers' height."""

    document: weasyprint.Document
    pages: int
    items: list[PacketItem]
    total: int
    identity_height: float


@dataclass
class PacketBuilder:
    """Builds packets, keeping clinics, handouts, rendered handouts and page lines between packets."""

    project: Project
    strict: bool = False
    _renderer: Renderer | None = None
    _clinics: dict[str, Clinic] = field(default_factory=dict)
    _handouts: dict[tuple[str, str], tuple[Handout, bool]] = field(default_factory=dict)
    _portable: dict[Variant, RenderedVariant] = field(default_factory=dict)
    _opened: dict[Variant, TaggedPart] = field(default_factory=dict)
    _lines: dict[LinesKey, PageLines] = field(default_factory=dict)

    @property
    def renderer(self) -> Renderer:
        """Created on first use, so a builder that only plans never loads fonts (safe to fork after)."""
        if self._renderer is None:
            self._renderer = Renderer(self.project)
        return self._renderer

    # --- what a visit refers to -------------------------------------------------

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
                handout = self.handout(handout_id, visit.patient.language)
            except HandoutError as exc:
                problems += [_at(p, f"handouts.{index}") for p in exc.problems]
                continue
            handouts.append(handout)
            if clinic is not None and not clinic.print_unreviewed and handout[0].unreviewed:
                problems.append(Problem(unreviewed_refusal(handout[0], clinic), field=f"handouts.{index}"))
        if problems or clinic is None:
            raise HandoutError(problems)
        return clinic, handouts

    def variants(self, visit: Visit, paper: str | None = None, large_print: bool = False) -> list[Variant]:
        """The handout variants a visit's packet needs (checks the visit's references)."""
        clinic, handouts = self.resolve(visit)
        large = visit.patient.large_print or large_print
        return [Variant(h.id, h.language, clinic.id, paper or clinic.paper, large) for h, _ in handouts]

    # --- handout variants -------------------------------------------------------

    def render_variant(self, variant: Variant) -> RenderedVariant:
        """A handout as a tagged PDF laid out for packets (room for the patient stamp), repaired and checked.

        Rendered once per builder; the builder keeps it for the packets it builds next.
        """
        if variant not in self._portable:
            handout, _ = self.handout(variant.handout_id, variant.language)
            html = handout_html(
                self.project,
                handout,
                self.clinic(variant.clinic_id),
                variant.paper,
                in_packet=True,
                large_print=variant.large_print,
            )
            pdf = pikepdf.open(io.BytesIO(self.renderer.write_pdf(html)[0]))
            make_accessible(pdf)
            self._portable[variant] = checked_part(pdf).portable()
        return self._portable[variant]

    def holds(self, variant: Variant) -> bool:
        """Whether the builder has the variant already (rendered here, or given by another process)."""
        return variant in self._portable

    def _part(self, variant: Variant, given: Mapping[Variant, RenderedVariant]) -> TaggedPart:
        """The variant as packets copy it: always opened from its saved bytes, so a packet's bytes are the
        same whichever process rendered its handouts, or whether they came from a cache.

        A variant given by another process is kept as if rendered here: ``render_variant`` then returns
        it instead of laying the handout out again."""
        if variant not in self._opened:
            if variant in given:
                self._portable.setdefault(variant, given[variant])
            kept = self._portable.get(variant)
            self._opened[variant] = (kept or self.render_variant(variant)).open()
        return self._opened[variant]

    # --- one packet -------------------------------------------------------------

    def build(
        self,
        visit: Visit,
        *,
        duplex: bool = True,
        paper: str | None = None,
        large_print: bool = False,
        rendered: Mapping[Variant, RenderedVariant] | None = None,
    ) -> Packet:
        """Render and assemble one visit's packet; ``large_print`` forces large print on.

        ``rendered``: handout variants rendered elsewhere (another worker, a cache); the rest are rendered here.
        """
        clinic, handouts = self.resolve(visit)
        paper = paper or clinic.paper
        large = visit.patient.large_print or large_print
        stamp = stamp_for(large)
        with collect_warnings() as warnings:
            parts = [self._part(v, rendered or {}) for v in self.variants(visit, paper, large_print)]
            cover = self._lay_out_cover(visit, clinic, handouts, parts, paper, duplex, stamp, large)
            cover_part, identity = self._tag_cover(cover, visit.patient.name)
            lines = self._page_lines(clinic, cover_language(visit), paper, large, cover.total)
            finished = assemble(
                cover_part, identity, lines, cover.items, parts, stamp, cover.identity_height, visit.date
            )
        if self.strict and warnings:
            # The warnings' text may quote the cover (the patient's name): count them, don't repeat them.
            raise HandoutError(
                Problem(
                    f"visit {visit.visit_id}: rendering gave {len(warnings)} warning(s) (strict mode); "
                    "check the handouts with 'generate.py handout ID --strict'"
                )
            )
        if self.strict and finished.warnings:
            raise HandoutError([Problem(f"visit {visit.visit_id}: {w}") for w in finished.warnings])
        title = str(cover_part.pdf.docinfo.get("/Title", ""))
        language = str(cover_part.pdf.Root.get("/Lang", "en"))
        notes = (f"visit {visit.visit_id}: {len(warnings)} rendering warning(s), text withheld",) if warnings else ()
        return Packet(finished.data, cover.total, tuple(cover.items), (*notes, *finished.warnings), title, language)

    def _lay_out_cover(
        self,
        visit: Visit,
        clinic: Clinic,
        handouts: list[tuple[Handout, bool]],
        parts: list[TaggedPart],
        paper: str,
        duplex: bool,
        stamp: StampBox,
        large: bool,
    ) -> _Cover:
        """Plan, lay out, and plan again if the cover took more or fewer pages than planned.

        The cover's length decides where the handouts start. The first plan is a pure function of the
        visit, never the last packet's cover: a packet must not depend on what was built before it.
        """
        cover_pages = likely_cover_pages(visit, len(handouts), large)
        for _ in range(3):
            firsts, total = plan(cover_pages, [p.pages for p in parts], duplex)
            items = [
                PacketItem(h, first, part.pages, fallback)
                for (h, fallback), first, part in zip(handouts, firsts, parts, strict=True)
            ]
            if total > MAX_PAGES:
                raise HandoutError(
                    Problem(
                        f"visit {visit.visit_id}: the packet would have {total} pages, more than {MAX_PAGES}; "
                        "split the handouts over two visits"
                    )
                )
            html = render(
                self.project,
                "packet.html",
                clinic,
                cover_language(visit),
                paper,
                visit=visit,
                patient=visit.patient,
                items=items,
                stamp=stamp,
                fallbacks=[i for i in items if i.fallback],
                large_print=large,
            )
            document = self.renderer.layout(html)
            height = identity_sheet_height(document, stamp)  # checks the identifiers' sheet comes last
            laid_out = len(document.pages) - 1
            if laid_out == cover_pages:
                break
            cover_pages = laid_out
        if laid_out != cover_pages or cover_pages < 1:
            raise RuntimeError(f"packet layout did not settle: cover {laid_out} pages, planned {cover_pages}")
        if height + stamp.line > stamp.height + 0.5:
            # Never print a page whose identifiers are cut off: both must show in full on every page.
            raise HandoutError(
                Problem(
                    f"visit {visit.visit_id}: the patient's name is too long to print in full with the "
                    "date of birth at the foot of every page; shorten it in the schedule (for example, "
                    "initials for middle names)"
                )
            )
        return _Cover(document, cover_pages, items, total, height)

    def _tag_cover(self, cover: _Cover, name: str) -> tuple[TaggedPart, pikepdf.Object]:
        """One tagged write for the cover and the identifiers' sheet; the sheet then leaves the structure
        tree and the page list, and stays as a drawing to stamp on every page. The patient's name gets
        /ActualText, so it reads back as written in scripts whose glyphs do not (Devanagari, Bengali)."""
        pdf = pikepdf.open(io.BytesIO(pdf_bytes(cover.document, compress=False)))  # compressed once, in the packet
        unlink_page(pdf, pdf.pages[cover.pages])
        make_accessible(pdf)
        spell_out_name(pdf, cover.document, name)
        identity = band(pdf, pdf.pages[cover.pages], 0, cover.identity_height)
        drop_last_page(pdf)
        return checked_part(pdf), identity

    def _page_lines(self, clinic: Clinic, language: str, paper: str, large_print: bool, total: int) -> PageLines:
        """The "Page N of M" lines and the blank-page note of every packet with ``total`` pages, laid out once."""
        key = LinesKey(clinic.id, language, paper, large_print, total)
        if key not in self._lines:
            stamp = stamp_for(large_print)
            html = render(
                self.project,
                "packet_pages.html",
                clinic,
                language,
                paper,
                total_pages=total,
                stamp=stamp,
                large_print=large_print,
            )
            document = self.renderer.layout(html)
            sheet, blank_note = document.pages
            pages = [*split_by_class(sheet, "stamp-page", total), blank_note]
            self._lines[key] = PageLines.from_bytes(document.copy(pages).write_pdf(pdf_tags=False), stamp.line)
        return self._lines[key]
