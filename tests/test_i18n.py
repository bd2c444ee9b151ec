"""Handouts in the patient's language: catalogs, translations, right-to-left pages, fallbacks.

Every handout file of the fixture project (English and each ``ID.LANG.yaml``)
is rendered once per process as a standalone PDF, and the packets below once
each, when a test first asks for them; the tests read those PDFs: text per
page, /Lang, embedded fonts, where the stamp is drawn.
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pikepdf
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from conftest import FIXTURE_PROJECT, PART_HEADINGS, ROOT, Printed, make_project, normalise, pdf_text, pypdf_text

from clinic_handouts import i18n
from clinic_handouts.batch.schedule import BatchReport, RowResult
from clinic_handouts.checks.checker import check
from clinic_handouts.content.library import Project
from clinic_handouts.content.loading import load_handout
from clinic_handouts.content.models import Handout
from clinic_handouts.content.visits import Visit
from clinic_handouts.packets.builder import PacketBuilder
from clinic_handouts.packets.types import Packet
from clinic_handouts.render import weasyprint_internals
from clinic_handouts.render.renderer import collect_warnings
from clinic_handouts.render.stamp import STAMP

LANGUAGES = ("es", "vi", "ar")
#: the fixture library (tests/fixtures/project/handouts): each handout has a Spanish translation
SAMPLE_LIBRARY = ("botox", "epidural-steroid-injection", "physical-therapy")
KEYWORDS = {"_": None, "N_": None}


# --- catalogs ------------------------------------------------------------------


def extracted_messages() -> dict[str, set[str]]:
    """Every message the templates and the Python code mark, as ``pybabel extract -F babel.cfg`` finds them."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[str, set[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.setdefault(message, set()).add(filename)
    return found


@pytest.fixture(scope="module")
def messages() -> dict[str, set[str]]:
    return extracted_messages()


def catalog(language: str):
    with (i18n.LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def test_extraction_finds_templates_and_python(messages):
    assert "Key points" in messages and "templates/parts/key_points.html" in messages["Key points"]
    assert "Conditions It Treats" in messages  # models.STANDARD_SECTIONS, marked with N_
    assert "Page {page} of {pages}" in messages
    assert "Sample content: this translation awaits review by a qualified medical translator." in messages
    assert len(messages) >= 40


def test_shipped_catalogs():
    assert i18n.available_languages() == ["en", "ar", "es", "vi"]


def test_template_of_catalogs_is_current(messages):
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as handle:
        pot = {m.id for m in read_po(handle) if m.id}
    assert pot == set(messages), "run pybabel extract (see README, 'Translations')"


def translation_problems(messages, language: str) -> list[str]:
    """Messages a catalog lacks, leaves empty or marks fuzzy, and placeholders it loses."""
    po = catalog(language)
    problems = []
    for message in sorted(messages):
        entry = po.get(message)
        if entry is None or not entry.string:
            problems.append(f"untranslated: {message}")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {message}")
        elif sorted(re.findall(r"%\(\w+\)s|\{\w+\}", message)) != sorted(
            re.findall(r"%\(\w+\)s|\{\w+\}", entry.string)
        ):
            problems.append(f"placeholders differ: {message}")
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(messages, language: str):
    assert translation_problems(messages, language) == []
    po = catalog(language)
    assert [error for _message, errors in po.check() for error in errors] == []


def test_a_new_template_string_without_translations_fails(messages):
    """What CI sees when someone adds a template string and no translations."""
    new = "A brand-new template sentence."
    for language in LANGUAGES:
        assert translation_problems({**messages, new: {"templates/handout.html"}}, language) == [f"untranslated: {new}"]


# --- every handout, every language, standalone ------------------------------------


def layout_text(document) -> list[str]:
    """Each laid-out page's text in logical order, margin boxes included.

    Text extraction from the PDF (pypdf, poppler) reorders right-to-left runs
    that hold digits, punctuation or ligatures (“4 من1” for “1 من 4”), so
    right-to-left pages are read from the layout; their PDF text is checked apart.
    """
    pages = []
    for page in document.pages:
        words = weasyprint_internals.text_of(page)
        pages.append(normalise(" ".join(words).replace("\u2068", "").replace("\u2069", "")))
    return pages


@dataclass(frozen=True)
class Standalone:
    path: Path
    printed: Printed
    handout: Handout
    html: str
    data: bytes
    pages: list[str]  #: the PDF's text; the layout's for right-to-left pages
    warnings: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.pages)

    @property
    def document(self):
        return self.printed.document


def handout_files() -> list[Path]:
    return sorted(Project(FIXTURE_PROJECT).handouts_dir.glob("*.yaml"))


@dataclass
class StandalonePdfs:
    """Each handout file as a standalone PDF, made when first asked for (the shared render, see conftest)."""

    printed: object
    folder: Path
    made: dict[str, Standalone] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Standalone:
        if name not in self.made:
            got = self.printed(name)
            path = self.folder / name.replace(".yaml", ".pdf")
            path.write_bytes(got.data)
            rtl = i18n.text_direction(got.handout.language) == "rtl"
            pages = layout_text(got.document) if rtl else got.pages
            assert len(pages) == len(got.pages)
            self.made[name] = Standalone(path, got, got.handout, got.html, got.data, pages, got.warnings)
        return self.made[name]


@pytest.fixture(scope="session")
def standalone(printed, tmp_path_factory) -> StandalonePdfs:
    return StandalonePdfs(printed, tmp_path_factory.mktemp("languages"))


def test_the_library_is_translated():
    names = {p.name for p in handout_files()}
    for handout_id in SAMPLE_LIBRARY:
        assert f"{handout_id}.es.yaml" in names
    assert {"botox.vi.yaml", "botox.ar.yaml"} <= names


@pytest.mark.parametrize("name", [p.name for p in handout_files()])
def test_translation_follows_its_source(name: str):
    handout = load_handout(FIXTURE_PROJECT / "handouts" / name)
    if handout.language == "en":
        return
    source = load_handout(FIXTURE_PROJECT / "handouts" / f"{handout.id}.yaml")
    assert handout.translation is not None
    assert handout.translation.source_reviewed_on == source.review.reviewed_on
    assert handout.translation.status == "sample"
    assert i18n.has_catalog(handout.language)
    # Every part of the source is translated, item for item.
    for part in ("key_points", "before", "day_of", "after", "call_us_if", "emergency_if", "terms", "extra_sections"):
        assert len(getattr(handout, part)) == len(getattr(source, part)), part
    assert [(f.file, f.section, len(f.labels)) for f in handout.figures] == [
        (f.file, f.section, len(f.labels)) for f in source.figures
    ]
    assert (handout.risks is None) == (source.risks is None)
    assert [key for key, _ in handout.sections.present()] == [key for key, _ in source.sections.present()]
    for (key, ours), (_, theirs) in zip(handout.sections.present(), source.sections.present(), strict=True):
        assert [b.is_bullet for b in ours.content] == [b.is_bullet for b in theirs.content], key


@pytest.mark.parametrize("name", [p.name for p in handout_files()])
def test_every_handout_prints_in_its_language(standalone, name: str):
    printed = standalone[name]
    handout, language = printed.handout, printed.handout.language
    assert printed.warnings == ()
    gettext = i18n.translations(language).gettext
    with pikepdf.open(io.BytesIO(printed.data)) as pdf:
        assert str(pdf.Root.Lang) == language
        assert str(pdf.docinfo.Title) == handout.title
    # The template's own words, in the handout's language, on every page.
    pages = len(printed.pages)
    for number, text in enumerate(printed.pages, start=1):
        page_line = gettext("Page {page} of {pages}").format(page=number, pages=pages)
        assert normalise(page_line) in text, f"page {number}"
        assert normalise(gettext("Questions? Call %(phone)s") % {"phone": "(541) 555-0142"}) in text
    for part in handout.printed_parts():
        if part in PART_HEADINGS:
            assert normalise(gettext(PART_HEADINGS[part])) in printed.text, part
    assert normalise(gettext("Questions? Call us")) in printed.text
    for key, section in handout.present_sections():
        default = dict(i18n_default_headings())[key]
        assert normalise(section.heading or gettext(default)) in printed.text
    # The content itself: every item of every part.
    for item in [*handout.key_points, *handout.before, *handout.after, *handout.call_us_if, *handout.emergency_if]:
        assert normalise(item) in printed.text, item
    for term in handout.terms:
        assert normalise(term.term) in printed.text
    if language == "en":
        assert "translation awaits" not in printed.text
    else:
        # said once, under the title: the translation awaits a medical translator (and parts the clinic)
        if handout.review_state == "reviewed":
            notice = "Sample content: this translation awaits review by a qualified medical translator."
        else:
            notice = (
                "Sample content: this translation awaits a qualified medical translator, "
                "and parts of it await the clinic's medical review."
            )
        assert printed.text.count(normalise(gettext(notice))) == 1
        assert normalise(gettext(notice)) in printed.pages[0]
        # Never two languages in one handout: none of the English template words.
        for english in (
            "Key points",
            "Words to know",
            "Questions? Call",
            "Reviewed",
            "Page 1 of",
            "Monday to Friday",
            "This handout is general information",
        ):
            assert english not in printed.text, english


def i18n_default_headings():
    from clinic_handouts.content.models import STANDARD_SECTIONS

    return STANDARD_SECTIONS


@pytest.mark.parametrize("name", [p.name for p in handout_files()])
def test_every_font_is_embedded_and_from_the_allowed_families(standalone, name: str):
    listing = subprocess.run(["pdffonts", str(standalone[name].path)], capture_output=True, text=True, check=True)
    rows = listing.stdout.splitlines()[2:]
    assert rows
    for row in rows:
        fields = row.split()
        assert fields[-5] == "yes", f"{fields[0]} not embedded"
        assert "Atkinson" in fields[0] or "Noto" in fields[0], fields[0]


def test_arabic_uses_arabic_fonts_and_vietnamese_noto_sans(standalone):
    def fonts(name: str) -> str:
        return subprocess.run(["pdffonts", str(standalone[name].path)], capture_output=True, text=True).stdout

    assert re.search(r"\+Noto-?Sans-?Arabic ", fonts("botox.ar.yaml"))
    assert re.search(r"\+Noto-Sans-Bundled ", fonts("botox.vi.yaml"))
    assert "Arabic" not in fonts("botox.yaml") and "CJK" not in fonts("botox.yaml")


def test_spanish_dates_and_review_line(standalone):
    text = standalone["botox.es.yaml"].text
    assert "Contenido de muestra, revisado en parte en noviembre de 2026" in text  # the footer
    assert "fue revisado el 1 de noviembre de 2026 por" in text  # the last page
    assert "De lunes a viernes, de 8 a. m. a 5 p. m." in text  # the clinic's hours in Spanish


# --- right to left ---------------------------------------------------------------------


def test_arabic_page_is_mirrored(standalone):
    arabic = standalone["botox.ar.yaml"]
    html = arabic.html
    assert '<html lang="ar" dir="rtl">' in html
    # Header mirrored: the running header (logo, clinic name) top-right, the phone top-left.
    assert "@top-right {\n      content: element(header);" in html
    assert '@top-left { content: "أسئلة؟ اتصل بالرقم \u2068(541) 555-0142\u2069"; }' in html
    page = arabic.document.pages[0]
    width = page.width

    def boxes(css_class: str):
        for box in weasyprint_internals.boxes(page):
            if weasyprint_internals.has_class(box, css_class):
                yield box

    logo = next(boxes("logo"))
    assert logo.position_x > width / 2, "logo should be on the right"
    # Bullets hang on the right: the list's padding is on its right side.
    bullets = next(b for b in boxes("bullets") if b.element_tag == "ul")
    assert bullets.padding_right > 0 and bullets.padding_left == 0
    # The box's heavy rule is on the start (right) side.
    box = next(b for b in boxes("key-points") if b.element_tag == "section")
    assert box.border_right_width > box.border_left_width
    # Words to know: the word on the right, its meaning to its left.
    term = next(boxes("term"))
    dt, dd = [c for c in term.children if getattr(c, "element_tag", None) in ("dt", "dd")]
    assert dt.position_x > dd.position_x
    assert dt.position_x + dt.margin_width() <= term.position_x + term.margin_width() + 0.5


def test_arabic_pdf_text(standalone):
    printed = standalone["botox.ar.yaml"]
    text = " ".join(pypdf_text(printed.data))  # pypdf gives Arabic in reading order; poppler's -raw reverses it
    assert "البوتوكس دواء يرخي العضلات المشدودة" in text
    assert "(541) 555-0142" in text and "0142-555" not in text
    # the web address and the clinic's address line read left to right, whole, inside the Arabic page
    assert "https://riverside-pain.example/handouts/botox" in text
    address = "Center · 1200 Riverside Drive, Suite 300 · Springfield, OR 97477 · riverside-pain.example"
    assert address in normalise(text)
    assert "(541) 555-0142" in printed.text and "\u2068" not in text  # the isolation marks print nothing


# --- packets in every language, names in every script ---------------------------------

#: (names in other scripts, each on a packet of its own: tests/packets/test_actual_text.py)
NAMES = {
    "latin": ("José Álvarez-Núñez", "es"),
    "arabic": ("فاطمة الزهراء عبد الله", "ar"),
}


def visit(name: str, language: str, handouts: list[str], visit_id: str = "V-200") -> Visit:
    return Visit.model_validate(
        {
            "visit_id": visit_id,
            "date": "2026-11-27",
            "clinic": "example",
            "clinician": "Dr. Ana Morales",
            "patient": {"name": name, "dob": "1952-02-29", "language": language},
            "handouts": handouts,
        }
    )


@dataclass(frozen=True)
class BuiltPacket:
    packet: Packet
    pages: list[str]
    warnings: tuple[str, ...]


#: the handouts of each name's visit
ORDERS = {
    "latin": ["botox", "physical-therapy"],
    "arabic": ["botox", "epidural-steroid-injection"],
}


@dataclass
class Packets:
    """Each name's packet, built when first asked for and kept for the process."""

    builder: PacketBuilder  #: one builder, so a handout two packets share is rendered once
    made: dict[str, BuiltPacket] = field(default_factory=dict)

    def __getitem__(self, key: str) -> BuiltPacket:
        if key not in self.made:
            name, language = NAMES[key]
            with collect_warnings() as warnings:
                packet = self.builder.build(visit(name, language, ORDERS[key]))
            # pypdf reads Arabic in reading order (poppler's -raw, in drawing order, reverses it)
            read = pypdf_text if i18n.text_direction(language) == "rtl" else pdf_text
            self.made[key] = BuiltPacket(packet, read(packet.data), tuple(warnings))
        return self.made[key]


@pytest.fixture(scope="session")
def packets(project: Project) -> Packets:
    return Packets(PacketBuilder(project))


@pytest.mark.parametrize("key", NAMES)
def test_the_patients_name_prints_on_every_page_in_the_patients_language(packets, key: str, tmp_path: Path):
    name, language = NAMES[key]
    built = packets[key]
    assert built.warnings == ()
    for number, text in enumerate(built.pages, start=1):
        assert name in text, f"page {number} lacks the name"
    path = tmp_path / "packet.pdf"
    path.write_bytes(built.packet.data)
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    for row in listing.stdout.splitlines()[2:]:
        assert row.split()[-5] == "yes", row
    with pikepdf.open(io.BytesIO(built.packet.data)) as pdf:
        assert str(pdf.Root.Lang) == language


def test_spanish_packet_is_spanish_throughout(packets):
    built = packets["latin"]
    assert built.packet.fallbacks == []
    cover = built.pages[0]
    assert "Sus folletos de cuidado" in cover and "Preparado para José Álvarez-Núñez" in cover
    assert "Fecha de la cita 27 de noviembre de 2026" in cover
    assert "en inglés" not in cover
    total = built.packet.pages
    for number, text in enumerate(built.pages, start=1):
        assert f"Página {number} de {total}" in text
        assert "Page " not in text
    blanks = [n for n, t in enumerate(built.pages, 1) if "Esta página se dejó en blanco a propósito" in t]
    assert blanks, "duplex padding pages say so in Spanish"
    for item in built.packet.items:
        assert item.handout.language == "es"
        first = built.pages[item.first_page - 1]
        assert normalise(item.title) in first and "Contenido de muestra: esta traducción" in first


def test_arabic_packet_falls_back_to_english_visibly(packets):
    built = packets["arabic"]
    packet = built.packet
    assert packet.fallbacks == ["epidural-steroid-injection"]
    cover = built.pages[0]
    assert "نشرات الرعاية الخاصة بك" in cover
    assert "Epidural Steroid Injection" in cover and "باللغة الإنجليزية" in cover
    assert "بعض النشرات غير متوفرة بلغتك بعد" in cover
    botox, epidural = packet.items
    assert botox.handout.language == "ar" and epidural.handout.language == "en"
    # The English handout speaks English only: its own headings and labels, no Arabic template words.
    for number in range(epidural.first_page, epidural.first_page + epidural.pages):
        text = built.pages[number - 1]
        assert "Questions? Call (541) 555-0142" in text
        assert "نقاط أساسية" not in text and "أسئلة؟" not in text
    english = " ".join(built.pages[epidural.first_page - 1 : epidural.first_page - 1 + epidural.pages])
    assert "Key points" in english and "Call us if" in english and "Monday to Friday, 8 am to 5 pm" in english
    arabic = " ".join(built.pages[botox.first_page - 1 : botox.first_page - 1 + botox.pages])
    assert "نقاط أساسية" in arabic and "Key points" not in arabic


def stamp_x(data: bytes) -> list[float]:
    """Where the patient identifiers are drawn on each page (x of the stamp's lower-left corner)."""
    xs = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            content = b"".join(
                s.read_bytes()
                for s in ([page.Contents] if isinstance(page.Contents, pikepdf.Stream) else page.Contents)
            )
            found = re.findall(rb"/Artifact BMC q 1 0 0 1 (-?[\d.]+) (-?[\d.]+) cm /Stamp", content)
            assert found, "no stamp on a page"
            xs.append(float(found[-1][0]))  # the identifiers' line (a padding page's note comes first)
    return xs


def test_stamp_sits_where_the_lines_end(packets):
    width = 612  # Letter
    right_side = width - STAMP.right - STAMP.width
    arabic = packets["arabic"].packet
    epidural = arabic.items[1]
    english_pages = set(range(epidural.first_page, epidural.first_page + epidural.pages))
    for number, x in enumerate(stamp_x(arabic.data), start=1):
        expected = right_side if number in english_pages else STAMP.right
        assert x == pytest.approx(expected, abs=0.01), f"page {number}"
    latin = packets["latin"].packet
    assert stamp_x(latin.data) == [pytest.approx(right_side, abs=0.01)] * latin.pages


# --- a Spanish packet with a handout missing its translation ------------------------------


@pytest.fixture(scope="module")
def spanish_fallback(tmp_path_factory) -> BuiltPacket:
    fallback = make_project(tmp_path_factory.mktemp("project"))
    (fallback.handouts_dir / "physical-therapy.es.yaml").unlink()
    with collect_warnings() as warnings:
        packet = PacketBuilder(fallback).build(
            visit("José Álvarez-Núñez", "es", ["botox", "physical-therapy"]), duplex=False
        )
    return BuiltPacket(packet, pdf_text(packet.data), tuple(warnings))


def test_english_fallback_inside_a_spanish_packet(spanish_fallback: BuiltPacket):
    built, packet = spanish_fallback, spanish_fallback.packet
    assert built.warnings == ()
    assert packet.fallbacks == ["physical-therapy"]
    cover = built.pages[0]
    assert "Physical Therapy (en inglés)" in cover
    assert "Algunos folletos todavía no están disponibles en su idioma" in cover
    botox, therapy = packet.items
    therapy_text = " ".join(built.pages[therapy.first_page - 1 : therapy.first_page - 1 + therapy.pages])
    botox_text = " ".join(built.pages[botox.first_page - 1 : botox.first_page - 1 + botox.pages])
    # The English handout's own headings and labels are English, not Spanish ...
    for english in (
        "Key points",
        "Words to know",
        "Call us if",
        "Questions? Call us",
        "Sample content, not yet reviewed",
    ):
        assert english in therapy_text
    for spanish in ("Puntos clave", "Palabras que debe conocer", "Llámenos si", "¿Preguntas?", "Revisado"):
        assert spanish not in therapy_text
    # ... and the Spanish handout's are Spanish.
    assert "Puntos clave" in botox_text and "Key points" not in botox_text
    # Packet-wide page numbers and identifiers are the cover's language on every page.
    for number, text in enumerate(built.pages, start=1):
        assert f"Página {number} de {packet.pages}" in text and "Fecha de nacimiento: 29 de febrero de 1952" in text


def test_batch_summary_names_visits_and_handouts_never_patients():
    report = BatchReport(
        [
            RowResult(2, "V-1", "ok", english_fallback=["physical-therapy", "spinal-cord-stimulation"]),
            RowResult(3, "V-2", "ok"),
            RowResult(4, "V-3", "ok", english_fallback=["botox"]),
        ],
        seconds=1.0,
    )
    summary = report.summary()
    assert "2 with handouts in English because the patient's language was missing" in summary
    assert "(visit V-1: physical-therapy, spinal-cord-stimulation; visit V-3: botox)" in summary
    assert "V-2" not in summary


# --- check -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def library_check(project: Project):
    """``check`` of the fixture project's handouts, once for the tests that read its report."""
    return check(project, [project.handouts_dir], today=date(2026, 11, 26))


def test_check_reports_languages_per_handout(library_check):
    report = library_check
    assert report.count("error") == 0
    by_id = {h.id: h.translations for h in report.handouts if h.language == "en"}
    assert by_id["botox"].present == ("ar", "es", "vi") and by_id["botox"].missing == ()
    assert by_id["physical-therapy"].present == ("es",) and by_id["physical-therapy"].missing == ("ar", "vi")
    assert all(t.outdated == () for t in by_id.values())


def test_check_table_and_json_show_translations(library_check):
    from rich.console import Console

    from clinic_handouts.checks.report import as_json, print_report

    report = library_check
    data = as_json(report)
    [botox] = [h for h in data["handouts"] if h["id"] == "botox" and h["language"] == "en"]
    assert botox["translations"] == {"present": ["ar", "es", "vi"], "missing": [], "outdated": []}
    console = Console(record=True, width=100)
    print_report(report, console)
    text = console.export_text()
    assert re.search(r"│ botox +│ ar, es, vi +│ — +│ — +│", text)
    assert re.search(r"│ physical-therapy +│ es +│ ar, vi +│ — +│", text)


def test_translation_without_a_catalog_is_an_error(scratch_project: Project):
    handouts = scratch_project.handouts_dir
    french = handouts / "botox.fr.yaml"
    french.write_text((handouts / "botox.es.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    report = check(scratch_project, [handouts], today=date(2026, 11, 26))
    errors = [f.problem for f in report.findings if f.severity == "error"]
    assert [(e.file, e.line) for e in errors] == [(french, 1)]
    assert "no catalog for 'fr'" in errors[0].message
    [botox] = [h for h in report.handouts if h.id == "botox" and h.language == "en"]
    assert "fr" in botox.translations.present


def test_outdated_translation_is_flagged(scratch_project: Project):
    spanish = scratch_project.handouts_dir / "botox.es.yaml"
    spanish.write_text(
        spanish.read_text(encoding="utf-8").replace("source_reviewed_on: 2026-11-01", "source_reviewed_on: 2025-11-01"),
        encoding="utf-8",
    )
    report = check(scratch_project, [scratch_project.handouts_dir], today=date(2026, 11, 26))
    [botox] = [h for h in report.handouts if h.id == "botox" and h.language == "en"]
    assert botox.translations.outdated == ("es",)
    assert any("translation.source_reviewed_on: outdated" in str(f.problem) for f in report.findings)
