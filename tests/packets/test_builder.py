"""Visit packets: cover, identifiers on every page, packet-wide page numbers, duplex, bookmarks."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pikepdf
import pytest
from conftest import assert_conformant, make_project, normalise, pdf_text
from pages import for_poppler, poppler, run_poppler
from pypdf import PdfReader

from clinic_handouts.cli.main import main
from clinic_handouts.content.library import Project
from clinic_handouts.content.visits import Visit
from clinic_handouts.errors import HandoutError
from clinic_handouts.packets.builder import PacketBuilder
from clinic_handouts.packets.types import default_file_name

NAME = "Zoë Ångström-Łukasz"
DOB_TEXT = "Date of birth: February 29, 1952"


def _visit(**changes) -> Visit:
    data = {
        "visit_id": "V-100",
        "date": "2026-11-27",
        "clinic": "example",
        "clinician": "Dr. Ana Morales",
        "patient": {"name": NAME, "dob": "1952-02-29", "mrn": "MRN-77"},
        "handouts": ["botox", "botox-copy"],
        "note": "Come back in 12 weeks.",
    }
    data.update(changes)
    return Visit.model_validate(data)


def add_second_handout(project: Project) -> Project:
    source = project.handouts_dir / "botox.yaml"
    copy = source.read_text().replace("title: Botox", "title: Botox second opinion")
    (project.handouts_dir / "botox-copy.yaml").write_text(copy)
    return project


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The fixture project with a second handout, shared by the module's tests that only read it."""
    return add_second_handout(make_project(tmp_path_factory.mktemp("two-handouts")))


@pytest.fixture
def two_handouts(scratch_project: Project) -> Project:
    """The same, for a test that changes it or writes into it."""
    return add_second_handout(scratch_project)


@pytest.fixture(scope="module")
def packet(library: Project):
    built = PacketBuilder(library).build(_visit())
    assert_conformant(built.data)
    return built


@pytest.fixture(scope="module")
def botox_packet(library: Project):
    """A packet of the Botox handout alone."""
    return PacketBuilder(library).build(_visit(handouts=["botox"]))


def test_page_count_and_duplex_padding(packet):
    botox_pages = packet.items[0].pages
    assert packet.items[1].pages == botox_pages
    # cover, blank, botox pages (odd start 3), blank if needed, second handout on an odd page
    first = 3
    second = first + botox_pages + (1 if (first + botox_pages) % 2 == 0 else 0)
    assert [item.first_page for item in packet.items] == [first, second]
    assert packet.pages == second - 1 + botox_pages
    texts = pdf_text(packet.data)
    assert len(texts) == packet.pages
    for item in packet.items:
        assert item.first_page % 2 == 1
    blanks = [n for n, text in enumerate(texts, 1) if "This page is intentionally left blank" in text]
    assert 2 in blanks
    for n in blanks:
        assert n + 1 in [item.first_page for item in packet.items]
        assert "Questions?" not in texts[n - 1]  # a padding page holds its note and the identifiers only


def test_no_duplex_has_no_blank_pages(library: Project):
    packet = PacketBuilder(library).build(_visit(), duplex=False)
    assert_conformant(packet.data)
    assert packet.items[0].first_page == 2
    assert not any("intentionally left blank" in t for t in pdf_text(packet.data))


def test_both_identifiers_and_packet_page_numbers_on_every_page(packet):
    texts = pdf_text(packet.data)
    for number, text in enumerate(texts, start=1):
        assert NAME in text, f"page {number} lacks the patient's name"
        assert DOB_TEXT in text, f"page {number} lacks the date of birth"
        assert f"Page {number} of {len(texts)}" in text
        assert len(re.findall(r"Page \d+ of \d+", text)) == 1, f"page {number} has two page numbers"


@pytest.mark.parametrize(
    ("tool", "options"),
    [
        ("pdftotext", ("-raw", "-enc", "UTF-8")),
        ("pdftotext", ("-layout",)),
        ("pdftoppm", ("-png", "-r", "30", "-f", "1", "-l", "1")),  # the cover, in the clinic's colours
        ("pdftoppm", ("-gray", "-r", "30", "-f", "2", "-l", "2")),  # a handout's page, with the stamp
    ],
)
def test_poppler_reads_and_draws_the_same_without_the_output_intent(packet, tool, options):
    """The tests give poppler the PDF without its output intent (``pages.for_poppler``: poppler is up to 15
    times faster so); what it reads and draws must be the same bytes as from the PDF as produced."""
    with pikepdf.open(io.BytesIO(for_poppler(packet.data))) as pdf:
        assert "/OutputIntents" not in pdf.Root and len(pdf.pages) == packet.pages
    as_produced = run_poppler(tool, packet.data, *options)
    assert as_produced and poppler(tool, packet.data, *options) == as_produced


def test_cover_lists_handouts_with_first_pages_and_whom_to_call(packet):
    cover = pdf_text(packet.data)[0]
    assert "Prepared for" in cover and NAME in cover
    assert "Visit date November 27, 2026" in cover
    assert "Clinician Dr. Ana Morales" in cover
    assert "Come back in 12 weeks." in cover
    # As printed: each handout's title with its first page at the end of the same line.
    printed = poppler("pdftotext", packet.data, "-layout", "-f", "1", "-l", "1").decode("utf-8")
    for item in packet.items:
        assert re.search(rf"^\s*{re.escape(item.title)}\s+page {item.first_page}\s*$", printed, re.M), printed
    assert "(541) 555-0142" in cover and "(541) 555-0199" in cover


def test_identifiers_are_drawn_but_never_read_aloud(packet):
    """The identifiers' sheet is laid out with the cover, then leaves the tree: no element points off the pages."""
    with pikepdf.open(__import__("io").BytesIO(packet.data)) as pdf:
        pages = {page.obj.objgen for page in pdf.pages}
        assert len(pages) == packet.pages
        stack, seen, on_pages = [pdf.Root.StructTreeRoot], 0, set()
        while stack:
            element = stack.pop()
            kids = element.get("/K")
            kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
            if any(isinstance(k, int) for k in kids):  # marked content: on a page of the packet
                page = element.get("/Pg")
                assert page is not None and page.objgen in pages, f"{element.get('/S')} is not on a packet page"
                on_pages.add(page.objgen)
            stack += [k for k in kids if isinstance(k, pikepdf.Dictionary) and "/S" in k]
            seen += 1
        assert seen > 100 and pdf.pages[0].obj.objgen in on_pages
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        keys = {int(nums[i]) for i in range(0, len(nums), 2)}
        assert keys == {int(page.obj.StructParents) for page in pdf.pages if "/StructParents" in page.obj} | {
            int(a.StructParent) for page in pdf.pages for a in page.obj.get("/Annots", []) if "/StructParent" in a
        }


def test_one_bookmark_per_handout_pointing_at_its_first_page(packet):
    reader = PdfReader(__import__("io").BytesIO(packet.data))
    marks = [(o.title, reader.get_destination_page_number(o) + 1) for o in reader.outline]
    assert marks == [(item.title, item.first_page) for item in packet.items]


def test_title_language_and_tags(packet):
    with pikepdf.open(__import__("io").BytesIO(packet.data)) as pdf:
        assert str(pdf.Root.Lang) == "en"
        assert "Your care handouts" in str(pdf.docinfo.Title)
        assert NAME not in str(pdf.docinfo.Title)
        assert "/StructTreeRoot" in pdf.Root


def test_handout_text_is_complete_inside_the_packet(packet, printed):
    standalone = printed("botox.yaml")  # the same file as the library's botox.yaml
    assert_conformant(standalone.data)
    alone = " ".join(standalone.pages)
    inside = " ".join(pdf_text(packet.data))
    for sentence in re.split(r"(?<=\.) ", alone):
        sentence = re.sub(r"Page \d+ of \d+", "", sentence).strip()
        if len(sentence) > 40:
            assert normalise(sentence)[:60] in inside


def test_large_print_is_bigger_and_keeps_the_words(library: Project, botox_packet):
    normal = botox_packet
    large = PacketBuilder(library).build(
        _visit(handouts=["botox"], patient={"name": NAME, "dob": "1952-02-29", "large_print": True})
    )
    assert_conformant(normal.data)
    assert_conformant(large.data)
    assert large.pages > normal.pages
    assert "Procedure Benefits" in " ".join(pdf_text(large.data))


def test_file_name_has_no_patient_details():
    name = default_file_name(_visit())
    assert name == "2026-11-27_V-100.pdf"


def test_packet_command_writes_default_name(two_handouts: Project, botox_packet, tmp_path: Path, capsys):
    visit_file = tmp_path / "visit.yaml"
    visit_file.write_text(
        "visit_id: V-9\ndate: 2026-11-27\nclinic: example\nclinician: Dr. Lee\n"
        f"patient:\n  name: {NAME}\n  dob: 1952-02-29\nhandouts: [botox]\n"
    )
    out = tmp_path / "out" / "x.pdf"
    assert main(["--root", str(two_handouts.root), "packet", str(visit_file), "-o", str(out)]) == 0
    assert_conformant(out)
    assert main(["--root", str(two_handouts.root), "packet", str(visit_file), "--no-duplex"]) == 0
    default = two_handouts.root / "out" / "2026-11-27_V-9.pdf"
    assert_conformant(default)
    handout_pages = botox_packet.items[0].pages
    assert len(PdfReader(default).pages) == 1 + handout_pages
    assert NAME not in capsys.readouterr().out


def test_visit_file_errors_are_located_and_nothing_is_written(library: Project, tmp_path: Path, capsys):
    visit_file = tmp_path / "visit.yaml"
    visit_file.write_text(
        "visit_id: V-9\ndate: 2026-02-30\nclinic: example\nclinician: Dr. Lee\n"
        f"patient:\n  name: {NAME}\n  dob: 1952-02-29\n  shoe_size: 9\nhandouts: [botox, ../../etc/passwd]\n"
    )
    status = main(["--root", str(library.root), "packet", str(visit_file)])
    err = capsys.readouterr().err
    assert status == 1
    assert f"{visit_file}:2:1: date: not a valid date" in err
    assert f"{visit_file}:8:3: patient.shoe_size: unknown key" in err
    assert f"{visit_file}:9:19: handouts.1: has characters that are not allowed" in err
    assert NAME not in err and "1952" not in err
    assert not (library.root / "out").exists()


def test_unknown_handout_in_visit_is_reported(library: Project):
    from clinic_handouts.errors import HandoutError

    with pytest.raises(HandoutError, match="unknown handout 'botx'; did you mean 'botox'"):
        PacketBuilder(library).build(_visit(handouts=["botox", "botx"]))


def test_output_option_leaves_other_files_alone(library: Project, tmp_path: Path):
    visit_file = tmp_path / "visit.yaml"
    visit_file.write_text(
        "visit_id: V-9\ndate: 2026-11-27\nclinic: example\nclinician: Dr. Lee\n"
        f"patient:\n  name: {NAME}\n  dob: 1952-02-29\nhandouts: [botox]\n"
    )
    folder = tmp_path / "print"
    folder.mkdir()
    earlier = folder / "2026-11-27_V-9.pdf"
    earlier.write_bytes(b"yesterday's packet")
    assert main(["--root", str(library.root), "packet", str(visit_file), "-o", str(folder / "mine.pdf"), "--fhir"]) == 0
    assert earlier.read_bytes() == b"yesterday's packet"
    assert sorted(p.name for p in folder.iterdir()) == ["2026-11-27_V-9.pdf", "mine.fhir.json", "mine.pdf"]


def test_a_name_too_long_for_the_page_stamp_is_an_error_not_a_cut(library: Project):
    from clinic_handouts.errors import HandoutError

    name = "Maria " + " ".join(["Guadalupe de los Santos"] * 3) + " Fernández Wimmelmann"
    assert len(name) <= 100  # a name the visit file accepts
    with pytest.raises(HandoutError) as caught:
        PacketBuilder(library).build(_visit(handouts=["botox"], patient={"name": name, "dob": "1952-02-29"}))
    message = str(caught.value)
    assert message.startswith("visit V-100: the patient's name is too long to print in full")
    assert "Maria" not in message and "1952" not in message


def test_unknown_references_in_a_visit_file_point_at_their_line(library: Project, tmp_path: Path, capsys):
    visit_file = tmp_path / "visit.yaml"
    visit_file.write_text(
        "visit_id: V-9\ndate: 2026-11-27\nclinic: nowhere\nclinician: Dr. Lee\n"
        f"patient:\n  name: {NAME}\n  dob: 1952-02-29\nhandouts:\n  - botox\n  - botx\n"
    )
    assert main(["--root", str(library.root), "packet", str(visit_file)]) == 1
    err = capsys.readouterr().err
    assert f"error: {visit_file}:3:1: clinic: unknown clinic 'nowhere'" in err
    assert f"error: {visit_file}:10:5: handouts.1: unknown handout 'botx'; did you mean 'botox'?" in err


def test_a_clinic_template_that_moves_the_identifiers_is_refused(two_handouts: Project):
    """The identifiers' sheet is taken out of the cover; if a clinic's template moved it, say so, lose nothing."""
    own = two_handouts.clinics_dir / "example" / "templates"
    own.mkdir(parents=True, exist_ok=True)
    template = (two_handouts.templates_dir / "packet.html").read_text(encoding="utf-8")
    (own / "packet.html").write_text(template.replace('<div class="stamps">', '<div class="not-stamps">'), "utf-8")
    with pytest.raises(HandoutError) as caught:
        PacketBuilder(two_handouts).build(_visit(handouts=["botox"]))
    assert "identifiers must come last" in str(caught.value)


def test_elements_left_pointing_at_the_removed_sheet_are_caught(library: Project, monkeypatch):
    """If the identifiers' elements stayed in the tree, the packet must not claim PDF/UA, and verify says why."""
    import clinic_handouts.packets.builder as packets
    from clinic_handouts.pdf.verify import verify

    monkeypatch.setattr(packets, "unlink_page", lambda pdf, page: None)
    built = PacketBuilder(library).build(_visit(handouts=["botox"]))
    assert any("not claiming" in w and "on no page of the file" in w for w in built.warnings)
    report = verify(built.data)
    structure = next(c for c in report.checks if c.name == "structure")
    assert not report.passed and not structure.passed
