"""Rendering validated models into HTML with Jinja2.

Templates are looked up first in the clinic's own ``templates/`` folder, then
in the project's, so a clinic can override one template without copying the
rest. Autoescape and StrictUndefined are always on; every word the templates
print themselves goes through gettext.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from clinic_handouts import i18n
from clinic_handouts.content.confine import confine
from clinic_handouts.content.library import Project
from clinic_handouts.content.models import DEFAULT_HEADINGS, STANDARD_KEYS, STANDARD_SECTIONS, Clinic, Handout
from clinic_handouts.errors import HandoutError, Problem
from clinic_handouts.render.qr import qr_data_uri, web_address
from clinic_handouts.render.stamp import stamp_for

PAPER = {"letter": "Letter", "a4": "A4"}


def css_string(value: str) -> Markup:
    """Quote text as a CSS string, safe inside a <style> element."""
    escaped = re.sub(
        r"[^\w .,:;!?()+\-/'’\u00a0-\uffff]",
        lambda m: f"\\{ord(m.group()):x} ",
        str(value),
    )
    return Markup(f'"{escaped}"')


def counter_content(template: str) -> Markup:
    """'Page {page} of {pages}' -> CSS content with page counters, in any language's order."""
    parts = re.split(r"(\{page\}|\{pages\})", template)
    tokens = []
    for part in parts:
        if part == "{page}":
            tokens.append("counter(page)")
        elif part == "{pages}":
            tokens.append("counter(pages)")
        elif part:
            tokens.append(str(css_string(part)))
    return Markup(" ".join(tokens))


#: a clock time and its "am"/"pm" in the languages the catalogs cover ("8 am", "8 a. m.", "8 giờ sáng")
_TIME = r"\d{1,2}(?::\d\d)?(?:\s(?:am|pm|AM|PM|a\.\s?m\.|p\.\s?m\.|giờ\ssáng|giờ\schiều|صباحًا|مساءً))"
TIME_RANGE = re.compile(rf"({_TIME})\s(to|a|đến|إلى)\s({_TIME})")


def keep_phrases(value: object) -> str:
    """Short phrases that must not be split over two lines: "8 am to 5 pm", and a last word alone.

    Their spaces become no-break spaces, which print and copy as spaces.
    """
    text = str(value)
    text = re.sub(_TIME, lambda m: m.group().replace(" ", "\u00a0"), text)
    text = TIME_RANGE.sub(lambda m: "\u00a0".join(m.groups()), text)
    head, space, last = text.rpartition(" ")
    return f"{head}\u00a0{last}" if space and len(last) <= 4 and head else text


def url_parts(url: object) -> list[str]:
    """A web address cut after each "/": the only places it may wrap (never at its hyphens)."""
    return re.findall(r"[^/]*/+|[^/]+$", str(url))


def display_url(url: object) -> str:
    """A web address as people read it aloud: no scheme, no trailing slash."""
    text = re.sub(r"^https?://", "", str(url))
    return text[:-1] if text.endswith("/") else text


def isolate(value: object) -> str:
    """Text kept in its own direction inside right-to-left text (Unicode FSI ... PDI).

    A phone number such as "(541) 555-0142" inside Arabic text would otherwise
    be reordered by the bidirectional algorithm into "0142-555 (541)". Only
    right-to-left pages use it; the marks print nothing.
    """
    return f"\u2068{value}\u2069"


def data_uri(path: Path) -> str:
    """Embed a small file (the logo) so the PDF never refers to a file outside itself."""
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


class _ConfinedLoader(jinja2.FileSystemLoader):
    """Templates from the search path only: a template that is a link to a file elsewhere is refused."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        folder = next(Path(p) for p in self.searchpath if Path(filename).is_relative_to(p))
        confine(Path(filename), folder)
        return source, filename, uptodate


class _CompiledOnce(jinja2.BytecodeCache):
    """Each template's source compiled once per process, whichever folder it was read from (a station or a
    test suite opens the same templates for many projects and languages). Every environment ``environment``
    makes has the same settings, so the same source compiles to the same code."""

    def __init__(self) -> None:
        self._code: dict[str, Any] = {}

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return name

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        bucket.code = self._code.get(f"{bucket.key}\0{bucket.checksum}")

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[f"{bucket.key}\0{bucket.checksum}"] = bucket.code


_COMPILED = _CompiledOnce()


@cache
def environment(search_path: tuple[Path, ...], language: str) -> jinja2.Environment:
    """A Jinja2 environment for one template search path and one language."""
    env = jinja2.Environment(
        loader=_ConfinedLoader([str(p) for p in search_path]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_COMPILED,
    )
    env.install_gettext_translations(i18n.translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["css_string"] = css_string
    env.filters["counter_content"] = counter_content
    env.filters["display_url"] = display_url
    env.filters["month_year"] = lambda d: i18n.month_year(d, language)
    env.filters["long_date"] = lambda d: i18n.long_date(d, language)
    env.filters["short_time"] = lambda t: i18n.short_time(t, language)
    env.filters["keep_phrases"] = keep_phrases
    env.filters["url_parts"] = url_parts
    env.filters["isolate"] = isolate if i18n.text_direction(language) == "rtl" else str
    return env


def template_path(project: Project, clinic: Clinic) -> tuple[Path, ...]:
    """The clinic's templates first, then the project's."""
    own = Path(clinic.folder) / "templates"
    if own.is_dir():
        return confine(own, Path(clinic.folder)), project.templates_dir
    return (project.templates_dir,)


def clinic_stylesheets(clinic: Clinic) -> list[str]:
    """The clinic's own ``style.css``, if it has one (the project's stylesheet is added by pdf.Renderer)."""
    own = Path(clinic.folder) / "style.css"
    return [confine(own, Path(clinic.folder)).resolve().as_uri()] if own.is_file() else []


def render(
    project: Project,
    template: str,
    clinic: Clinic,
    language: str,
    paper: str,
    **context: Any,
) -> str:
    """Render one template with the context every page shares."""
    env = environment(template_path(project, clinic), language)
    direction = i18n.text_direction(language)
    try:
        return env.get_template(template).render(
            clinic=clinic.in_language(language),
            lang=language,
            dir=direction,
            #: the page's physical sides where lines start and end, for @page margin boxes
            #: (they cannot be selected by direction in CSS)
            start_side="right" if direction == "rtl" else "left",
            end_side="left" if direction == "rtl" else "right",
            paper=PAPER[paper],
            paper_id=paper,
            clinic_stylesheets=clinic_stylesheets(clinic),
            logo=data_uri(Path(clinic.folder) / clinic.logo),
            standard_sections=STANDARD_SECTIONS,
            default_headings=DEFAULT_HEADINGS,
            **context,
        )
    except jinja2.TemplateSyntaxError as exc:
        raise HandoutError(Problem(f"template error: {exc.message}", file=exc.filename, line=exc.lineno)) from None
    except jinja2.UndefinedError as exc:
        raise HandoutError(Problem(f"template '{template}' uses an unknown value: {exc}")) from None
    except jinja2.TemplateNotFound as exc:
        raise HandoutError(Problem(f"template not found: {exc.name}")) from None


def handout_html(
    project: Project,
    handout: Handout,
    clinic: Clinic,
    paper: str | None = None,
    *,
    in_packet: bool = False,
    large_print: bool = False,
) -> str:
    """The HTML of one handout, standalone or as part of a packet."""
    url = web_address(handout, clinic)
    pictures = {name for _, name in handout.named_figures()}
    return render(
        project,
        "handout.html",
        clinic,
        handout.language,
        paper or clinic.paper,
        handout=handout,
        in_packet=in_packet,
        large_print=large_print,
        stamp=stamp_for(large_print),
        web_address=url,
        qr=qr_data_uri(url),
        parts=handout.printed_parts(clinic.part_order()),
        standard_keys=STANDARD_KEYS,
        figure_uris={name: data_uri(project.figure_path(name, handout)) for name in sorted(pictures)},
    )
