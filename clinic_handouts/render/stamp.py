"""The patient stamp: where a packet prints the patient's identifiers and "Page N of M" on every page.

Defined once, here: the packet templates size their sheets from it, the
handout template leaves room for it, and the packet assembly draws it there.
"""

from __future__ import annotations

from dataclasses import dataclass

PT_PER_IN = 72


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
    #: the bottom margin a handout page keeps in a packet to make room for the stamp (None: the page's own)
    page_margin_bottom: float | None = None

    @property
    def line(self) -> float:
        """Height of one line of the stamp, in points."""
        return round(self.font_size * 1.3, 2)


STAMP = StampBox(
    width=3.0 * PT_PER_IN,
    height=53,
    right=0.75 * PT_PER_IN,
    bottom=18,
    font_size=10,
    page_margin_bottom=1.1 * PT_PER_IN,
)
#: large print: the page's own wide margins already leave room for it
LARGE_STAMP = StampBox(width=3.3 * PT_PER_IN, height=74, right=1.0 * PT_PER_IN, bottom=18, font_size=13)


def stamp_for(large_print: bool) -> StampBox:
    """The stamp of a packet in normal or large print."""
    return LARGE_STAMP if large_print else STAMP
