"""The Botox handout as a patient and a records system receive it: the PDF itself (the fixture project's).

The shipped Botox handout's own test (every sentence of the clinic's page reaches it) is in
``tests/test_shipped_library.py``.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pikepdf
import pytest
from conftest import assert_conformant, normalise, pdf_text
from pypdf import PdfReader

from clinic_handouts.build import build_handout
from clinic_handouts.content.library import Project


@pytest.fixture(scope="module", params=["letter", "a4"])
def botox_pdf(request, printed, tmp_path_factory) -> Path:
    """The fixture Botox handout as ``build_handout`` writes it (the shared render: the same bytes)."""
    got = printed("botox.yaml", paper=None if request.param == "letter" else request.param)
    assert got.warnings == (), f"WeasyPrint warned: {got.warnings}"
    assert got.claim_warnings == ()
    out = tmp_path_factory.mktemp("pdf") / f"botox-{request.param}.pdf"
    out.write_bytes(got.data)
    assert_conformant(out)
    return out


SEED_HEADINGS = [
    "Conditions It Treats",
    "Procedure Description",
    "How Does It Help",
    "Procedure Benefits",
    "How Long Does It Take",
    "What Are the Expected Results",
    "If It Doesn't Help, What Is Next",
    "Is This Treatment Right for Me",
]
#: The same headings in the order a patient lives them (the default): is it right for me before
#: the day (how long it takes) and the results; what next last.
PATIENT_HEADINGS = [*SEED_HEADINGS[:4], SEED_HEADINGS[7], SEED_HEADINGS[4], SEED_HEADINGS[5], SEED_HEADINGS[6]]


def test_seed_headings_print_in_the_patients_order(botox_pdf: Path):
    text = " ".join(pdf_text(botox_pdf))
    positions = [text.index(h) for h in PATIENT_HEADINGS]
    assert positions == sorted(positions)


def test_a_clinic_can_keep_its_web_pages_order(scratch_project: Project, tmp_path: Path):
    clinic = scratch_project.clinics_dir / "example" / "clinic.yaml"
    order = "conditions, procedure, how_it_helps, benefits, duration, results, if_no_help, right_for_me"
    clinic.write_text(clinic.read_text() + f"order: [{order}]\n")
    out = tmp_path / "botox.pdf"
    build_handout(scratch_project, "botox", output=out)
    text = " ".join(pdf_text(out))
    positions = [text.index(h) for h in SEED_HEADINGS]
    assert positions == sorted(positions)


def test_bullet_labels_are_bold(botox_pdf: Path):
    # The bold face is used for the labels: its subset must contain the label's letters.
    with pikepdf.open(botox_pdf) as pdf:
        fonts = {str(font.get("/BaseFont")) for page in pdf.pages for font in page.Resources.Font.values()}
    assert any("Bold" in name for name in fonts)
    assert "Muscle Spasm Relief: Botox injections provide" in " ".join(pdf_text(botox_pdf))


def test_page_size_count_and_metadata(botox_pdf: Path):
    reader = PdfReader(botox_pdf)
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    expected = (612, 792) if "letter" in botox_pdf.name else (595, 842)
    assert (round(width), round(height)) == expected
    assert 2 <= len(reader.pages) <= 6
    assert reader.metadata.title == "Botox"
    assert reader.metadata.author == "Riverside Pain & Spine Center"
    assert str(reader.trailer["/Root"]["/Lang"]) == "en"


def test_every_page_has_header_footer_and_phone(botox_pdf: Path):
    pages = pdf_text(botox_pdf)
    for number, text in enumerate(pages, start=1):
        assert "Riverside Pain & Spine Center" in text
        assert f"Page {number} of {len(pages)}" in text
        assert "Sample content, partly reviewed November 2026" in text  # the added parts await review
        assert "Questions? Call (541) 555-0142" in text
    assert "(541) 555-0199" in pages[-1]  # after-hours number in the contact block


def test_every_font_is_embedded(botox_pdf: Path):
    listing = subprocess.run(["pdffonts", str(botox_pdf)], capture_output=True, text=True, check=True)
    rows = listing.stdout.splitlines()[2:]
    assert rows, "no fonts listed"
    for row in rows:
        name, emb = row.split()[0], row.split()[-5]
        assert emb == "yes", f"font {name} is not embedded"
        assert "Atkinson" in name or "Noto" in name


def test_pdf_is_tagged_and_syntactically_sound(botox_pdf: Path):
    subprocess.run(["qpdf", "--check", str(botox_pdf)], capture_output=True, check=True)
    with pikepdf.open(botox_pdf) as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        assert "/StructTreeRoot" in pdf.Root


#: actions that run code or open something outside the file
OUTWARD_ACTIONS = {"/JavaScript", "/Launch", "/GoToR", "/GoToE", "/ImportData", "/SubmitForm"}


def outward_references(pdf: pikepdf.Pdf) -> list[str]:
    """Everything in any object of the file that runs code or points outside it."""
    found: list[str] = []

    def visit(obj, where: str) -> None:
        if isinstance(obj, pikepdf.Stream):
            obj = obj.stream_dict
        if isinstance(obj, pikepdf.Dictionary):
            for key, value in obj.items():
                if key in {"/JavaScript", "/JS", "/EmbeddedFiles"}:
                    found.append(f"{where}: {key}")
                if key == "/S" and str(value) in OUTWARD_ACTIONS:
                    found.append(f"{where}: action {value}")
                if key == "/URI" and str(value).lower().startswith("file:"):
                    found.append(f"{where}: /URI {value}")
                if key in {"/AA", "/OpenAction"} and "JavaScript" in repr(value):
                    found.append(f"{where}: {key} runs JavaScript")
                if not getattr(value, "is_indirect", False):  # indirect objects are visited on their own
                    visit(value, f"{where}{key}")
        elif isinstance(obj, pikepdf.Array):
            for index, item in enumerate(obj):
                if not getattr(item, "is_indirect", False):
                    visit(item, f"{where}[{index}]")

    for obj in pdf.objects:
        visit(obj, f"object {obj.objgen}")
    visit(pdf.trailer, "trailer")
    return found


def test_no_references_outside_the_file(botox_pdf: Path):
    with pikepdf.open(botox_pdf) as pdf:
        assert len(pdf.objects) > 10
        assert outward_references(pdf) == []


def test_the_reference_search_finds_what_it_looks_for():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    pdf.pages[0].obj.AA = pdf.make_indirect(pikepdf.Dictionary(O=pikepdf.Dictionary(S=pikepdf.Name.Launch)))
    link = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("file:///etc/passwd"))
    pdf.pages[0].obj.Annots = pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(A=link))])
    pdf.Root.Names = pikepdf.Dictionary(EmbeddedFiles=pikepdf.Dictionary(Names=pikepdf.Array()))
    found = " ".join(outward_references(pdf))
    for expected in (
        "/JS",
        "action /JavaScript",
        "/OpenAction runs JavaScript",
        "action /Launch",
        "/URI file:///etc/passwd",
        "/EmbeddedFiles",
    ):
        assert expected in found


def test_text_has_no_leftover_markup(botox_pdf: Path):
    text = normalise(" ".join(pdf_text(botox_pdf)))
    assert "{{" not in text and "<" not in text and "&amp;" not in text


def test_the_page_style_overrides_the_project_stylesheet_and_a_clinic_stylesheet_overrides_both(
    scratch_project: Project, tmp_path: Path, printed
):
    """The page's own style is parsed once and handed to WeasyPrint after styles/handout.css; the
    clinic's style.css must still win over it (here: the paper size base.html sets)."""
    letter = printed("botox.yaml").data  # the same files as scratch_project's before its clinic's style.css
    with pikepdf.open(io.BytesIO(letter)) as pdf:
        assert [round(float(v)) for v in pdf.pages[0].MediaBox] == [0, 0, 612, 792]
    (scratch_project.clinics_dir / "example" / "style.css").write_text("@page { size: A5; }\n", encoding="utf-8")
    a5 = build_handout(scratch_project, "botox", output=tmp_path / "a5.pdf")
    with pikepdf.open(a5.path) as pdf:
        assert [round(float(v)) for v in pdf.pages[0].MediaBox] == [0, 0, 420, 595]
    assert_conformant(a5.path)
