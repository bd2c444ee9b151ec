"""The shipped library (``handouts/``, ``clinics/example``, ``examples/``): valid, and rendering cleanly.

Only that: a clinic edits these files (the README invites it), so no test asserts on their words,
with one exception that is a product requirement: every sentence of the clinic's Botox page
(``examples/pages/botox-treatment-page.txt``) reaches the shipped Botox handout, word for word.
Tests that need particular content use the fixture project (``tests/fixtures/project``).
"""

from __future__ import annotations

import dataclasses
import functools
import io
import re

import pytest
from conftest import PART_HEADINGS, ROOT, SEED, Printed, assert_conformant, print_handout, seed_sentences
from pages import fills, page_lines
from pypdf import PdfReader
from validators import ghostscript_errors_each, page_validation_findings

from clinic_handouts import i18n
from clinic_handouts.build import example_visits
from clinic_handouts.checks.checker import check
from clinic_handouts.checks.report import finding_line
from clinic_handouts.cli import content as content_commands
from clinic_handouts.cli.main import main
from clinic_handouts.content.library import Project
from clinic_handouts.content.loading import load_clinic, load_handout, split_handout_name
from clinic_handouts.content.models import DEFAULT_HEADINGS
from clinic_handouts.content.visits import load_visit
from clinic_handouts.packets.builder import PacketBuilder
from clinic_handouts.render.html import TIME_RANGE
from clinic_handouts.render.renderer import collect_warnings
from clinic_handouts.render.stamp import stamp_for

SHIPPED = Project(ROOT)
HANDOUT_FILES = sorted(p.name for p in SHIPPED.handouts_dir.glob("*.yaml"))
VISIT_FILES = [p.name for p in example_visits(SHIPPED)]


@functools.cache
def shipped_handout(name: str, paper: str | None = None) -> Printed:
    """A shipped handout file rendered once per process (the seed test and the clean-render test share it)."""
    return print_handout(SHIPPED, name, paper=paper)


def test_the_shipped_content_passes_check(capsys, monkeypatch):
    """``generate.py check`` passes, and the report it made (checked here too) is ``check(SHIPPED)``'s: of
    handouts/, clinics/ and examples/ (made once, not once more for this test)."""
    calls = []

    def checked(project, paths=None, **options):
        calls.append((project, paths, options, check(project, paths, **options)))
        return calls[-1][-1]

    monkeypatch.setattr(content_commands, "check", checked)
    assert main(["--root", str(ROOT), "check"]) == 0
    assert ", 0 errors" in capsys.readouterr().out
    [(project, paths, options, report)] = calls
    assert project.root == SHIPPED.root and paths is None  # the default folders, as check(SHIPPED)
    assert options.get("clinic_ref", "example") == "example"
    assert [finding_line(f) for f in report.findings if f.severity == "error"] == []
    assert all(f.valid for f in report.files), [f.path for f in report.files if not f.valid]
    assert {f.kind for f in report.files} >= {"handout", "clinic", "visit"}
    assert len([h for h in report.handouts if h.language == "en"]) == len(SHIPPED.handout_ids()) >= 1


@dataclasses.dataclass(frozen=True)
class Made:
    """One shipped handout or example packet, made once per process, or why it could not be made."""

    data: bytes | None = None
    #: WeasyPrint's warnings, and for a handout why its file does not claim PDF/A and PDF/UA
    warnings: tuple[str, ...] = ()
    claim_warnings: tuple[str, ...] = ()
    error: BaseException | None = None
    #: Ghostscript's complaint in its strict mode (None: it read every page)
    ghostscript: str | None = None
    #: of a packet: each handout's (id, first page, pages)
    items: tuple[tuple[str, int, int], ...] = ()
    large_print: bool = False


def _handout(name: str) -> Made:
    got = shipped_handout(name)
    return Made(got.data, got.warnings, got.claim_warnings)


def _packet(name: str) -> Made:
    visit, _ = load_visit(SHIPPED.root / "examples" / name)
    with collect_warnings() as warnings:
        packet = PacketBuilder(SHIPPED).build(visit)
    items = tuple((i.handout.id, i.first_page, i.pages) for i in packet.items)
    return Made(packet.data, (*warnings, *packet.warnings), items=items, large_print=visit.patient.large_print)


@pytest.fixture(scope="module")
def made() -> dict[str, Made]:
    """Every shipped handout and example packet, made once for the module; Ghostscript then reads all
    of them in one run (each file again on its own if that run finds anything)."""
    results: dict[str, Made] = {}
    for key, make in [*((n, _handout) for n in HANDOUT_FILES), *((n, _packet) for n in VISIT_FILES)]:
        try:
            results[key] = make(key)
        except Exception as error:  # the file's own test fails with it, the others run
            results[key] = Made(error=error)
    good = [key for key, result in results.items() if result.data is not None]
    for key, verdict in zip(good, ghostscript_errors_each([results[k].data for k in good]), strict=True):
        results[key] = dataclasses.replace(results[key], ghostscript=verdict)
    return results


def assert_made_cleanly(result: Made) -> None:
    if result.error is not None:
        raise result.error
    assert result.warnings == (), f"WeasyPrint warned: {result.warnings}"
    assert result.claim_warnings == ()
    assert_conformant(result.data)
    # the outside checkers, strict: page-validation (PDF/A-3u, PDF/UA-1) and Ghostscript
    findings = page_validation_findings(result.data)
    assert not findings, "page-validation: " + "; ".join(findings[:10])
    assert result.ghostscript is None, f"Ghostscript (strict): {result.ghostscript}"


@pytest.mark.parametrize("name", HANDOUT_FILES)
def test_every_shipped_handout_renders_cleanly(made, name: str):
    assert_made_cleanly(made[name])


@pytest.mark.parametrize("name", VISIT_FILES)
def test_every_example_visit_packet_renders_cleanly(made, name: str):
    assert_made_cleanly(made[name])


@pytest.mark.parametrize("paper", [None, "a4"], ids=["letter", "a4"])
def test_every_sentence_of_the_clinics_botox_page_reaches_the_botox_handout(paper: str | None):
    """Word for word, on both paper sizes: the handout was made from this page, and must keep every sentence."""
    got = shipped_handout("botox.yaml", paper)
    assert got.warnings == ()
    missing = [s for s in seed_sentences(SEED) if s not in got.text]
    assert missing == []
    assert "texture" not in got.text.lower()


# --- clean pages (checked by eye at 60 dpi too: see the closing notes of issue 13) ------------------

#: the body of a page between the running header and the footer, in points (styles/handout.css, base.html)
MARGINS = {False: (0.9 * 72, 0.8 * 72), True: (1.2 * 72, 1.4 * 72)}
SOURCES = [n for n in HANDOUT_FILES if split_handout_name(SHIPPED.handouts_dir / n)[1] == "en"]
TRANSLATIONS = [n for n in HANDOUT_FILES if n not in SOURCES]


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("name", HANDOUT_FILES)
def test_no_page_but_the_last_is_less_than_60_percent_full(made, name: str):
    full = fills(made[name].data, *MARGINS[False])
    assert all(f >= 0.6 for f in full[:-1]), [round(f, 2) for f in full]


@pytest.mark.parametrize("name", [n for n in VISIT_FILES])
def test_no_handout_page_of_a_packet_is_left_half_empty(made, name: str):
    packet = made[name]
    top, bottom = MARGINS[packet.large_print]
    if not packet.large_print:
        bottom = stamp_for(False).page_margin_bottom or bottom  # room for the patient stamp
    full = fills(packet.data, top, bottom)
    for handout_id, first, pages in packet.items:
        inside = full[first - 1 : first - 1 + pages - 1]  # each handout's pages but its last
        assert all(f >= 0.6 for f in inside), (handout_id, [round(f, 2) for f in inside])


@pytest.mark.parametrize("name", TRANSLATIONS)
def test_a_translation_takes_at_most_one_page_more_than_english(made, name: str):
    handout_id, _ = split_handout_name(SHIPPED.handouts_dir / name)
    assert page_count(made[name].data) <= page_count(made[f"{handout_id}.yaml"].data) + 1


@pytest.fixture(scope="module")
def laid_out(made):
    """``laid_out(name)``: the shipped file's pages, each line by line, read once for the tests that need it."""

    @functools.cache
    def get(name: str) -> list[list[str]]:
        return page_lines(made[name].data)

    return get


def headings_of(name: str) -> set[str]:
    """Every heading a handout prints (h2 and h3), in its language."""
    handout = load_handout(SHIPPED.handouts_dir / name)
    gettext = i18n.translations(handout.language).gettext
    words = [*PART_HEADINGS.values(), "Common side effects", "Rare but serious", "Questions? Call us"]
    out = {gettext(w) for w in words}
    out |= {s.heading or gettext(DEFAULT_HEADINGS[k]) for k, s in handout.present_sections()}
    out |= {e.heading for e in handout.extra_sections}
    if handout.worksheet and handout.worksheet.exercises:
        out |= {e.name for e in handout.worksheet.exercises.items}
    return {re.sub(r"\s+", " ", h).strip() for h in out}


@pytest.mark.parametrize("name", HANDOUT_FILES)
def test_a_heading_never_ends_a_page(made, laid_out, name: str):
    headings = headings_of(name)
    pages = laid_out(name)
    assert len(pages) == page_count(made[name].data) > 1
    for number, page in enumerate(pages[:-1], start=1):
        body = page[1:-2]  # without the header line and the two footer lines
        assert body, f"page {number} has no body text"
        assert body[-1] not in headings, f"page {number} ends with the heading {body[-1]!r}"


@pytest.mark.parametrize("name", HANDOUT_FILES)
def test_web_addresses_and_opening_hours_never_split(laid_out, name: str):
    handout = load_handout(SHIPPED.handouts_dir / name)
    clinic = load_clinic(SHIPPED.clinic_folder("example")).in_language(handout.language)
    domain = str(clinic.website).split("//")[1].rstrip("/")
    text = [line for page in laid_out(name) for line in page]
    # the domain is whole wherever a piece of it is printed (it has a hyphen: "riverside-pain.example")
    pieces = {domain.split(".")[0], *domain.split("-")[:1]}
    for line in text:
        if any(line.endswith(piece) or line.endswith(piece + "-") for piece in pieces):
            assert domain in line, line
    # a time range such as "8 am to 5 pm" is on one line wherever its start is printed
    for match in TIME_RANGE.finditer(clinic.hours):
        start, joiner, _ = (part.replace("\u00a0", " ") for part in match.groups())
        for line in text:
            if line.endswith(start) or line.endswith(f"{start} {joiner}"):
                raise AssertionError(f"{match.group(0)!r} split at {line!r}")
