"""The patient's name reads back from the packet's text layer exactly as written, in every script.

WeasyPrint maps each glyph to one Unicode string and writes glyphs in visual order, so names in
Devanagari and Bengali came out of ``pdftotext`` wrong ("शर्मा" as "श ार्मा", "সুমিত্রা" as
"সু মিত্রা"). The cover and the identifiers' sheet now give the name's text boxes /ActualText
(``pdf/actual_text.py``), which poppler reads instead of the glyphs. pypdf reads glyphs through
ToUnicode only and ignores /ActualText: there Devanagari stays wrong (an expected failure below).
"""

from __future__ import annotations

import io
import shutil
import subprocess

import pikepdf
import pytest
from conftest import assert_conformant
from pages import poppler
from pypdf import PdfReader
from validators import ghostscript_errors, page_validation_findings

from clinic_handouts.content.library import Project
from clinic_handouts.content.visits import Visit
from clinic_handouts.packets.builder import PacketBuilder
from clinic_handouts.packets.cover import shows_name
from clinic_handouts.packets.types import Packet
from clinic_handouts.pdf.actual_text import assign, to_unicode_map

#: script: (the patient's name, the patient's language)
NAMES = {
    "devanagari": ("राहुल शर्मा", "en"),
    "bengali": ("সুমিত্রা দত্ত", "en"),
    "arabic": ("فاطمة الزهراء", "ar"),
    "vietnamese": ("Nguyễn Thị Hương", "vi"),
    "chinese": ("王秀英", "en"),
    "latin": ("José Álvarez-Núñez", "en"),
    "cyrillic": ("Анна Петрова-Ёлкина", "en"),
}
#: scripts whose glyphs pypdf cannot read back in order (it ignores /ActualText)
PYPDF_MISREADS = {"devanagari"}

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


@pytest.fixture(scope="module")
def builder(project: Project) -> PacketBuilder:
    return PacketBuilder(project)


_BUILT: dict[str, Packet] = {}


def _packet(builder: PacketBuilder, script: str) -> Packet:
    if script not in _BUILT:
        name, language = NAMES[script]
        visit = Visit.model_validate(
            {
                "visit_id": f"V-{script}",
                "date": "2026-11-27",
                "clinic": "example",
                "clinician": "Dr. Ana Morales",
                "patient": {"name": name, "dob": "1961-04-03", "mrn": "MRN-1", "language": language},
                "handouts": ["botox"],
            }
        )
        _BUILT[script] = builder.build(visit)
    return _BUILT[script]


def _pdftotext(data: bytes, *options: str) -> list[str]:
    text = poppler("pdftotext", data, "-enc", "UTF-8", *options).decode("utf-8")
    return text.split("\f")[:-1]  # one form feed after each page


@needs_pdftotext
@pytest.mark.parametrize("script", NAMES)
def test_pdftotext_reads_the_exact_name_on_the_cover_and_every_stamp(builder, script):
    name, _ = NAMES[script]
    packet = _packet(builder, script)
    # -raw keeps the content's order; it does not reorder right-to-left words (with or without /ActualText)
    for options in ((), ("-raw",)) if script != "arabic" else ((),):
        pages = _pdftotext(packet.data, *options)
        assert len(pages) == packet.pages
        for number, text in enumerate(pages, start=1):
            assert name in text, f"page {number} ({' '.join(options) or 'default'}) reads {text[-120:]!r}"
        assert pages[0].count(name) == 2, "the cover shows the name, and so does its stamp"


@needs_pdftotext
def test_the_name_keeps_its_place_on_the_cover_line(builder):
    name, _ = NAMES["devanagari"]
    cover = _pdftotext(_packet(builder, "devanagari").data, "-layout")[0]
    lines = [line.split() for line in cover.splitlines() if "Prepared for" in line]
    assert lines == [["Prepared", "for", *name.split()]]


@pytest.mark.parametrize(
    "script",
    [
        pytest.param(s, marks=pytest.mark.xfail(strict=True, reason="pypdf ignores /ActualText"))
        if s in PYPDF_MISREADS
        else s
        for s in NAMES
    ],
)
def test_pypdf_reads_the_name_where_the_glyphs_allow(builder, script):
    name, _ = NAMES[script]
    packet = _packet(builder, script)
    reader = PdfReader(io.BytesIO(packet.data))
    # the cover (its line and its stamp) and a handout's page (the stamp, the same on every page after it;
    # pdftotext reads every page above)
    pages = [reader.pages[number].extract_text() or "" for number in (0, 1, packet.pages - 1)]
    # pypdf reads glyph by glyph: a glyph inside an Indic cluster whose text went to its neighbour reads as
    # U+200D (pdf/tounicode.py: every glyph must map to Unicode for PDF/A-3u), an invisible joiner
    assert all(name in text.replace("\u200d", "") for text in pages)
    assert all("\u200d" not in text for text in pages) or script in {"bengali", "devanagari"}


@pytest.mark.parametrize("script", NAMES)
def test_the_packet_stays_valid(builder, script, tmp_path):
    data = _packet(builder, script).data
    assert_conformant(data)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert str(pdf.Root.Lang) == NAMES[script][1]
    path = tmp_path / "packet.pdf"
    path.write_bytes(data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(fonts) > 2 and all(row.split()[-5] == "yes" for row in fonts[2:]), "every font embedded"
    assert ghostscript_errors(data) is None
    # WeasyPrint writes ``<0032> <>`` in ToUnicode for the glyphs inside an Indic cluster, which
    # page-validation calls malformed; pdf/tounicode.py gives them a value (every finding counts)
    assert page_validation_findings(data) == []


def _actual_texts(content: pikepdf.Object) -> list[tuple[str, dict]]:
    return [
        (str(operands[0]), dict(operands[1]))
        for operands, operator in pikepdf.parse_content_stream(content)
        if str(operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and "/ActualText" in operands[1]
    ]


def test_the_replacement_text_is_a_span_without_mcid_on_the_cover_and_in_the_stamp(builder):
    name, _ = NAMES["devanagari"]
    with pikepdf.open(io.BytesIO(_packet(builder, "devanagari").data)) as pdf:
        cover = pdf.pages[0]
        on_cover = _actual_texts(cover)
        in_stamps = [span for form in cover.Resources.XObject.values() for span in _actual_texts(form)]
        assert len(on_cover) == len(in_stamps) == 1
        for tag, properties in on_cover + in_stamps:
            assert tag == "/Span" and "/MCID" not in properties
            actual = properties["/ActualText"]
            assert bytes(actual).startswith(b"\xfe\xff"), "UTF-16BE with a byte order mark"
            assert str(actual).strip() == name


# --- the parts, on plain data -------------------------------------------------------------------


def test_a_name_shown_whole_or_in_whole_words():
    assert shows_name(" राहुल शर्मा", "राहुल शर्मा")
    assert shows_name("शर्मा", "राहुल शर्मा")  # the second line of a wrapped name
    assert not shows_name("शर", "राहुल शर्मा")
    assert not shows_name("  ", "राहुल शर्मा")
    assert not shows_name("Date of birth", "राहुल शर्मा")


def test_each_wanted_text_goes_to_the_sequence_drawing_it():
    laid_out = ["Prepared for", " राहुल शर्मा", "Date of birth", "সুমিত্রা দত্ত"]
    drawn = ["page 3", "Prepared for", " राहुल शार्मा", "Date of birth", "সুমিত্রা দত্ত"]
    wanted = {" राहुल शर्मा", "সুমিত্রা দত্ত"}.__contains__
    # a close reading gets it; so does an exact one (its glyphs may still read back split)
    assert assign(drawn, laid_out, wanted) == {2: " राहुल शर्मा", 4: "সুমিত্রা দত্ত"}


def test_no_text_is_given_to_glyphs_unlike_it_or_read_by_another_text():
    wanted = {"राहुल शर्मा"}.__contains__
    assert assign(["Date of birth"], ["राहुल शर्मा"], wanted) == {}
    # the only close sequence reads exactly as another laid-out text: it stays that text's
    assert assign(["राहुल शर्मा x"], ["राहुल शर्मा x", "राहुल शर्मा"], wanted) == {}


def test_right_to_left_text_is_left_to_the_readers():
    name = "فاطمة الزهراء"
    assert assign([name[::-1]], [name], {name}.__contains__) == {}


def test_to_unicode_map_reads_bfchar_and_bfrange():
    pdf = pikepdf.new()
    cmap = (
        b"begincmap\n2 beginbfchar\n<0003> <0020>\n<00b5> <0930094d092e093e>\nendbfchar\n"
        b"2 beginbfrange\n<0010> <0012> <0041>\n<0020> <0021> [<0915> <0916>]\nendbfrange\nendcmap\n"
    )
    font = pikepdf.Dictionary(ToUnicode=pdf.make_stream(cmap))
    assert to_unicode_map(font) == {
        0x03: " ",
        0xB5: "र्मा",
        0x10: "A",
        0x11: "B",
        0x12: "C",
        0x20: "क",
        0x21: "ख",
    }
