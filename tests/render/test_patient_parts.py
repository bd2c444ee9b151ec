"""What a patient needs beyond the clinic's text, as printed: order, drawings, risks, worksheets, how-to lines.

Each test reads the PDF that was produced: its text, its pages and its tag
structure (Figure elements and their /Alt, table rows).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pikepdf
import pytest
from conftest import PART_HEADINGS, Printed, normalise, pdf_text, print_handout
from pages import poppler
from PIL import Image

from clinic_handouts.content.library import Project
from clinic_handouts.content.models import DEFAULT_HEADINGS
from clinic_handouts.content.parts import PATIENT_ORDER
from clinic_handouts.pdf.structure import elements_in_order
from clinic_handouts.render import weasyprint_internals


def tags(data: bytes, kind: str) -> list[dict[str, str]]:
    """Each structure element of a kind, with its /Alt (as text), read while the file is open."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [
            {"alt": str(e.get("/Alt", ""))}
            for e in elements_in_order(pdf.Root.StructTreeRoot)
            if e.get("/S") == pikepdf.Name("/" + kind)
        ]


def heading_of(key: str) -> str:
    return PART_HEADINGS.get(key) or DEFAULT_HEADINGS[key]


def positions(text: str, keys: list[str]) -> list[int]:
    return [text.index(normalise(heading_of(k))) for k in keys]


@pytest.fixture(scope="module")
def therapy(printed) -> Printed:
    return printed("physical-therapy.yaml")


# --- order -----------------------------------------------------------------------


def test_parts_print_in_the_order_a_patient_lives_them(therapy: Printed):
    keys = therapy.handout.printed_parts()
    assert keys == [k for k in PATIENT_ORDER if k in keys]
    # what it is, is it right for me, before, the day of, after, results, risks, when to call, emergency, what next
    expected = ["key_points", "conditions", "right_for_me", "before", "day_of", "after", "results", "risks"]
    expected += ["call_us_if", "emergency_if", "if_no_help"]
    found = [k for k in expected if k in keys]
    assert len(found) >= 9, found
    at = positions(therapy.text, found)
    assert at == sorted(at), found


def test_a_clinic_sets_its_own_order_without_changing_a_word(scratch_project: Project, therapy: Printed):
    clinic_file = scratch_project.clinics_dir / "example" / "clinic.yaml"
    clinic_file.write_text(clinic_file.read_text() + "order: [emergency_if, call_us_if, if_no_help]\n")
    got = print_handout(scratch_project, "physical-therapy.yaml")
    at = positions(got.text, ["emergency_if", "call_us_if", "if_no_help", "key_points", "conditions"])
    assert at == sorted(at)
    # the same words, only moved: every word of the default print is in the reordered one
    assert sorted(re.findall(r"\w+", got.text)) == sorted(re.findall(r"\w+", therapy.text))


def test_an_unknown_part_in_the_clinics_order_is_refused_with_its_place(scratch_project: Project, capsys):
    from clinic_handouts.cli.main import main

    clinic_file = scratch_project.clinics_dir / "example" / "clinic.yaml"
    clinic_file.write_text(clinic_file.read_text() + "order: [emergency, key_points]\n")
    status = main(["--root", str(scratch_project.root), "handout", "physical-therapy", "-o", "/dev/null/x.pdf"])
    err = capsys.readouterr().err
    assert status == 1
    assert "clinic.yaml" in err and "order" in err and "emergency_if" in err
    assert "Traceback" not in err


# --- the review status, once -----------------------------------------------------------


def test_a_sample_handout_says_so_once_and_the_footer_agrees(therapy: Printed):
    line = "Sample content: this handout awaits the clinic's medical review."
    assert therapy.text.count(line) == 1
    assert all("Sample content, not yet reviewed" in page for page in therapy.pages)
    assert "Reviewed November" not in therapy.text
    assert "Sample content, not yet reviewed by the clinic." in therapy.pages[-1]


# --- drawings --------------------------------------------------------------------------


def test_a_drawing_prints_with_its_section_caption_and_labels(therapy: Printed):
    [figure] = therapy.handout.figures
    text = therapy.text
    procedure = text.index(normalise(DEFAULT_HEADINGS["procedure"]))
    following = text.index(normalise(DEFAULT_HEADINGS["benefits"]), procedure)
    caption = text.index(normalise(figure.caption))
    assert procedure < caption < following
    # labels are laid over the drawing (painted after the text flow): on the caption's page
    [page] = [page for page in therapy.pages if normalise(figure.caption) in page]
    for label in figure.labels:
        assert label.text in page, label.text


def test_a_drawing_is_a_figure_tag_with_its_alternative_text(therapy: Printed):
    [figure] = therapy.handout.figures
    alts = [t["alt"] for t in tags(therapy.data, "Figure")]
    assert alts.count(figure.alt) == 1
    assert all(alt.strip() for alt in alts)


def test_a_drawing_is_drawn_where_its_figure_tag_says(therapy: Printed):
    # the Figure's /BBox (in points) on its page /Pg holds ink: the drawing's strokes
    [figure] = therapy.handout.figures
    with pikepdf.open(io.BytesIO(therapy.data)) as pdf:
        [element] = [e for e in elements_in_order(pdf.Root.StructTreeRoot) if str(e.get("/Alt", "")) == figure.alt]
        index = next(i for i, page in enumerate(pdf.pages) if page.obj.objgen == element.Pg.objgen)
        x0, y0, x1, y1 = (float(v) for v in element.A.BBox)
        height = float(pdf.pages[index].MediaBox[3])
    png = poppler("pdftoppm", therapy.data, "-png", "-r", "72", "-f", str(index + 1), "-l", str(index + 1))
    box = Image.open(io.BytesIO(png)).convert("L").crop((int(x0), int(height - y1), int(x1), int(height - y0)))
    dark = sum(box.histogram()[:128])
    assert box.width > 100 and box.height > 50
    assert dark > 0.02 * box.width * box.height  # strokes, not an empty box


def test_a_missing_drawing_is_an_error_at_its_line(scratch_project: Project, capsys):
    from clinic_handouts.checks.checker import check

    (scratch_project.handouts_dir / "figures" / "knee-bend.svg").unlink()
    report = check(scratch_project, [scratch_project.handouts_dir / "physical-therapy.yaml"])
    [problem] = [f.problem for f in report.findings if f.severity == "error"]
    assert "no figure 'knee-bend.svg'" in problem.message
    assert problem.line and problem.field == "figures.0.file"
    # rendering it anyway: one line naming the handout and the drawing, and no file written
    from clinic_handouts.cli.main import main

    out = scratch_project.root / "pt.pdf"
    assert main(["--root", str(scratch_project.root), "handout", "physical-therapy", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "handout 'physical-therapy' (en), figures: no figure 'knee-bend.svg'" in err
    assert err.count("\n") == 1 and "Traceback" not in err and not out.exists()


# --- risks and the day-of checklist ---------------------------------------------------


def test_risks_print_common_then_serious_pointing_to_the_emergency_box(therapy: Printed):
    risks = therapy.handout.risks
    assert risks is not None
    text = therapy.text
    start = text.index("Risks and side effects")
    common = text.index("Common side effects", start)
    serious = text.index("Rare but serious", common)
    pointer = text.index("If this happens, call 911 or go to the emergency room.", serious)
    assert all(common < text.index(normalise(r)) < serious for r in risks.common)
    assert all(serious < text.index(normalise(r)) < pointer for r in risks.serious)


def test_every_checklist_says_how_to_use_it_and_the_qr_code_what_it_is_for(therapy: Printed):
    handout = therapy.handout
    checklists = sum(1 for part in ("before", "day_of", "after") if getattr(handout, part))
    assert checklists == 3
    assert therapy.text.count("Tick each box when it is done.") == checklists
    assert "Scan the square code with your phone's camera to read this handout online." in therapy.pages[-1]


# --- worksheets ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pain_log(printed) -> Printed:
    return printed("pain-log.yaml")


def test_a_diary_prints_its_steps_and_a_table_with_its_rows(pain_log: Printed):
    sheet = pain_log.handout.worksheet
    assert sheet is not None and sheet.log is not None
    for step in sheet.instructions:
        assert normalise(step) in pain_log.text
    for column in sheet.log.columns:
        assert column in pain_log.text
    rows = tags(pain_log.data, "TR")
    assert len(rows) == sheet.log.rows + 2  # the header row, the example row, then one row per day
    # the example shows how to fill a row in, once, marked as an example, before the empty rows
    example = "Example: " + " ".join(sheet.log.example)
    assert pain_log.text.count(example) == 1
    assert pain_log.text.index(sheet.log.columns[-1]) < pain_log.text.index(example)
    assert len(tags(pain_log.data, "TH")) == len(sheet.log.columns)


def test_an_exercise_plan_has_a_box_per_day_and_its_pictures(printed):
    got = printed("stretch-plan.yaml")
    plan = got.handout.worksheet.exercises
    text = got.text
    for item in plan.items:
        assert normalise(item.how) in text and normalise(item.amount) in text
    # a "Day" row of numbers, then a row of boxes for each time a day, labelled when there are more
    assert [item.times_per_day for item in plan.items] == [2, 1]
    assert text.count("Done, time 1") == 1 and text.count("Done, time 2") == 1
    assert text.count("Done") == 3
    # one box laid out per day and time: 10 days x (2 + 1)
    ticks = [
        box
        for page in got.document.pages
        for box in weasyprint_internals.boxes(page)
        if weasyprint_internals.has_class(box, "tick") and getattr(box, "element_tag", None) == "span"
    ]
    assert len(ticks) == plan.days * sum(item.times_per_day for item in plan.items) == 30
    assert text.count(" ".join(str(d) for d in range(1, plan.days + 1))) == len(plan.items)
    assert [t["alt"] for t in tags(got.data, "Figure")].count("Knee bend") == 1


def test_a_large_print_packet_of_five_with_worksheets(scratch_project: Project, tmp_path: Path):
    # worksheets are ordered like any handout; the large-print cover holds five handouts and whom to
    # call on one page; the visit time prints as the language writes it, not "09:30"
    from clinic_handouts.cli.main import main

    visit = tmp_path / "visit.yaml"
    visit.write_text(
        'visit_id: V1\ndate: 2026-11-27\ntime: "09:30"\nclinic: example\nclinician: Dr. Lee\n'
        "patient: {name: Test Patient, dob: 1960-01-01, mrn: T-1, large_print: true}\n"
        "handouts: [botox, epidural-steroid-injection, physical-therapy, pain-log, stretch-plan]\n"
        "note: Start the stretches on Monday. Keep the pain log every evening until your next visit.\n"
    )
    out = tmp_path / "packet.pdf"
    assert main(["--root", str(scratch_project.root), "packet", str(visit), "-o", str(out)]) == 0
    pages = pdf_text(out)
    cover = pages[0]
    for title in ("Botox", "Epidural Steroid Injection", "Physical Therapy", "Pain Log", "Stretch Plan"):
        assert title in cover
    assert "Whom to call" in cover and "(541) 555-0199" in cover
    assert "Whom to call" not in pages[1]
    assert "November 27, 2026, 9:30 AM" in cover and "09:30" not in cover
    text = " ".join(pages)
    assert "Knee bend" in text and "How to use this sheet" in text
