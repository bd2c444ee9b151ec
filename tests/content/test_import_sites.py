"""Importing the clinic's Botox page as five site builders publish it: all of its text, none of the site's.

The pages in ``tests/fixtures/sites`` carry the clinic's page (``SEED``) in the markup of WordPress (a
classic and a block theme), Squarespace, Wix and Drupal, each with the title in another place (an
``<h1>`` in the article's own header, in a hero block inside or before the content, or only in
``<title>``), headings as h2 or h3, and the site's chrome all around: menus, a masthead, a footer with
the clinic's address, "Recent posts", a cookie banner, share buttons, scripts and styles.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import HEADINGS, ROOT, SEED, normalise, seed_sentences

from clinic_handouts.cli.main import main
from clinic_handouts.content.importing import parse_html
from clinic_handouts.content.library import Project
from clinic_handouts.content.loading import load_handout
from clinic_handouts.content.models import STANDARD_KEYS
from clinic_handouts.content.web_page import read_web_page, title_without_site

SITES = ROOT / "tests" / "fixtures" / "sites"
#: page -> where its title is
PAGES = {
    "wordpress-classic": "h1 in the article's <header class=entry-header>",
    "wordpress-block": "h1 in a wp-block-cover hero inside <main>",
    "squarespace": "h1 in the first page section inside <main>",
    "wix": "only <title>",
    "drupal": "h1 in the page-title block before the <article>; no <main>",
}
#: text of the sites' chrome, none of which may reach the handout
CHROME = [
    "Riverside Pain & Spine Center",
    "Helping you move without pain",
    "Our Doctors",
    "Patient Forms",
    "Insurance We Accept",
    "Contact Us",
    "Book an Appointment",
    "Skip to",
    "1200 River Road, Suite 300",
    "Springfield, IL 62701",
    "Call (555) 010-2000",
    "All rights reserved",
    "Visit us",
    "Recent posts",
    "Five Stretches for Lower Back Pain",
    "What to Expect at Your First Visit",
    "We use cookies",
    "Accept all cookies",
    "We value your privacy",
    "dataLayer",
    "font-family",
    # WordPress
    "Posted on",
    "Riverside Team",
    "Share this",
    "Facebook",
    "Leave a Reply",
    "Your email address will not be published.",
    "Epidural Steroid Injection",
    "Clinic News",
    "Proudly powered by WordPress",
    "May 2, 2026",
    # Squarespace
    "Now accepting new patients",
    "Stay in touch",
    "Sign up for health tips",
    # Wix
    "top of page",
    "This site was designed with",
    "Start Now",
    # Drupal
    "Main navigation",
    "Breadcrumb",
    "Primary tabs",
    "No, thanks",
]


def page_sentences() -> list[str]:
    """Every sentence of the clinic's page that a handout holds as text (the outline's headings become keys)."""
    headings = {normalise(h) for h in HEADINGS}
    return [s for s in seed_sentences(SEED) if s not in headings]


def yaml_text(path: Path) -> str:
    """All strings of the written file, bullets as "label: text", joined and normalised."""
    strings: list[str] = []

    def collect(value: object) -> None:
        if isinstance(value, dict):
            if set(value) == {"label", "text"}:
                strings.append(f"{value['label']}: {value['text']}")
                return
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)
        elif isinstance(value, str):
            strings.append(value)

    collect(yaml.safe_load(path.read_text(encoding="utf-8")))
    return normalise(" \n ".join(strings))


def run_import(project: Project, page: Path, out: Path, *extra: str) -> int:
    return main(["--root", str(project.root), "import", str(page), "-o", str(out), *extra])


@pytest.mark.parametrize("name", list(PAGES))
def test_every_sentence_of_the_page_and_no_chrome_reaches_the_handout(
    name: str, scratch_project: Project, tmp_path: Path, capsys
):
    out = tmp_path / f"{name}.yaml"
    assert run_import(scratch_project, SITES / f"{name}.html", out) == 0
    assert f"wrote {out}: Botox, status sample" in capsys.readouterr().out

    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert (data["title"], data["category"]) == ("Botox", "Treatments")
    assert list(data["sections"]) == list(STANDARD_KEYS)  # every heading of the outline, as h2 or h3
    assert "extra_sections" not in data  # "Recent Posts", "Share this" and the like did not come along
    text = yaml_text(out)
    missing = [s for s in page_sentences() if s not in text]
    assert missing == []
    leaked = [c for c in CHROME if c.casefold() in text.casefold()]
    assert leaked == []
    assert load_handout(out).sections.benefits is not None


@pytest.mark.parametrize("name", list(PAGES))
def test_title_element_is_used_only_when_the_page_shows_no_h1(name: str):
    html = (SITES / f"{name}.html").read_text(encoding="utf-8")
    for head in ("<title>Botox ", 'content="Botox '):
        html = html.replace(head, head.replace("Botox", "Botulinum Toxin"))
    expected = "Botulinum Toxin" if PAGES[name] == "only <title>" else "Botox"
    assert parse_html(html).title == expected


@pytest.mark.parametrize(
    ("title", "site_names", "expected"),
    [
        ("Botox – Riverside Pain & Spine Center", set(), "Botox"),
        ("Botox | Riverside", set(), "Botox"),
        ("Botox - Riverside Pain & Spine Center", set(), "Botox"),
        ("Riverside Pain & Spine Center | Botox", {"riverside pain spine center"}, "Botox"),
        ("Epidural Steroid Injection - Lumbar | Riverside", set(), "Epidural Steroid Injection - Lumbar"),
        ("Botox", set(), "Botox"),
        ("Riverside Pain & Spine Center", {"riverside pain spine center"}, None),
        ("  ", set(), None),
    ],
)
def test_title_loses_the_site_name(title: str, site_names: set[str], expected: str | None):
    assert title_without_site(title, site_names) == expected


def without_title(name: str) -> str:
    """The Wix page with <title> holding only the site's name, and no og:title."""
    html = (SITES / f"{name}.html").read_text(encoding="utf-8")
    html = html.replace("<title>Botox | Riverside", "<title>Riverside")
    return html.replace('<meta property="og:title" content="Botox | Riverside Pain &amp; Spine Center"/>', "")


def test_no_title_says_where_it_looked_and_how_to_give_one(scratch_project: Project, tmp_path: Path, capsys):
    page = tmp_path / "wix-untitled.html"
    page.write_text(without_title("wix"), encoding="utf-8")
    out = tmp_path / "botox.yaml"
    assert run_import(scratch_project, page, out) == 1
    err = capsys.readouterr().err
    assert err.count("found no title") == 1
    message = err[err.index(str(page)) :]
    for looked_at in ("<h1>", "<main>", "hero block", 'og:title"', "<title>", "Riverside Pain & Spine Center"):
        assert looked_at in message
    assert '--title "Botox"' in message
    assert not out.exists()

    assert run_import(scratch_project, page, out, "--title", "Botox") == 0
    assert (load_handout(out).title, load_handout(out).category) == ("Botox", "Treatments")
    text = yaml_text(out)
    assert [s for s in page_sentences() if s not in text] == []


def test_title_option_replaces_the_pages_title(scratch_project: Project, tmp_path: Path, capsys):
    out = tmp_path / "x.yaml"
    assert run_import(scratch_project, SITES / "wordpress-classic.html", out, "--title", " Botox  Injections ") == 0
    assert load_handout(out).title == "Botox Injections"
    assert load_handout(out).sections.conditions is not None  # the page is read from its own title on
    assert run_import(scratch_project, SEED, out, "--force", "--title", "Botox (Botulinum Toxin)") == 0
    assert load_handout(out).title == "Botox (Botulinum Toxin)"
    capsys.readouterr()
    assert run_import(scratch_project, SEED, out, "--force", "--title", " ") == 1
    assert "--title is empty" in capsys.readouterr().err


OUTLINE = "<h2>Conditions It Treats</h2><p>Muscle spasms.</p>"


def test_an_articles_own_header_is_content_and_the_sites_is_not():
    page = read_web_page(
        "<header><h1>Riverside</h1><p>Helping you move</p></header>"
        '<article><header><h1>Botox</h1><p class="entry-category">Treatments</p></header>'
        f"{OUTLINE}</article>"
    )
    assert (page.title, [b.text for b in page.blocks]) == (
        "Botox",
        ["Treatments", "Conditions It Treats", "Muscle spasms."],
    )
    # a site header's <h1> (the site's name, as older themes mark it) is never the title
    page = read_web_page(
        f"<title>Botox | Riverside</title><header><h1>Riverside</h1></header><article>{OUTLINE}</article>"
    )
    assert page.title == "Botox"


def test_site_chrome_by_element_leaves_the_article():
    page = read_web_page(
        "<body><nav><a>Our Doctors</a></nav><h1>Botox</h1><p>Treatments</p>"
        f"{OUTLINE}<aside><h3>Recent posts</h3><p>Five stretches.</p></aside>"
        "<footer><p>1200 River Road</p></footer><form><p>Your email</p></form>"
        "<script>var dataLayer = [];</script><style>p { color: red }</style>"
        '<div role="dialog"><p>We use cookies.</p></div></body>'
    )
    assert [b.text for b in page.blocks] == ["Treatments", "Conditions It Treats", "Muscle spasms."]


def test_a_page_without_main_or_article_loses_its_chrome_by_class():
    page = read_web_page(
        '<div id="top-bar">Call us</div><div class="navbar">Home Treatments</div>'
        f'<div class="content"><h1>Botox</h1><p>Treatments</p>{OUTLINE}'
        '<div class="social-share">Share on Facebook</div></div>'
        '<div id="sidebar"><h3>Recent posts</h3><p>Five stretches.</p></div>'
        '<div id="footer"><p>1200 River Road</p></div><div class="cookie-notice">We use cookies.</div>'
    )
    assert (page.title, page.residue) == ("Botox", ["Call us"])
    assert [b.text for b in page.blocks] == ["Treatments", "Conditions It Treats", "Muscle spasms."]


def test_a_class_word_never_drops_the_outline():
    page = read_web_page(f'<h1>Botox</h1><p>Treatments</p><div class="has-sidebar widget-area">{OUTLINE}</div>')
    assert [b.text for b in page.blocks][-1] == "Muscle spasms."


def test_a_hero_heading_equal_to_the_title_is_where_the_page_starts():
    html = (SITES / "wix.html").read_text(encoding="utf-8")
    hero = '<div data-testid="richTextElement"><h2 class="font_0 wixui-rich-text__text">Botox</h2></div>'
    html = html.replace('<div id="comp-lt8q3cat"', hero + '<div id="comp-lt8q3cat"', 1)
    page = parse_html(html)
    assert (page.title, page.category, page.parts[0].heading) == ("Botox", "Treatments", "Conditions It Treats")
