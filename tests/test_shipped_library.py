"""The shipped library (``handouts/``, ``clinics/example``, ``examples/``): valid, and rendering cleanly.

Only that: a clinic edits these files (the README invites it), so no test asserts on their words,
with one exception that is a product requirement: every sentence of the clinic's Botox page
(``examples/pages/botox-treatment-page.txt``) reaches the shipped Botox handout, word for word.
Tests that need particular content use the fixture project (``tests/fixtures/project``).
"""

from __future__ import annotations

import dataclasses
import functools

import pytest
from conftest import ROOT, SEED, Printed, assert_conformant, print_handout, seed_sentences
from validators import ghostscript_errors_each, page_validation_findings

from clinic_handouts.build import example_visits
from clinic_handouts.checks.checker import check
from clinic_handouts.checks.report import finding_line
from clinic_handouts.cli import content as content_commands
from clinic_handouts.cli.main import main
from clinic_handouts.content.library import Project
from clinic_handouts.content.visits import load_visit
from clinic_handouts.packets.builder import PacketBuilder
from clinic_handouts.render.renderer import collect_warnings

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


def _handout(name: str) -> Made:
    got = shipped_handout(name)
    return Made(got.data, got.warnings, got.claim_warnings)


def _packet(name: str) -> Made:
    visit, _ = load_visit(SHIPPED.root / "examples" / name)
    with collect_warnings() as warnings:
        packet = PacketBuilder(SHIPPED).build(visit)
    return Made(packet.data, (*warnings, *packet.warnings))


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
