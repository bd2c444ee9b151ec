"""One visit's packet: a cover page, then each ordered handout, as one PDF.

How it is built, and why:

* Each distinct handout (id, language, paper, print size) is laid out once by
  WeasyPrint and kept, so a day's batch lays out the library once per worker
  rather than once per visit.
* The cover is a small per-visit document: the cover page itself, followed by
  one empty "slot" page for every page after it. The slots carry the
  packet-wide footer (patient name, date of birth, "Page N of M" counted
  across the packet) laid out by WeasyPrint in the packet's own fonts, and
  duplex padding pages ("This page is intentionally left blank").
* Each slot that belongs to a handout page receives that page's content: the
  handout page keeps its boxes, and the slot's footer margin box is added to
  it. One ``write_pdf`` then produces the packet, tagged, with bookmarks from
  the handout titles and internal links resolved across the whole packet.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import weasyprint
from weasyprint.formatting_structure.boxes import MarginBox
from weasyprint.text.fonts import FontConfiguration

from .errors import HandoutError, Problem
from .html import handout_html, render
from .i18n import has_catalog
from .library import Project
from .loading import load_clinic, load_handout
from .models import Clinic, Handout
from .pdf import collect_warnings, layout, pdf_bytes
from .visits import Visit


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

    @property
    def anchor(self) -> str:
        return self.handout.id


@dataclass(frozen=True)
class Packet:
    """A finished packet in memory."""

    data: bytes
    pages: int
    items: tuple[PacketItem, ...]
    warnings: tuple[str, ...] = ()

    @property
    def fallbacks(self) -> list[str]:
        """Ids of the handouts printed in English because the patient's language was missing."""
        return [item.handout.id for item in self.items if item.fallback]


def default_file_name(visit: Visit) -> str:
    """``DATE_VISITID.pdf``: identifies the packet without any patient detail."""
    return f"{visit.date.isoformat()}_{visit.visit_id}.pdf"


def _slots_and_items(
    cover_pages: int, handouts: list[tuple[Handout, bool, int]], duplex: bool
) -> tuple[list[str], list[PacketItem]]:
    """Plan every page after the cover: handout pages, and blanks so each handout starts on the right."""
    slots: list[str] = []
    items: list[PacketItem] = []
    for handout, fallback, pages in handouts:
        if duplex and (cover_pages + len(slots)) % 2 == 1:
            slots.append("blank")
        items.append(PacketItem(handout, cover_pages + len(slots) + 1, pages, fallback))
        slots += ["handout"] * pages
    return slots, items


@dataclass
class PacketBuilder:
    """Builds packets, keeping clinics, handouts and their layouts between packets."""

    project: Project
    strict: bool = False
    font_config: FontConfiguration = field(default_factory=FontConfiguration)
    _clinics: dict[str, Clinic] = field(default_factory=dict)
    _handouts: dict[tuple[str, str], tuple[Handout, bool]] = field(default_factory=dict)
    _layouts: dict[tuple, weasyprint.Document] = field(default_factory=dict)

    # --- cached steps ------------------------------------------------------

    def clinic(self, clinic_id: str) -> Clinic:
        if clinic_id not in self._clinics:
            self._clinics[clinic_id] = load_clinic(self.project.clinic_folder(clinic_id))
        return self._clinics[clinic_id]

    def handout(self, handout_id: str, language: str) -> tuple[Handout, bool]:
        """The handout in the patient's language, or in English (fallback=True) if there is none."""
        key = (handout_id, language)
        if key not in self._handouts:
            translation = self.project.handouts_dir / f"{handout_id}.{language}.yaml"
            if language != "en" and translation.is_file():
                self._handouts[key] = (load_handout(translation), False)
            else:
                path = self.project.handout_path(handout_id)
                self._handouts[key] = (load_handout(path), language != "en")
        return self._handouts[key]

    def handout_layout(
        self, handout: Handout, clinic: Clinic, paper: str, large_print: bool
    ) -> weasyprint.Document:
        key = (handout.id, handout.language, clinic.id, paper, large_print)
        if key not in self._layouts:
            html = handout_html(
                self.project, handout, clinic, paper, in_packet=True, large_print=large_print
            )
            self._layouts[key] = layout(html, self.project, font_config=self.font_config)
        return self._layouts[key]

    # --- one packet ----------------------------------------------------------

    def resolve(self, visit: Visit) -> tuple[Clinic, list[tuple[Handout, bool]]]:
        """Check everything the visit refers to, reporting all unknown ids at once."""
        problems: list[Problem] = []
        clinic = None
        try:
            clinic = self.clinic(visit.clinic)
        except HandoutError as exc:
            problems += exc.problems
        handouts = []
        for handout_id in visit.handouts:
            try:
                handouts.append(self.handout(handout_id, visit.patient.language))
            except HandoutError as exc:
                problems += exc.problems
        if problems or clinic is None:
            raise HandoutError(problems)
        return clinic, handouts

    def build(self, visit: Visit, *, duplex: bool = True, paper: str | None = None) -> Packet:
        """Lay out and write one visit's packet."""
        clinic, handouts = self.resolve(visit)
        paper = paper or clinic.paper
        large = visit.patient.large_print
        with collect_warnings() as warnings:
            layouts = [self.handout_layout(h, clinic, paper, large) for h, _ in handouts]
            counts = [(h, fallback, len(doc.pages)) for (h, fallback), doc in zip(handouts, layouts, strict=True)]
            cover_pages = 1
            for _ in range(3):  # the cover is almost always one page; re-plan if it is not
                slots, items = _slots_and_items(cover_pages, counts, duplex)
                cover = self._cover(visit, clinic, paper, slots, items)
                actual = len(cover.pages) - len(slots)
                if actual == cover_pages:
                    break
                cover_pages = actual
            pages = self._assemble(cover, cover_pages, slots, layouts)
            data = pdf_bytes(cover.copy(pages))
        if self.strict and warnings:
            raise HandoutError([Problem(f"WeasyPrint: {w}") for w in warnings])
        return Packet(data, len(pages), tuple(items), tuple(warnings))

    def _cover(
        self, visit: Visit, clinic: Clinic, paper: str, slots: list[str], items: list[PacketItem]
    ) -> weasyprint.Document:
        # The cover speaks the patient's language when the templates have a catalog for it;
        # otherwise all of it is English, never a mixture.
        language = visit.patient.language if has_catalog(visit.patient.language) else "en"
        html = render(
            self.project,
            "packet.html",
            clinic,
            language,
            paper,
            visit=visit,
            patient=visit.patient,
            items=items,
            slots=slots,
            fallbacks=[i for i in items if i.fallback],
            large_print=visit.patient.large_print,
        )
        return layout(html, self.project, font_config=self.font_config)

    @staticmethod
    def _assemble(
        cover: weasyprint.Document, cover_pages: int, slots: list[str], layouts: list[weasyprint.Document]
    ) -> list[weasyprint.Page]:
        """Cover pages, then each slot: a blank as laid out, or a handout page plus the slot's footer."""
        handout_pages = iter(page for doc in layouts for page in doc.pages)
        pages = list(cover.pages[:cover_pages])
        for slot, slot_page in zip(slots, cover.pages[cover_pages:], strict=True):
            if slot == "blank":
                pages.append(slot_page)
                continue
            source = next(handout_pages)
            footer = [box for box in slot_page._page_box.children if isinstance(box, MarginBox)]
            merged = copy.copy(source)
            merged._page_box = source._page_box.copy_with_children(
                [*source._page_box.children, *footer]
            )
            pages.append(merged)
        return pages


def build_packet_file(
    project: Project, visit: Visit, output: Path, *, duplex: bool = True, strict: bool = False
) -> Packet:
    """The ``packet`` command: one visit, one PDF written atomically."""
    from .pdf import write_atomic

    packet = PacketBuilder(project, strict=strict).build(visit, duplex=duplex)
    write_atomic(output, packet.data)
    return packet
