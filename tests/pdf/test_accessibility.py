"""Archival and accessible PDFs: PDF/A-3u + PDF/UA-1 claims that hold, verify, large print, QR, FHIR, determinism."""

from __future__ import annotations

import base64
import collections
import hashlib
import io
import json
import re
import urllib.parse
from pathlib import Path

import pikepdf
import pytest
import segno
from conftest import ROOT, assert_conformant, normalise, pdf_text

from clinic_handouts.build import build_handout
from clinic_handouts.cli.main import main
from clinic_handouts.content.library import Project
from clinic_handouts.content.loading import load_handout
from clinic_handouts.content.visits import Visit
from clinic_handouts.packets.builder import PacketBuilder
from clinic_handouts.pdf import accessibility
from clinic_handouts.pdf.accessibility import make_accessible
from clinic_handouts.pdf.conformance import check_structure, check_tags
from clinic_handouts.pdf.structure import marked_content, parent_tree_entries
from clinic_handouts.pdf.verify import verify
from clinic_handouts.pdf.xmp import xmp_values
from clinic_handouts.render import weasyprint_internals
from clinic_handouts.render.html import handout_html
from clinic_handouts.render.qr import web_address
from clinic_handouts.render.renderer import render_pdf

VISIT = {
    "visit_id": "V-7",
    "date": "2026-11-27",
    "clinic": "example",
    "clinician": "Dr. Lee",
    "patient": {"name": "Zoë Quinn", "dob": "1950-01-02", "mrn": "MRN-7"},
    "handouts": ["botox"],
}


def _elements(pdf: pikepdf.Pdf, kind: str) -> list[pikepdf.Dictionary]:
    from clinic_handouts.pdf.structure import elements_in_order

    return [e for e in elements_in_order(pdf.Root.StructTreeRoot) if str(e.S) == kind]


@pytest.fixture(scope="module")
def botox(printed) -> bytes:
    """The fixture Botox handout, finished: the bytes ``build_handout`` writes (the shared render)."""
    got = printed("botox.yaml")
    assert got.warnings == () and got.claim_warnings == ()
    assert_conformant(got.data)
    return got.data


@pytest.fixture
def raw_botox(printed) -> bytes:
    """The same handout as WeasyPrint wrote it, before the repairs and claims."""
    return printed("botox.yaml").raw


def test_handout_claims_both_standards_and_agrees_with_docinfo(botox: bytes):
    with pikepdf.open(io.BytesIO(botox)) as pdf:
        values = xmp_values(pdf)
        assert (values["pdfaid:part"], values["pdfaid:conformance"], values["pdfuaid:part"]) == ("3", "U", "1")
        assert values["dc:title"] == str(pdf.docinfo.Title) == "Botox"
        assert values["pdf:Producer"] == str(pdf.docinfo.Producer)
        assert values["xmp:CreateDate"] == "2026-11-01T00:00:00Z"  # the review date
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True and str(pdf.Root.Lang) == "en"
        assert len(pdf.Root.OutputIntents) == 1 and pdf.pdf_version >= "1.7"


def test_logo_qr_headings_and_lists_are_tagged(botox: bytes):
    with pikepdf.open(io.BytesIO(botox)) as pdf:
        alts = [str(f.Alt) for f in _elements(pdf, "/Figure")]
        assert alts == [
            "Riverside Pain & Spine Center logo",
            # the pictograms beside the headings of the parts that say what to do
            "Information",
            "Dictionary",
            "Checklist",
            "Home",
            "Telephone",
            "Warning",
            "QR code that opens https://riverside-pain.example/handouts/botox",
        ]
        assert len(_elements(pdf, "/H1")) == 1 and len(_elements(pdf, "/H2")) >= 10
        # the glossary: one list item per word, the word as its label, the meaning as its body
        glossary = [li for li in _elements(pdf, "/LI") if [str(k.S) for k in li.K] == ["/Lbl", "/LBody"]]
        assert len(glossary) >= 10 + 4  # ten words to know, and the labelled bullets


def test_weasyprint_margin_boxes_are_found_unlinked_then_made_artifacts(raw_botox: bytes):
    """What WeasyPrint 70 writes for margin boxes: MCIDs whose elements are not in the tree (its issue 1836)."""
    with pikepdf.open(io.BytesIO(raw_botox)) as raw:
        findings = check_structure(raw)
        unlinked = [f for f in findings if "not reachable from the StructTreeRoot" in f.message]
        assert len(unlinked) == 6 * len(raw.pages)  # header name and logo, top-right, 2 footer lines, page number
        assert unlinked[0].where.startswith("page 1 MCID")
        assert any("list holds /Div" in f.message for f in check_tags(raw))
        make_accessible(raw)
        assert check_structure(raw) == [] and check_tags(raw) == []
        artifacts = [
            op
            for op in pikepdf.parse_content_stream(raw.pages[1], "BDC")
            if op.operands[0] == pikepdf.Name.Artifact and op.operands[1].get("/Type") == "/Pagination"
        ]
        assert len(artifacts) == 6  # page 2 onwards: the whole header and footers are pagination artifacts


def test_the_byte_rewrite_of_margin_boxes_matches_rewriting_operator_by_operator(raw_botox: bytes):
    """The fast path (WeasyPrint's fixed operator layout) must give what parsing every operator gives."""
    data = raw_botox
    results = []
    for fast in (True, False):
        with pikepdf.open(io.BytesIO(data)) as pdf:
            page = pdf.pages[1]
            key = int(page.obj.StructParents)
            mcids = {
                i
                for i, el in enumerate(parent_tree_entries(pdf.Root.StructTreeRoot)[key])
                if isinstance(el, pikepdf.Dictionary)
            }
            if not fast:  # a layout the byte pattern does not know: the slow path runs
                page.obj.Contents = pdf.make_stream(page.obj.Contents.read_bytes().replace(b"<</MCID", b"<< /MCID"))
            accessibility._rewrite_as_artifacts(pdf, page, mcids)
            results.append([(list(op.operands), str(op.operator)) for op in pikepdf.parse_content_stream(page)])
    assert results[0] == results[1]
    assert sum(1 for operands, op in results[0] if op == "BDC" and operands[0] == pikepdf.Name.Artifact) == len(mcids)


def test_plain_spans_are_folded_into_their_parents_and_the_parent_tree_follows(raw_botox: bytes):
    with pikepdf.open(io.BytesIO(raw_botox)) as pdf:
        accessibility.artifact_margin_boxes(pdf)
        spans = len(_elements(pdf, "/Span"))
        text_before = [marked_content(page)[0] for page in pdf.pages]
        folded = accessibility.inline_plain_spans(pdf)
        assert folded > 100 and len(_elements(pdf, "/Span")) == spans - folded
        assert check_structure(pdf) == []  # every MCID still reachable, and its parent-tree entry lists it
        assert [marked_content(page)[0] for page in pdf.pages] == text_before  # the page content is untouched


def test_a_file_that_fails_a_check_does_not_claim(project: Project):
    rendered = render_pdf("<html lang=en><title>x</title><body><p>No heading here.</p></body></html>", project)
    assert any("not claiming PDF/A-3u and PDF/UA-1" in w and "no headings" in w for w in rendered.warnings)
    with pikepdf.open(io.BytesIO(rendered.data)) as pdf:
        assert "pdfuaid:part" not in xmp_values(pdf) and "pdfaid:part" not in xmp_values(pdf)
    report = verify(rendered.data)
    assert not report.passed and {c.name for c in report.checks if not c.passed} == {"claims", "pdfa-rules", "tags"}


def test_verify_command(tmp_path: Path, botox: bytes, raw_botox: bytes, capsys):
    good = tmp_path / "good.pdf"
    good.write_bytes(botox)
    assert main(["verify", str(good), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] and {c["name"] for c in report["checks"]} >= {
        "syntax",
        "claims",
        "pdfa-rules",
        "structure",
        "document",
        "fonts",
        "actions",
        "tags",
    }
    assert any("Matterhorn" in line for line in report["not_checked"])
    raw = tmp_path / "raw.pdf"
    raw.write_bytes(raw_botox)
    assert main(["verify", str(raw)]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] structure" in out and "page 1 MCID" in out and "not checked here" in out


def test_packet_tree_covers_every_page_and_keeps_each_logo(tmp_path: Path, project: Project):
    packet = PacketBuilder(project).build(Visit.model_validate({**VISIT, "handouts": ["botox", "physical-therapy"]}))
    assert_conformant(packet.data)
    with pikepdf.open(io.BytesIO(packet.data)) as pdf:
        assert xmp_values(pdf)["pdfuaid:part"] == "1"
        assert xmp_values(pdf)["dc:title"] == str(pdf.docinfo.Title)
        logos = [f for f in _elements(pdf, "/Figure") if "logo" in str(f.Alt)]
        assert len(logos) == 3  # the cover's and each handout's first page
        assert len(_elements(pdf, "/H1")) == 3
        assert pdf.trailer.ID[0] == pdf.trailer.ID[1]


# --- determinism ---------------------------------------------------------------


@pytest.mark.fresh_renders
def test_same_inputs_give_identical_bytes(tmp_path: Path, project: Project, printed, monkeypatch):
    """Each document is laid out twice, by two renderers (a test that checks bytes is rendered anew)."""
    first, dated = tmp_path / "1.pdf", tmp_path / "2.pdf"
    build_handout(project, "botox", output=first)
    assert first.read_bytes() == printed("botox.yaml").data  # rendered earlier, by another renderer
    visit = Visit.model_validate(VISIT)
    packet = PacketBuilder(project).build(visit).data

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build_handout(project, "botox", output=dated)
    assert_conformant(dated)
    with pikepdf.open(dated) as pdf:
        assert str(pdf.docinfo.CreationDate) == "D:20231114221320Z"
        assert xmp_values(pdf)["xmp:CreateDate"] == "2023-11-14T22:13:20Z"
    # A packet is dated by its visit, so a reproducible build makes the same bytes as the one above, by another builder.
    reproducible = PacketBuilder(project).build(visit).data
    assert reproducible == packet
    with pikepdf.open(io.BytesIO(reproducible)) as pdf:
        assert str(pdf.docinfo.CreationDate) == "D:20261127000000Z"  # a packet is dated by its visit


# --- large print -------------------------------------------------------------------


def _body_size_and_left_margin(pdf_path: Path) -> tuple[float, float]:
    """The most used font size (pt) and the leftmost text position (pt) over the pages' text."""
    sizes: collections.Counter[float] = collections.Counter()
    lefts = []
    with pikepdf.open(pdf_path) as pdf:
        for page in pdf.pages:
            for operands, operator in pikepdf.parse_content_stream(page, "Tf Tm"):
                if str(operator) == "Tf":
                    sizes[round(float(operands[1]) * 0.75, 1)] += 1  # WeasyPrint draws in CSS px
                else:
                    lefts.append(float(operands[4]) * 0.75)
    return sizes.most_common(1)[0][0], min(lefts)


def test_large_print_handout_is_18pt_with_wide_margins_and_the_same_words(tmp_path: Path, project: Project, printed):
    normal, large = tmp_path / "n.pdf", tmp_path / "l.pdf"
    normal.write_bytes(printed("botox.yaml").data)  # what `handout botox` writes
    assert main(["--root", str(project.root), "handout", "botox", "--large-print", "-o", str(large)]) == 0
    assert_conformant(large)
    assert _body_size_and_left_margin(normal) == (12.0, 54.0)
    assert _body_size_and_left_margin(large) == (18.0, 72.0)  # 18 pt body, 1 inch margins

    def words(path: Path) -> collections.Counter[str]:
        text = " ".join(pdf_text(path.read_bytes()))
        text = re.sub(
            r"Page \d+ of \d+|Riverside Pain & Spine Center|Questions\? Call \(541\) 555-0142|"
            r"Botox Sample content, partly reviewed November 2026",
            " ",
            text,
        )
        return collections.Counter(re.findall(r"[A-Za-z']+", normalise(text)))

    assert words(normal) == words(large)


def test_large_print_glossary_is_one_column(printed):
    def term_and_meaning_tops(large: bool) -> tuple[float, float]:
        document = printed("botox.yaml", large_print=large).document
        for page in document.pages:
            for box in weasyprint_internals.boxes(page):
                if getattr(box, "element_tag", None) == "dt":
                    term = box
                if getattr(box, "element_tag", None) == "dd":
                    return term.position_y, box.position_y
        raise AssertionError("no glossary")

    term, meaning = term_and_meaning_tops(False)
    assert term == meaning  # side by side
    term, meaning = term_and_meaning_tops(True)
    assert meaning > term  # the meaning under the word


def test_large_print_line_spacing_is_at_least_one_and_a_half():
    css = (ROOT / "styles" / "handout.css").read_text()
    rule = re.search(r"\.large-print, \.large-print p[^{]*\{([^}]*)\}", css).group(1)
    assert "font-size: 18pt" in rule and float(re.search(r"line-height: ([\d.]+)", rule).group(1)) >= 1.5


# --- QR code -------------------------------------------------------------------------


def _svg_matrix(data_uri: str, border: int) -> list[list[bool]]:
    """The dark modules drawn by segno's SVG path ("M x y h n m dx dy ...")."""
    svg = urllib.parse.unquote(data_uri.split(",", 1)[1])
    path = re.search(r"class='qrline'[^>]*d='([^']+)'", svg).group(1)
    size = int(re.search(r"width='(\d+)'", svg).group(1)) // 4
    grid = [[False] * size for _ in range(size)]
    x = y = 0.0
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            for column in range(int(x), int(x + float(a))):
                grid[int(y)][column] = True
            x += float(a)
    return [row[border : size - border] for row in grid[border : size - border]]


def test_qr_code_encodes_exactly_the_web_address(project: Project, clinic, botox: bytes):
    handout = load_handout(project.handout_path("botox"))
    url = web_address(handout, clinic)
    assert url == "https://riverside-pain.example/handouts/botox"
    html = handout_html(project, handout, clinic)
    data_uri = re.search(r'class="qr" src="([^"]+)"', html).group(1)
    expected = [[bool(v) for v in row] for row in segno.make(url, error="m").matrix]
    assert _svg_matrix(data_uri, border=4) == expected
    assert f"Online: {url}" in " ".join(pdf_text(botox))


def test_a_handouts_own_web_address_wins(scratch_project: Project, clinic):
    path = scratch_project.handouts_dir / "botox.yaml"
    path.write_text(path.read_text() + "web_address: https://example.org/botox-info\n")
    handout = load_handout(path)
    assert web_address(handout, clinic) == "https://example.org/botox-info"
    assert "https://example.org/botox-info" in handout_html(scratch_project, handout, clinic)


# --- FHIR ------------------------------------------------------------------------------


def _validated(path: Path):
    from fhir.resources.R4B.documentreference import DocumentReference

    return DocumentReference.model_validate(json.loads(path.read_text(encoding="utf-8")))


def test_packet_fhir_document_reference(project: Project, tmp_path: Path, capsys, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)  # dated by the visit, not by a reproducible build
    visit = tmp_path / "visit.yaml"
    visit.write_text(
        "visit_id: V-9\ndate: 2026-11-27\nclinic: example\nclinician: Dr. Lee\n"
        "patient:\n  name: Zoë Quinn\n  dob: 1950-01-02\n  mrn: MRN-9\nhandouts: [botox]\n"
    )
    out = tmp_path / "out" / "2026-11-27_V-9.pdf"
    assert main(["--root", str(project.root), "packet", str(visit), "-o", str(out), "--fhir"]) == 0
    record = out.with_name("2026-11-27_V-9.fhir.json")
    assert f"wrote {record}" in capsys.readouterr().out
    resource = _validated(record)
    pdf = out.read_bytes()
    assert_conformant(pdf)
    assert resource.status == "current"
    assert (resource.type.coding[0].system, resource.type.coding[0].code) == ("http://loinc.org", "34895-3")
    assert resource.category[0].coding[0].code == "clinical-note"
    assert resource.subject.display == "Zoë Quinn" and resource.subject.identifier.value == "MRN-9"
    assert resource.context.encounter[0].identifier.value == "V-9"
    assert resource.author[0].display == "Riverside Pain & Spine Center"
    attachment = resource.content[0].attachment
    assert attachment.contentType == "application/pdf" and attachment.language == "en"
    raw = json.loads(record.read_text(encoding="utf-8"))["content"][0]["attachment"]
    assert base64.b64decode(raw["data"]) == pdf and attachment.size == len(pdf)
    assert raw["hash"] == base64.b64encode(hashlib.sha1(pdf).digest()).decode()  # the model holds it decoded
    assert "Your care handouts" in attachment.title
    assert str(attachment.creation).startswith("2026-11-27")
    assert not list(record.parent.glob(".partial-*"))

    # A packet is dated by its visit even in a reproducible build, and so is its record.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    again = tmp_path / "again" / "2026-11-27_V-9.pdf"
    assert main(["--root", str(project.root), "packet", str(visit), "-o", str(again), "--fhir"]) == 0
    creation = _validated(again.with_name("2026-11-27_V-9.fhir.json")).content[0].attachment.creation
    assert str(creation).startswith("2026-11-27")
    with pikepdf.open(again) as pdf:
        assert str(pdf.docinfo.CreationDate).startswith("D:20261127")


def test_batch_fhir_files_are_named_without_patient_details(project: Project, tmp_path: Path):
    schedule = tmp_path / "s.csv"
    schedule.write_text(
        "visit_id,date,clinic,clinician,patient_name,dob,mrn,language,large_print,handouts,note\n"
        "A1,2026-11-27,example,Dr. Lee,Zoë Quinn,1950-01-02,MRN-A1,en,no,botox,\n",
        encoding="utf-8",
    )
    out = tmp_path / "packets"
    assert main(["--root", str(project.root), "batch", str(schedule), "-o", str(out), "--jobs", "1", "--fhir"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest[0]["fhir_file"] == "2026-11-27_A1.fhir.json"
    record = out / "2026-11-27_A1.fhir.json"
    assert _validated(record).subject.identifier.value == "MRN-A1"
    raw = json.loads(record.read_text(encoding="utf-8"))["content"][0]["attachment"]["data"]
    assert base64.b64decode(raw) == (out / "2026-11-27_A1.pdf").read_bytes()
    assert_conformant(out / "2026-11-27_A1.pdf")


def test_every_glyph_maps_to_unicode_even_inside_an_indic_cluster():
    # WeasyPrint writes "<code> <>" for the glyphs of a cluster whose text went to another glyph
    from clinic_handouts.pdf.tounicode import fill_empty_mappings

    pdf = pikepdf.new()
    cmap = pdf.make_stream(b"2 beginbfchar\n<0032> <09b8>\n<0037> <>\nendbfchar\n")
    pdf.Root.F = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, ToUnicode=cmap))
    pdf.Root.G = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, ToUnicode=cmap))  # one stream
    assert fill_empty_mappings(pdf) == 1
    assert cmap.read_bytes() == b"2 beginbfchar\n<0032> <09b8>\n<0037> <200D>\nendbfchar\n"
    assert fill_empty_mappings(pdf) == 0
