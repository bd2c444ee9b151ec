"""Importing a treatment page from the clinic's web site as a handout YAML file.

A page is read either as copied plain text (page residue such as "texture",
the title, the category, then question headings ending in ":" with
paragraphs and "•" bullets) or as the saved HTML, as site builders publish
it (``web_page`` sets the site's chrome aside and finds the title; then a
category line, h2/h3 headings, p paragraphs, li bullets with an optional
<strong> label). ``--title`` gives the title of a page that has none.
Both become the same ``Page``; headings that match the clinic's outline map to
the standard keys, any other heading becomes an extra section so no text is
lost. The file is written with ``yaml.safe_dump`` (so ``<b>``, ``&`` or
``{{ }}`` stay literal text, quoted where YAML needs it) and validated before
it replaces anything.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from clinic_handouts.content.ids import check_id
from clinic_handouts.content.library import Project
from clinic_handouts.content.loading import YamlDocument, validate
from clinic_handouts.content.models import DEFAULT_HEADINGS, STANDARD_KEYS, Handout
from clinic_handouts.content.web_page import HEADING_TAGS, clean, read_web_page, standard_key
from clinic_handouts.errors import HandoutError, Problem
from clinic_handouts.files import write_atomic

SCHEMA_LINE = "# yaml-language-server: $schema=../schema/handout.schema.json"
BULLET_MARKS = "•·◦▪‣"
_MAX_HEADING_WORDS = 12
_MAX_LABEL_WORDS = 6


@dataclass
class Block:
    """A paragraph (no label) or a bullet (``bullet=True``, with an optional label)."""

    text: str
    bullet: bool = False
    label: str | None = None


@dataclass
class Part:
    """A heading of the page and the blocks under it."""

    heading: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Page:
    """A treatment page as read: what a handout needs, and what was left out."""

    title: str
    category: str
    parts: list[Part]
    skipped: list[str] = field(default_factory=list)


# --- reading headings ------------------------------------------------------


def split_label(text: str) -> tuple[str | None, str]:
    """ "Muscle Spasm Relief: Botox ..." -> ("Muscle Spasm Relief", "Botox ...") when the label is short."""
    label, sep, rest = text.partition(": ")
    if sep and rest.strip() and len(label.split()) <= _MAX_LABEL_WORDS and not re.search(r"[.!?]", label):
        return label.strip(), rest.strip()
    return None, text


# --- plain text ------------------------------------------------------------


def _is_text_heading(line: str) -> bool:
    """A standard heading, or a short line ending in ':' (not a paragraph that introduces a list)."""
    if _is_bullet(line):
        return False
    if standard_key(line):
        return True
    if not line.endswith(":"):
        return False
    words = line[:-1]
    return len(words.split()) <= _MAX_HEADING_WORDS and not re.search(r"[,.;!]", words)


def _is_bullet(line: str) -> bool:
    return line[0] in BULLET_MARKS or line[:2] in {"* ", "- "}


def parse_text(text: str) -> Page:
    """Read a page copied as plain text; the two lines before the first heading are title and category."""
    lines = [clean(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    first = next((i for i, line in enumerate(lines) if _is_text_heading(line)), None)
    if first is None:
        raise HandoutError(_no_headings())
    if first < 2:
        raise HandoutError(Problem("expected the page's title and category on the two lines before the first heading"))
    parts: list[Part] = []
    for line in lines[first:]:
        if _is_text_heading(line):
            parts.append(Part(line.removesuffix(":").strip()))
        elif _is_bullet(line):
            label, body = split_label(line[1:].strip())
            parts[-1].blocks.append(Block(body, bullet=True, label=label))
        else:
            parts[-1].blocks.append(Block(line))
    return Page(title=lines[first - 2], category=lines[first - 1], parts=parts, skipped=lines[: first - 2])


# --- HTML ------------------------------------------------------------------


def parse_html(html: str, title: str | None = None) -> Page:
    """Read a page saved as HTML (see ``web_page``); the category is found after the title.

    In order: a block between the title and the first heading whose class names a
    category, a category the markup gives (a ``rel="category"`` link,
    ``article:section``, the breadcrumb trail), then the first short line there.
    """
    page = read_web_page(html, title)
    blocks = page.blocks
    first = next((i for i, b in enumerate(blocks) if b.tag in HEADING_TAGS), None)
    if first is None:
        raise HandoutError(_no_headings())
    between = blocks[:first]
    category_at = next((i for i, b in enumerate(between) if "categor" in b.classes), None)
    category = between[category_at].text if category_at is not None else next(iter(page.categories), None)
    if category is None:
        category_at = next((i for i, b in enumerate(between) if len(b.text.split()) <= 4), None)
        if category_at is None:
            raise HandoutError(
                Problem(
                    "expected the page's category: a short line between the title and the first heading, "
                    'a link marked rel="category", or <meta property="article:section">'
                )
            )
        category = between[category_at].text
    skipped = page.residue + [b.text for i, b in enumerate(between) if i != category_at]
    parts: list[Part] = []
    for block in blocks[first:]:
        if block.tag in HEADING_TAGS:
            parts.append(Part(block.text.removesuffix(":").strip()))
        elif block.tag == "li":
            label, text = (block.label, block.text) if block.label is not None else split_label(block.text)
            parts[-1].blocks.append(Block(text, bullet=True, label=label))
        else:
            parts[-1].blocks.append(Block(block.text))
    return Page(page.title, category, parts, [s for s in skipped if s])


def parse_page(path: Path, title: str | None = None) -> Page:
    """Read a page file, as HTML if it looks like HTML, else as plain text; ``title`` replaces the page's."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HandoutError(Problem("page file not found", file=path)) from None
    except UnicodeDecodeError:
        raise HandoutError(Problem("not UTF-8 text; save the page as UTF-8", file=path)) from None
    looks_html = path.suffix.lower() in {".html", ".htm"} or re.match(r"\s*(<!doctype|<html)", text, re.I)
    try:
        if title is not None and not clean(title):
            raise HandoutError(Problem('--title is empty; give the handout\'s title, e.g. --title "Botox"'))
        if looks_html:
            return parse_html(text, title)
        page = parse_text(text)
        return replace(page, title=clean(title)) if title else page
    except HandoutError as exc:
        raise HandoutError([Problem(p.message, file=path) for p in exc.problems]) from None


def _no_headings() -> Problem:
    expected = "; ".join(DEFAULT_HEADINGS[key] for key in STANDARD_KEYS)
    return Problem(f"no section headings found; expected headings such as: {expected}")


# --- building the handout ----------------------------------------------------


def _block_data(block: Block) -> str | dict[str, str]:
    if not block.bullet:
        return block.text
    return {"label": block.label, "text": block.text} if block.label else {"text": block.text}


def one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def handout_data(page: Page, source_name: str, today: date) -> dict[str, Any]:
    """The handout as YAML-ready data: standard sections by key, other headings as extra sections."""
    sections: dict[str, Any] = {}
    extra: list[dict[str, Any]] = []
    for part in page.parts:
        key = standard_key(part.heading)
        content = [_block_data(b) for b in part.blocks if b.text]
        if not content:
            continue
        if key and key not in sections:
            sections[key] = content
        else:
            extra.append({"heading": part.heading, "content": content})
    if not sections:
        found = ", ".join(f"'{p.heading}'" for p in page.parts) or "none"
        raise HandoutError(_no_headings_but(found))
    data: dict[str, Any] = {
        "title": page.title,
        "category": page.category,
        "review": {
            "reviewed_on": today,
            "reviewed_by": f"Imported from {source_name} — set the reviewer",
            "next_review_due": one_year_after(today),
            "status": "sample",
        },
        "sections": {key: sections[key] for key in STANDARD_KEYS if key in sections},
    }
    if extra:
        data["extra_sections"] = extra
    return data


def _no_headings_but(found: str) -> Problem:
    problem = _no_headings()
    return Problem(f"{problem.message} (found: {found})")


class _Dumper(yaml.SafeDumper):
    """The safe dumper, with list items indented under their key as in the hand-written files."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def handout_yaml(data: dict[str, Any], source_name: str) -> str:
    """The file's text: the schema line, a note on where it came from, then the data."""
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=False)
    return (
        f"{SCHEMA_LINE}\n"
        f"# Imported from the clinic's page {source_name}. Check it, set review.reviewed_by,\n"
        "# and change review.status to approved once the clinic has reviewed it.\n"
        f"{body}"
    )


def slug(title: str) -> str:
    """A handout id from a title: 'Botox' -> 'botox', 'Epidural Steroid Injection' -> 'epidural-steroid-injection'."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")


@dataclass(frozen=True)
class Imported:
    """What the import wrote, and the page text it left out (residue), for the report."""

    path: Path
    handout: Handout
    skipped: tuple[str, ...]


def import_page(
    project: Project,
    page_path: Path,
    output: Path | None = None,
    *,
    force: bool = False,
    today: date | None = None,
    title: str | None = None,
) -> Imported:
    """Read a page, write ``handouts/<slug>.yaml`` (or ``output``), refusing to overwrite unless forced.

    ``title`` (``--title``) replaces the page's title, or gives one to a page that has none.
    """
    page = parse_page(page_path, title)
    if output is None:
        handout_id = check_id(slug(page.title), "handout")
        output = project.handouts_dir / f"{handout_id}.yaml"
    refusal = Problem("already exists; not overwritten (use --force to replace it)", file=output)
    if output.exists() and not force:
        raise HandoutError(refusal)
    text = handout_yaml(handout_data(page, page_path.name, today or date.today()), page_path.name)
    handout = _validated(text, output)
    try:
        write_atomic(output, text.encode("utf-8"), replace=force)
    except FileExistsError:
        raise HandoutError(refusal) from None
    return Imported(output, handout, tuple(page.skipped))


def _validated(text: str, output: Path) -> Handout:
    """Check the text loads as a handout before anything is written (a failure here is a bug)."""
    return validate(Handout, YamlDocument(output, yaml.safe_load(text)))
