"""The parts that tell a patient what to do (PEMAT-P actionability), as printed.

Key points, words to know, the before and after checklists, "call us if",
the emergency box and the "Questions? Call us" block: each must print under
its own heading, in its place, word for word, with its tick boxes drawn on the
page, on every handout of the fixture library (``tests/fixtures/project``).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURE_PROJECT, PART_HEADINGS, Printed, normalise, pdf_text, print_handout
from pages import poppler
from PIL import Image

from clinic_handouts.build import build_handout
from clinic_handouts.content.library import Project
from clinic_handouts.content.loading import load_handout
from clinic_handouts.content.models import DEFAULT_HEADINGS, Handout
from clinic_handouts.render import weasyprint_internals

CONTACT_HEADING = "Questions? Call us"
#: The one line under the title, by what awaits review: the added parts, or everything.
REVIEW_LINE = {
    "partly": "Sample content: the parts added to the clinic's text (key points, checklists, risks, pictures) "
    "await its medical review.",
    "sample": "Sample content: this handout awaits the clinic's medical review.",
}
FOOTER = {"partly": "Sample content, partly reviewed", "sample": "Sample content, not yet reviewed"}
LAST_LINES = {
    "partly": "The parts added to it are sample content, not yet reviewed.",
    "sample": "Sample content, not yet reviewed by the clinic.",
}
#: Every part a handout of the sample library must have.
ALL_PARTS = ("key_points", "terms", "before", "after", "call_us_if", "emergency_if")


def library_ids() -> list[str]:
    return Project(FIXTURE_PROJECT).handout_ids()


def guide_ids() -> list[str]:
    """Handouts of the library that have at least one of the added parts."""
    ids = []
    for handout_id in library_ids():
        handout = load_handout(Project(FIXTURE_PROJECT).handout_path(handout_id))
        if any(getattr(handout, part) for part in ALL_PARTS):
            ids.append(handout_id)
    return ids


def page_picture(printed: Printed, page_index: int) -> Image.Image:
    """The page drawn by poppler at 96 dpi: one pixel per CSS px of the layout."""
    number = str(page_index + 1)
    png = poppler("pdftoppm", printed.data, "-png", "-r", "96", "-f", number, "-l", number)
    return Image.open(io.BytesIO(png)).convert("L")


@pytest.fixture(scope="session")
def printed(printed):
    """``printed("botox")``: the fixture project's handout, laid out once per process (see conftest)."""

    def get(handout_id: str) -> Printed:
        return printed(f"{handout_id}.yaml")

    return get


def expected_headings(handout: Handout) -> list[str]:
    """Every heading the handout should print, in the order it should print them."""
    headings = []
    sections = dict(handout.present_sections())
    for part in handout.printed_parts():
        if part in sections:
            headings.append(normalise(sections[part].heading or DEFAULT_HEADINGS[part]))
        elif part == "extra_sections":
            headings += [extra.heading for extra in handout.extra_sections]
        elif part in PART_HEADINGS:
            headings.append(PART_HEADINGS[part])
    return [*headings, CONTACT_HEADING]


def part_text(printed: Printed, part: str) -> str:
    """The PDF text from a part's heading to the next heading."""
    headings = expected_headings(printed.handout)
    heading = PART_HEADINGS[part]
    start = printed.text.index(heading)
    following = headings[headings.index(heading) + 1]
    end = printed.text.index(following, start)
    return printed.text[start + len(heading) : end]


def boxes(printed: Printed, page_index: int, css_class: str, tag: str | None = None):
    """Layout boxes on one page whose element has a class (and optionally a tag)."""
    found = []
    for box in weasyprint_internals.boxes(printed.document.pages[page_index]):
        if not weasyprint_internals.has_class(box, css_class) or not getattr(box, "element_tag", None):
            continue
        if tag is None or box.element_tag == tag:
            found.append(box)
    return found


# --- the library ------------------------------------------------------------


def test_the_library_has_the_guides():
    assert guide_ids() == ["botox", "epidural-steroid-injection", "physical-therapy"]


@pytest.mark.parametrize("handout_id", guide_ids())
def test_every_guide_has_every_part(handout_id: str):
    handout = load_handout(Project(FIXTURE_PROJECT).handout_path(handout_id))
    missing = [part for part in ALL_PARTS if not getattr(handout, part)]
    assert missing == []
    assert 3 <= len(handout.key_points) <= 5
    assert handout.review.added_parts == "sample"


@pytest.mark.parametrize("handout_id", guide_ids())
def test_printed_without_weasyprint_warnings(printed, handout_id: str):
    assert printed(handout_id).warnings == ()


# --- each part under its heading, in its place, word for word ------------------


@pytest.mark.parametrize("handout_id", guide_ids())
def test_headings_print_once_in_their_places(printed, handout_id: str):
    got = printed(handout_id)
    headings = expected_headings(got.handout)
    for heading in [PART_HEADINGS[p] for p in ALL_PARTS] + [CONTACT_HEADING]:
        assert got.text.count(heading) == 1, heading
    positions = [got.text.index(h) for h in headings]
    assert positions == sorted(positions), headings


@pytest.mark.parametrize("handout_id", guide_ids())
@pytest.mark.parametrize("part", ["key_points", "before", "after", "call_us_if", "emergency_if"])
def test_every_item_prints_under_its_heading(printed, handout_id: str, part: str):
    got = printed(handout_id)
    under = part_text(got, part)
    missing = [item for item in getattr(got.handout, part) if normalise(item) not in under]
    assert missing == []


@pytest.mark.parametrize("handout_id", guide_ids())
def test_every_term_prints_with_its_meaning_under_words_to_know(printed, handout_id: str):
    got = printed(handout_id)
    under = part_text(got, "terms")
    for term in got.handout.terms:
        found = under.find(f"{normalise(term.term)} {normalise(term.definition)}")
        assert found >= 0, f"{term.term}: {term.definition}"


@pytest.mark.parametrize("handout_id", guide_ids())
def test_review_status_is_said_once_under_the_title(printed, handout_id: str):
    got = printed(handout_id)
    text, state = got.text, got.handout.review_state
    line = normalise(REVIEW_LINE[state])
    assert text.count(line) == 1
    assert text.count("Sample content:") == 1
    assert text.index(line) < text.index(PART_HEADINGS["key_points"])
    # the footer of every page and the last lines tell the same truth
    assert all(FOOTER[state] in page for page in got.pages)
    assert "Reviewed November" not in text
    assert LAST_LINES[state] in got.pages[-1]


def test_approved_parts_carry_no_review_line(scratch_project: Project):
    path = scratch_project.handouts_dir / "botox.yaml"
    path.write_text(path.read_text().replace("added_parts: sample", "added_parts: approved"))
    pages = pdf_text(print_handout(scratch_project, "botox.yaml").data)
    text = " ".join(pages)
    assert "Key points" in text and "Call us if" in text
    assert "Sample content" not in text
    assert all("Reviewed November 2026" in page for page in pages)


# --- pages ---------------------------------------------------------------------


@pytest.mark.parametrize("handout_id", guide_ids())
def test_boxes_are_never_split_across_pages(printed, handout_id: str):
    got = printed(handout_id)
    handout = got.handout
    whole = {
        "key_points": [PART_HEADINGS["key_points"], *handout.key_points],
        "call_us_if": [PART_HEADINGS["call_us_if"], *handout.call_us_if],
        "emergency_if": [PART_HEADINGS["emergency_if"], *handout.emergency_if],
    }
    for part, pieces in whole.items():
        pages = [i for i, page in enumerate(got.pages) if normalise(pieces[0]) in page]
        assert len(pages) == 1, part
        assert all(normalise(p) in got.pages[pages[0]] for p in pieces), part
    assert PART_HEADINGS["key_points"] in got.pages[0]


@pytest.mark.parametrize("handout_id", guide_ids())
def test_when_to_call_and_the_emergency_box_follow_each_other(printed, handout_id: str):
    # whole boxes, one after the other: on one page, or the emergency box heading the next
    got = printed(handout_id)
    call, emergency = (
        next(i for i, page in enumerate(got.pages) if PART_HEADINGS[part] in page)
        for part in ("call_us_if", "emergency_if")
    )
    assert emergency - call in (0, 1)
    if emergency == call + 1:
        assert got.pages[emergency].split(PART_HEADINGS["emergency_if"])[0].count("•") == 0


# --- "Questions? Call us" on every handout -------------------------------------


def contact_page(pages: list[str]) -> str:
    [page] = [p for p in pages if CONTACT_HEADING in p]
    return page


def assert_contact_block(pages: list[str], clinic) -> None:
    page = contact_page(pages)
    block = page[page.index(CONTACT_HEADING) :]
    for value in (clinic.phone, clinic.hours, clinic.after_hours_phone):
        assert normalise(value) in block, value


@pytest.mark.parametrize("handout_id", library_ids())
def test_contact_block_is_on_every_handout(printed, clinic, handout_id: str):
    assert_contact_block(printed(handout_id).pages, clinic)


def test_contact_block_prints_without_call_us_if(scratch_project: Project, clinic, tmp_path: Path):
    path = scratch_project.handouts_dir / "plain.yaml"
    data = yaml.safe_load((scratch_project.handouts_dir / "botox.yaml").read_text())
    for part in ALL_PARTS:
        data.pop(part, None)
    data["title"] = "Plain handout"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "plain.pdf"
    build_handout(scratch_project, "plain", output=out)
    pages = pdf_text(out)
    text = " ".join(pages)
    assert "Plain handout" in text
    assert "Call us if" not in text and "Key points" not in text
    assert_contact_block(pages, clinic)


def test_call_us_box_gives_the_numbers_to_call(printed, clinic):
    under = part_text(printed("botox"), "call_us_if")
    expected = f"Call {clinic.phone} ({clinic.hours}). After hours, call {clinic.after_hours_phone}."
    assert normalise(expected) in under


# --- tick boxes -------------------------------------------------------------


def section_html(html: str, css_class: str) -> str:
    match = re.search(rf'<section class="{css_class}"[^>]*>(.*?)</section>', html, re.S)
    assert match, css_class
    return match.group(1)


@pytest.mark.parametrize("handout_id", guide_ids())
@pytest.mark.parametrize("part", ["before", "after"])
def test_one_tick_box_per_checklist_item_in_the_html(printed, handout_id: str, part: str):
    got = printed(handout_id)
    items = re.findall(r"<li>(.*?)</li>", section_html(got.html, part), re.S)
    assert len(items) == len(getattr(got.handout, part))
    for item in items:
        assert item.count('<span class="tick" aria-hidden="true"></span>') == 1, item


def dark(pixels: list[int]) -> bool:
    return min(pixels) < 90


def frame_pixels(picture: Image.Image, box, inset: float) -> dict[str, list[int]]:
    """Pixels along the middle of each side of a box's border, and inside it."""
    x0, y0 = box.border_box_x(), box.border_box_y()
    x1, y1 = x0 + box.border_width(), y0 + box.border_height()
    mid_x, mid_y = (x0 + x1) / 2, (y0 + y1) / 2

    def strip(xa, xb, ya, yb):
        return [picture.getpixel((x, y)) for x in range(int(xa), int(xb) + 1) for y in range(int(ya), int(yb) + 1)]

    return {
        "left": strip(x0, x0 + inset, mid_y - 1, mid_y + 1),
        "right": strip(x1 - inset, x1 - 1, mid_y - 1, mid_y + 1),
        "top": strip(mid_x - 1, mid_x + 1, y0, y0 + inset),
        "bottom": strip(mid_x - 1, mid_x + 1, y1 - inset, y1 - 1),
    }


@pytest.mark.parametrize("handout_id", guide_ids())
def test_tick_boxes_are_drawn_on_the_pdf_page(printed, handout_id: str):
    got = printed(handout_id)
    expected = len(got.handout.before) + len(got.handout.day_of) + len(got.handout.after)
    drawn = 0
    for index in range(len(got.document.pages)):
        ticks = boxes(got, index, "tick", "span")
        if not ticks:
            continue
        picture = page_picture(got, index)
        for tick in ticks:
            sides = frame_pixels(picture, tick, inset=2)
            assert all(dark(pixels) for pixels in sides.values()), (index, sides)
            x, y = tick.border_box_x(), tick.border_box_y()
            w, h = tick.border_width(), tick.border_height()
            inside = [
                picture.getpixel((int(x + w / 2) + dx, int(y + h / 2) + dy)) for dx in (-2, 0, 2) for dy in (-2, 0, 2)
            ]
            assert min(inside) > 200, "a tick box must be empty, ready to tick"
            drawn += 1
    assert drawn == expected


@pytest.mark.parametrize("handout_id", guide_ids())
def test_emergency_box_stands_out_in_black_and_white(printed, handout_id: str):
    got = printed(handout_id)
    found = [
        (index, box) for index in range(len(got.document.pages)) for box in boxes(got, index, "emergency", "section")
    ]
    assert len(found) == 1, "the emergency box must be one box on one page"
    index, box = found[0]
    picture = page_picture(got, index)
    sides = frame_pixels(picture, box, inset=4)
    # a heavy frame, black on every side once printed in grey: not colour alone
    assert all(sum(p < 60 for p in pixels) >= len(pixels) * 0.8 for pixels in sides.values()), sides
