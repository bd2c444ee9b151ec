"""Importing the clinic's web pages (fixture copies): same words as the page, nothing lost, nothing overwritten."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURE_SEED, FIXTURES, pdf_text, seed_sentences

from clinic_handouts.build import render_handout
from clinic_handouts.cli.main import main
from clinic_handouts.content.importing import (
    SCHEMA_LINE,
    import_page,
    one_year_after,
    parse_text,
    slug,
    standard_key,
)
from clinic_handouts.content.library import Project
from clinic_handouts.content.loading import load_handout
from clinic_handouts.errors import HandoutError
from clinic_handouts.render.html import handout_html

#: the fixture project's copy of the clinic's Botox page, as text and as the saved web page
SEED = FIXTURE_SEED
HTML_PAGE = FIXTURES / "botox-treatment-page.html"
TODAY = date(2026, 11, 26)


def sections_of(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["sections"]


@pytest.mark.parametrize("page", [SEED, HTML_PAGE], ids=["text", "html"])
def test_round_trip_gives_the_botox_handout(page: Path, project: Project, clinic, tmp_path: Path):
    out = tmp_path / "botox.yaml"
    imported = import_page(project, page, out, today=TODAY)
    assert imported.path == out and imported.skipped == ("texture",)
    assert sections_of(out) == sections_of(project.handouts_dir / "botox.yaml")  # same blocks, same words
    handout = load_handout(out)
    original = load_handout(project.handouts_dir / "botox.yaml")
    assert handout.sections == original.sections and handout.extra_sections == []
    assert (handout.title, handout.category) == ("Botox", "Treatments")

    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == SCHEMA_LINE
    review = handout.review
    assert (review.reviewed_on, review.next_review_due, review.status) == (TODAY, date(2027, 11, 26), "sample")
    assert review.reviewed_by == f"Imported from {page.name} — set the reviewer"

    pages = pdf_text(render_handout(project, handout, clinic).data)
    printed = " ".join(pages)
    missing = [s for s in seed_sentences(SEED) if s not in printed]
    assert missing == []


MARKUP_PAGE = """\
texture
Nerve Block <Test> & More
Treatments & Procedures
How Does It Help?
<b>Not bold</b> & {{ dose }} units, as typed.
{{ dose }} comes first here.
yes
2026-11-01
• Note: use # and % freely: 50% of 10 & <i>more</i>.
• A bullet with no label
RISKS AND SIDE EFFECTS:
Some bruising may happen.
PROCEDURE description:
A thin needle is used.
"""


def test_markup_stays_literal_and_unknown_headings_become_extra_sections(project: Project, clinic, tmp_path: Path):
    page = tmp_path / "page.txt"
    page.write_text(MARKUP_PAGE, encoding="utf-8")  # "How Does It Help?" is a heading without a colon
    out = import_page(project, page, tmp_path / "nerve-block.yaml", today=TODAY).path
    handout = load_handout(out)  # the written file loads back
    assert handout.title == "Nerve Block <Test> & More"
    assert handout.category == "Treatments & Procedures"
    helps = handout.sections.how_it_helps.content
    assert [b.words for b in helps] == [
        "<b>Not bold</b> & {{ dose }} units, as typed.",
        "{{ dose }} comes first here.",
        "yes",  # not YAML's true
        "2026-11-01",  # not a date
        "Note: use # and % freely: 50% of 10 & <i>more</i>.",
        "A bullet with no label",
    ]
    assert (helps[4].label, helps[5].label, helps[5].is_bullet) == ("Note", None, True)
    assert handout.sections.procedure.content[0].paragraph == "A thin needle is used."
    assert handout.sections.procedure.heading is None  # case-insensitive match: the default heading
    assert [(e.heading, [b.words for b in e.content]) for e in handout.extra_sections] == [
        ("RISKS AND SIDE EFFECTS", ["Some bruising may happen."])
    ]
    html = handout_html(project, handout, clinic, None)
    assert "&lt;b&gt;Not bold&lt;/b&gt; &amp; {{ dose }} units" in html
    printed = " ".join(pdf_text(render_handout(project, handout, clinic).data))
    assert "<b>Not bold</b> & {{ dose }} units, as typed." in printed
    assert "RISKS AND SIDE EFFECTS" in printed and "Some bruising may happen." in printed


def test_headings_compare_without_case_or_punctuation():
    assert standard_key("If it doesn't help, what is next?") == "if_no_help"
    assert standard_key("IF IT DOESN’T HELP — WHAT IS NEXT") == "if_no_help"
    assert standard_key("is this treatment right for me?") == "right_for_me"
    assert standard_key("Risks") is None


def test_a_paragraph_ending_in_a_colon_is_not_a_heading():
    page = parse_text("x\nTitle\nCategory\nProcedure Benefits:\nIt helps in these ways, among others:\n• One: two\n")
    assert [p.heading for p in page.parts] == ["Procedure Benefits"]
    assert page.parts[0].blocks[0].text == "It helps in these ways, among others:"


def test_a_page_without_the_standard_headings_says_what_was_expected(project: Project, tmp_path: Path):
    page = tmp_path / "page.txt"
    page.write_text("Botox\nTreatments\nBotox is a medicine. It relaxes muscles.\n", encoding="utf-8")
    with pytest.raises(HandoutError) as caught:
        import_page(project, page, tmp_path / "x.yaml")
    message = str(caught.value)
    assert message.startswith(f"{page}: no section headings found; expected headings such as: Conditions It Treats;")
    assert "Is This Treatment Right for Me" in message
    page.write_text("texture\nBotox\nTreatments\nOur Team:\nWe are nice.\n", encoding="utf-8")
    with pytest.raises(HandoutError, match=r"expected headings such as: .*\(found: 'Our Team'\)"):
        import_page(project, page, tmp_path / "x.yaml")
    assert not (tmp_path / "x.yaml").exists()


def test_never_overwrites_without_force(scratch_project: Project):
    target = scratch_project.handouts_dir / "botox.yaml"
    before = target.read_text()
    with pytest.raises(HandoutError, match=r"botox\.yaml: already exists; not overwritten \(use --force"):
        import_page(scratch_project, SEED)  # default: handouts/<slug of the title>.yaml
    assert target.read_text() == before
    imported = import_page(scratch_project, SEED, force=True, today=TODAY)
    assert imported.path == target and "status: sample" in target.read_text()


def test_default_output_is_the_slug_of_the_title(scratch_project: Project, tmp_path: Path):
    page = tmp_path / "p.txt"
    page.write_text(SEED.read_text(encoding="utf-8").replace("\nBotox\n", "\nOccipital Nerve Block\n", 1))
    imported = import_page(scratch_project, page, today=TODAY)
    assert imported.path == scratch_project.handouts_dir / "occipital-nerve-block.yaml"
    assert slug("Radiofrequency Ablation (RFA) & Más") == "radiofrequency-ablation-rfa-mas"


def test_next_review_is_a_year_later_even_from_29_february():
    assert one_year_after(date(2028, 2, 29)) == date(2029, 2, 28)


def test_import_command(scratch_project: Project, tmp_path: Path, capsys):
    root = ["--root", str(scratch_project.root)]
    assert main([*root, "import", str(SEED)]) == 1
    assert f"error: {scratch_project.handouts_dir / 'botox.yaml'}: already exists; not overwritten" in (
        capsys.readouterr().err
    )
    out = tmp_path / "b.yaml"
    assert main([*root, "import", str(HTML_PAGE), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert f"wrote {out}: Botox, status sample" in captured.out
    assert "skipped page residue: texture" in captured.err
    assert main([*root, "import", str(SEED), "-o", str(out), "--force"]) == 0
    assert load_handout(out).review.status == "sample"
