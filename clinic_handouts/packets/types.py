"""What a packet is made of, as plain values: the handouts it lists, where each starts, the finished file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from clinic_handouts.content.models import Handout
from clinic_handouts.content.visits import Visit

#: The stamp sheet is one page tall enough for every stamp; PDF pages stop at 200 inches.
MAX_PAGES = 250


@dataclass(frozen=True)
class Variant:
    """One way a handout is printed inside packets: rendered once, reused by every packet that needs it."""

    handout_id: str
    language: str
    clinic_id: str
    paper: str
    large_print: bool


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


class LinesKey(NamedTuple):
    """Packets that share their "Page N of M" lines: same clinic, cover language, paper, print size and length."""

    clinic_id: str
    language: str
    paper: str
    large_print: bool
    total: int


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
