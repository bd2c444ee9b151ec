"""Building handout PDFs: one readable sequence of named steps.

load clinic -> load handouts -> render HTML -> lay out and write PDF -> save.
Every step either returns values or raises ``HandoutError``; a failure never
leaves a partial file behind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from clinic_handouts.content.library import Project
from clinic_handouts.content.loading import load_clinic, load_handout
from clinic_handouts.content.models import Clinic, Handout
from clinic_handouts.content.visits import load_visit
from clinic_handouts.errors import HandoutError, Problem
from clinic_handouts.files import cannot_write, write_atomic
from clinic_handouts.packets.builder import PacketBuilder
from clinic_handouts.packets.fhir import write_document_reference
from clinic_handouts.packets.types import default_file_name
from clinic_handouts.pdf.xmp import creation_date
from clinic_handouts.render.html import handout_html
from clinic_handouts.render.renderer import Rendered, Renderer, render_pdf


@dataclass(frozen=True)
class Built:
    """One file written, for the report at the end of a run."""

    path: Path
    pages: int
    warnings: tuple[str, ...] = ()
    #: the FHIR DocumentReference written beside a packet (``--fhir``)
    fhir: Path | None = None


def check_output(output: Path | None) -> None:
    """``-o`` names a PDF file to write: refused before any work is done when it is a folder, a device or
    anything but a regular file, or does not end in ``.pdf`` (so a source file is never overwritten)."""
    if output is None:
        return
    if "\0" in str(output):
        raise HandoutError(Problem("the output file name holds a NUL character; give a plain file name"))
    try:
        _check_output(output)
    except OSError as exc:
        raise HandoutError(cannot_write(output, exc)) from None


def _check_output(output: Path) -> None:
    if output.is_dir():
        raise HandoutError(Problem(f"{output} is a folder; give a file name ending in .pdf"))
    if output.suffix.lower() != ".pdf":
        raise HandoutError(Problem(f"{output}: the output file name must end in .pdf"))
    if output.exists() and not output.is_file():
        raise HandoutError(Problem(f"{output} is not a regular file (a device or a socket); give a file name"))


def output_name(handout: Handout, paper: str | None = None, large_print: bool = False) -> str:
    """``botox.pdf``, ``botox.es.pdf``, ``botox-a4.pdf``, ``botox-large.pdf``: never anything about a patient.

    ``paper`` is given only when it differs from the clinic's own paper size.
    """
    language = "" if handout.language == "en" else f".{handout.language}"
    size = f"-{paper}" if paper else ""
    large = "-large" if large_print else ""
    return f"{handout.id}{language}{size}{large}.pdf"


def render_handout(
    project: Project,
    handout: Handout,
    clinic: Clinic,
    paper: str | None = None,
    *,
    strict: bool = False,
    large_print: bool = False,
    renderer: Renderer | None = None,
) -> Rendered:
    """Steps 3 and 4: HTML from the templates, then the PDF, dated by SOURCE_DATE_EPOCH or the review."""
    html = handout_html(project, handout, clinic, paper, large_print=large_print)
    return render_pdf(html, project, creation_date(handout.review.reviewed_on), strict=strict, renderer=renderer)


def build_handout(
    project: Project,
    handout_ref: str,
    clinic_ref: str = "example",
    *,
    paper: str | None = None,
    output: Path | None = None,
    out_dir: Path | None = None,
    strict: bool = False,
    large_print: bool = False,
) -> Built:
    """Build one handout PDF: the ``handout`` command (``output``: the file; else named in ``out_dir``)."""
    check_output(output)
    clinic = load_clinic(project.clinic_folder(clinic_ref))
    handout = load_handout(project.handout_path(handout_ref))
    rendered = render_handout(project, handout, clinic, paper, strict=strict, large_print=large_print)
    size = paper if paper and paper != clinic.paper else None
    path = output or (out_dir or project.out_dir) / output_name(handout, size, large_print)
    write_atomic(path, rendered.data)
    return Built(path, rendered.pages, rendered.warnings)


def build_library(
    project: Project,
    clinic_ref: str = "example",
    *,
    out_dir: Path | None = None,
    strict: bool = False,
) -> tuple[list[Built], list[Problem]]:
    """Build every handout (translations included); good ones are written even if others fail."""
    clinic = load_clinic(project.clinic_folder(clinic_ref))
    out_dir = out_dir or project.out_dir
    built: list[Built] = []
    problems: list[Problem] = []
    renderer = Renderer(project)  # the stylesheet and fonts loaded once for the whole library
    for path in sorted(project.handouts_dir.glob("*.yaml")):
        try:
            project.confine(path)
            handout = load_handout(path)
            rendered = render_handout(project, handout, clinic, strict=strict, renderer=renderer)
            target = write_atomic(out_dir / output_name(handout), rendered.data)
        except HandoutError as exc:
            problems.extend(exc.problems)
            continue
        built.append(Built(target, rendered.pages, rendered.warnings))
    if not built and not problems:
        problems.append(Problem(f"no handouts found in {project.handouts_dir}"))
    return built, problems


def example_visits(project: Project) -> list[Path]:
    """The visit files among ``examples/*.yaml`` (those with a top-level ``visit_id``)."""
    folder = project.root / "examples"
    top_level_visit_id = re.compile(r"^visit_id:", re.MULTILINE)
    return sorted(p for p in folder.glob("*.yaml") if top_level_visit_id.search(p.read_text(encoding="utf-8")))


def build_packets(
    project: Project,
    visit_files: list[Path],
    out_dir: Path,
    *,
    duplex: bool = True,
    strict: bool = False,
    large_print: bool = False,
    fhir: bool = False,
    output: Path | None = None,
) -> tuple[list[Built], list[Problem]]:
    """One packet per visit file, named ``DATE_VISITID.pdf`` (and ``.fhir.json``); good ones are written.

    ``output`` names the file for a single visit instead.
    """
    if output is not None and len(visit_files) != 1:
        raise ValueError("output names one packet: give exactly one visit file")
    check_output(output)
    builder = PacketBuilder(project, strict=strict)
    built: list[Built] = []
    problems: list[Problem] = []
    for path in visit_files:
        try:
            visit, document = load_visit(path)
        except HandoutError as exc:
            problems.extend(exc.problems)
            continue
        try:
            packet = builder.build(visit, duplex=duplex, large_print=large_print)
        except HandoutError as exc:
            problems.extend(document.place(p) for p in exc.problems)
            continue
        target = write_atomic(output or out_dir / default_file_name(visit), packet.data)
        record = None
        if fhir:
            record = write_document_reference(
                target, visit, builder.clinic(visit.clinic), packet.data, packet.title, packet.language
            )
        built.append(Built(target, packet.pages, packet.warnings, record))
    return built, problems
