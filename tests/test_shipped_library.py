"""The shipped library (``handouts/``, ``clinics/example``, ``examples/``): valid, and rendering cleanly.

Only that: a clinic edits these files (the README invites it), so no test asserts on their words,
with one exception that is a product requirement: every sentence of the clinic's Botox page
(``examples/pages/botox-treatment-page.txt``) reaches the shipped Botox handout, word for word.
Tests that need particular content use the fixture project (``tests/fixtures/project``).
"""

from __future__ import annotations

import functools

import pytest
from conftest import ROOT, SEED, Printed, assert_conformant, print_handout, seed_sentences
from validators import assert_independently_valid

from clinic_handouts.build import example_visits
from clinic_handouts.checks.checker import check
from clinic_handouts.checks.report import finding_line
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


def test_the_shipped_content_passes_check(capsys):
    report = check(SHIPPED)  # handouts/, clinics/ and examples/
    assert [finding_line(f) for f in report.findings if f.severity == "error"] == []
    assert all(f.valid for f in report.files), [f.path for f in report.files if not f.valid]
    assert {f.kind for f in report.files} >= {"handout", "clinic", "visit"}
    assert len([h for h in report.handouts if h.language == "en"]) == len(SHIPPED.handout_ids()) >= 1
    assert main(["--root", str(ROOT), "check"]) == 0
    assert ", 0 errors" in capsys.readouterr().out


@pytest.mark.parametrize("name", HANDOUT_FILES)
def test_every_shipped_handout_renders_cleanly(name: str):
    got = shipped_handout(name)
    assert got.warnings == (), f"WeasyPrint warned: {got.warnings}"
    assert got.claim_warnings == ()
    assert_conformant(got.data)
    assert_independently_valid(got.data)  # page-validation (PDF/A-3u, PDF/UA-1) and Ghostscript, strict


@pytest.mark.parametrize("name", VISIT_FILES)
def test_every_example_visit_packet_renders_cleanly(name: str):
    visit, _ = load_visit(SHIPPED.root / "examples" / name)
    with collect_warnings() as warnings:
        packet = PacketBuilder(SHIPPED).build(visit)
    assert warnings == [] and packet.warnings == ()
    assert_conformant(packet.data)
    assert_independently_valid(packet.data)


@pytest.mark.parametrize("paper", [None, "a4"], ids=["letter", "a4"])
def test_every_sentence_of_the_clinics_botox_page_reaches_the_botox_handout(paper: str | None):
    """Word for word, on both paper sizes: the handout was made from this page, and must keep every sentence."""
    got = shipped_handout("botox.yaml", paper)
    assert got.warnings == ()
    missing = [s for s in seed_sentences(SEED) if s not in got.text]
    assert missing == []
    assert "texture" not in got.text.lower()
