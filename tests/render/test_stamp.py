"""The patient stamp is defined once (``render/stamp.py``): the handout's room for it in packets, the
identifiers' sheet and where the packet draws it all follow that one StampBox."""

from __future__ import annotations

import dataclasses
import io

import pikepdf
import pytest

from clinic_handouts.content.library import Project
from clinic_handouts.content.loading import load_clinic, load_handout
from clinic_handouts.content.visits import Visit
from clinic_handouts.packets.builder import PacketBuilder
from clinic_handouts.render import stamp
from clinic_handouts.render.html import handout_html
from clinic_handouts.render.renderer import Renderer
from clinic_handouts.render.stamp import LARGE_STAMP, PT_PER_IN, STAMP, StampBox, stamp_for
from clinic_handouts.render.weasyprint_internals import PT_PER_PX, boxes

#: a stamp somewhere else than the real one: higher, further in, narrower, with more room below the page
MOVED = StampBox(
    width=2.5 * PT_PER_IN, height=60, right=1.0 * PT_PER_IN, bottom=30, font_size=10, page_margin_bottom=1.5 * PT_PER_IN
)
LETTER_WIDTH = 612


def test_one_stamp_per_print_size():
    assert stamp_for(False) is STAMP and stamp_for(True) is LARGE_STAMP
    assert STAMP.line == round(STAMP.font_size * 1.3, 2)
    assert STAMP.bottom >= 18  # a quarter inch from the paper's edge: printers do not cut it off
    assert STAMP.page_margin_bottom >= STAMP.bottom + STAMP.height  # the handout leaves room for it


def handout_page_margin_bottom(project: Project, *, in_packet: bool) -> tuple[str, float]:
    """The handout's HTML, and the bottom margin (pt) of its first laid-out page."""
    clinic = load_clinic(project.clinic_folder("example"))
    html = handout_html(project, load_handout(project.handout_path("botox")), clinic, in_packet=in_packet)
    page = Renderer(project).layout(html).pages[0]
    page_box = next(boxes(page))
    return html, float(page_box.margin_bottom) * PT_PER_PX


def test_the_handouts_bottom_margin_in_packets_comes_from_the_stamp(project: Project, monkeypatch):
    html, margin = handout_page_margin_bottom(project, in_packet=True)
    assert f"margin-bottom: {STAMP.page_margin_bottom}pt" in html
    assert margin == pytest.approx(STAMP.page_margin_bottom, abs=0.01)
    standalone, own = handout_page_margin_bottom(project, in_packet=False)
    assert f"margin-bottom: {STAMP.page_margin_bottom}pt" not in standalone and own < STAMP.page_margin_bottom

    monkeypatch.setattr(stamp, "STAMP", MOVED)
    html, margin = handout_page_margin_bottom(project, in_packet=True)
    assert f"margin-bottom: {MOVED.page_margin_bottom}pt" in html
    assert margin == pytest.approx(MOVED.page_margin_bottom, abs=0.01)


def stamp_drawings(data: bytes) -> list[list[tuple[float, float, float, float]]]:
    """Per page, each stamp drawing as placed on the page: (left, bottom, width, height) in points."""
    drawn = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            on_page, moved = [], (0.0, 0.0)
            for operands, operator in pikepdf.parse_content_stream(page, "cm Do"):
                if str(operator) == "cm":
                    moved = (float(operands[4]), float(operands[5]))
                elif str(operands[0]).startswith("/Stamp"):
                    box = [float(v) for v in page.Resources.XObject[str(operands[0])].BBox]
                    on_page.append((moved[0] + box[0], moved[1] + box[1], box[2] - box[0], box[3] - box[1]))
            drawn.append(on_page)
    return drawn


def visit() -> Visit:
    return Visit.model_validate(
        {
            "visit_id": "V-1",
            "date": "2026-11-27",
            "clinic": "example",
            "clinician": "Dr. Lee",
            "patient": {"name": "Ann Lee", "dob": "1950-01-02"},
            "handouts": ["botox"],
        }
    )


def assert_stamped_per(box: StampBox, data: bytes) -> None:
    for number, drawings in enumerate(stamp_drawings(data), start=1):
        *_, identity, page_line = drawings
        for left, _, _, _ in (identity, page_line):
            assert left == pytest.approx(LETTER_WIDTH - box.right - box.width, abs=0.01), f"page {number}"
        _, bottom, _, height = identity
        assert bottom + height == pytest.approx(box.bottom + box.height, abs=0.01), f"page {number}: its top"
        _, line_bottom, _, line_height = page_line
        assert line_height == pytest.approx(box.line, abs=0.01)
        assert line_bottom + line_height == pytest.approx(bottom, abs=0.01), f"page {number}: under the name"


def test_the_packet_draws_the_stamp_where_the_stamp_box_says(project: Project, monkeypatch):
    assert_stamped_per(STAMP, PacketBuilder(project).build(visit(), duplex=False).data)
    monkeypatch.setattr(stamp, "STAMP", MOVED)
    moved = PacketBuilder(project).build(visit(), duplex=False).data
    assert_stamped_per(MOVED, moved)
    assert dataclasses.replace(MOVED) != STAMP
