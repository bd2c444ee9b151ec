"""The commands that make PDFs: the main job, ``handout``, ``packet``, ``batch`` and ``verify``.

Each command imports what makes PDFs (WeasyPrint, pikepdf: half a second) when it runs, so that
``--version``, ``--help`` and the content commands (``check``, ``new``, ``schema``) start at once.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from clinic_handouts.cli.main import Settings, report_problems

if TYPE_CHECKING:
    from clinic_handouts.batch.schedule import RowResult
    from clinic_handouts.build import Built

pass_settings = click.make_pass_decorator(Settings)
OUTPUT = click.Path(path_type=Path, dir_okay=True)


def report_built(built: list[Built]) -> None:
    for item in built:
        click.echo(f"wrote {item.path} ({item.pages} page{'s' if item.pages != 1 else ''})")
        if item.fhir:
            click.echo(f"wrote {item.fhir}")
        for warning in item.warnings:
            click.echo(f"  warning: {warning}", err=True)


def main_job(settings: Settings) -> int:
    """Every handout with the clinic, and the example visits' packets, into out/."""
    from clinic_handouts.build import build_library, build_packets, example_visits

    project = settings.project
    out_dir = settings.out_dir or project.out_dir
    built, problems = build_library(project, settings.clinic_for(None), out_dir=out_dir, strict=settings.strict)
    packets, packet_problems = build_packets(project, example_visits(project), out_dir, strict=settings.strict)
    report_built(built + packets)
    return report_problems(problems + packet_problems) if problems or packet_problems else 0


@click.command()
@click.argument("handout", metavar="ID_OR_PATH")
@click.option("--clinic", default=None, help="Clinic id or folder (default: example).")
@click.option(
    "--paper",
    type=click.Choice(["letter", "a4"]),
    default=None,
    help="Paper size (default: the clinic's; another size adds it to the file name).",
)
@click.option("-o", "--output", type=OUTPUT, default=None, help="PDF file to write.")
@click.option("--strict", is_flag=True, help="Treat rendering warnings as errors.")
@click.option("--large-print", is_flag=True, help="18 pt body, wide margins, one column.")
@pass_settings
def handout(
    settings: Settings,
    handout: str,
    clinic: str | None,
    paper: str | None,
    output: Path | None,
    strict: bool,
    large_print: bool,
) -> int:
    """Render one handout (an id such as botox, or a YAML file) to PDF."""
    from clinic_handouts.build import build_handout

    settings.applies("handout", "clinic", "strict", "out_dir")
    settings.refuse_with_output(output)
    built = build_handout(
        settings.project,
        handout,
        settings.clinic_for(clinic),
        paper=paper,
        output=output,
        out_dir=settings.out_dir,
        strict=settings.strict or strict,
        large_print=large_print,
    )
    report_built([built])
    return 0


@click.command()
@click.argument("visit", type=click.Path(path_type=Path, dir_okay=False), metavar="VISIT.yaml")
@click.option("-o", "--output", type=OUTPUT, default=None, help="PDF file (default: out/DATE_VISITID.pdf).")
@click.option("--no-duplex", is_flag=True, help="Do not pad handouts to start on odd pages.")
@click.option("--strict", is_flag=True, help="Treat rendering warnings as errors.")
@click.option("--large-print", is_flag=True, help="Large print even if the visit does not ask for it.")
@click.option(
    "--fhir", is_flag=True, help="Also write DATE_VISITID.fhir.json (a FHIR R4 DocumentReference) beside the PDF."
)
@pass_settings
def packet(
    settings: Settings, visit: Path, output: Path | None, no_duplex: bool, strict: bool, large_print: bool, fhir: bool
) -> int:
    """Render one visit's packet (cover and handouts) to PDF; the clinic comes from the visit file."""
    from clinic_handouts.build import build_packets

    settings.applies("packet", "strict", "out_dir")
    settings.refuse_with_output(output)
    built, problems = build_packets(
        settings.project,
        [visit],
        settings.out_dir or settings.project.out_dir,
        duplex=not no_duplex,
        strict=settings.strict or strict,
        large_print=large_print,
        fhir=fhir,
        output=output,
    )
    if problems:
        return report_problems(problems)
    report_built(built)
    return 0


@click.command()
@click.argument("schedule", type=click.Path(path_type=Path), metavar="SCHEDULE.csv")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    metavar="DIR",
    help="Output folder (default: out/packets/).",
)
@click.option("--jobs", type=click.IntRange(1, 64), default=2, show_default=True, help="Worker processes.")
@click.option("--no-duplex", is_flag=True, help="Do not pad handouts to start on odd pages.")
@click.option(
    "--no-cache",
    is_flag=True,
    help="Render every handout afresh (default: reuse those kept in .cache/ since the last run).",
)
@click.option("--strict", is_flag=True, help="Treat rendering warnings as errors.")
@click.option(
    "--fhir", is_flag=True, help="Also write DATE_VISITID.fhir.json (a FHIR R4 DocumentReference) beside each PDF."
)
@pass_settings
def batch(
    settings: Settings,
    schedule: Path,
    output: Path | None,
    jobs: int,
    no_duplex: bool,
    no_cache: bool,
    strict: bool,
    fhir: bool,
) -> int:
    """One packet per row of the day's schedule CSV, and a manifest.json; the clinic comes from each row."""
    from clinic_handouts.batch.cache import VariantCache
    from clinic_handouts.batch.runner import run_batch

    settings.applies("batch", "strict", "out_dir")
    project = settings.project
    out_dir = settings.out_dir_for(output, "-o") or project.out_dir / "packets"
    progress = None
    if sys.stderr.isatty():
        from rich.progress import Progress

        # Refreshed by hand as results arrive: no refresh thread may run while the batch forks workers.
        progress = Progress(transient=True, auto_refresh=False)
        task = progress.add_task("packets", total=None)
    errors: list[RowResult] = []

    def on_result(result: RowResult) -> None:
        if result.status != "ok":
            errors.append(result)
        if progress is not None:
            progress.advance(task)
            progress.refresh()

    def on_start(rows: int) -> None:
        if progress is not None:
            progress.update(task, total=rows)
            progress.refresh()

    if progress is not None:
        progress.start()
    try:
        cache = None if no_cache else VariantCache.for_project(project)
        report = run_batch(
            project,
            schedule,
            out_dir,
            jobs=jobs,
            duplex=not no_duplex,
            strict=settings.strict or strict,
            on_result=on_result,
            on_start=on_start,
            fhir=fhir,
            cache=cache,
        )
    finally:
        if progress is not None:
            progress.stop()
    for result in sorted(errors, key=lambda r: r.row):
        click.echo(
            f"error: {schedule}: row {result.row}, visit {result.visit_id or '(no id)'}: {result.error}", err=True
        )
    click.echo(report.summary() + f"; manifest: {out_dir / 'manifest.json'}")
    return 1 if report.failed else 0


@click.command(name="verify")
@click.argument("pdf", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE.pdf")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_settings
def verify_command(settings: Settings, pdf: Path, as_json: bool) -> int:
    """Check a PDF's PDF/A-3 and PDF/UA-1 claims offline; exit 1 if any check fails."""
    from clinic_handouts.pdf.verify import print_verify_report, verify

    settings.applies("verify")
    report = verify(pdf)
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    else:
        print_verify_report(report)
    return 0 if report.passed else 1


def register(group: click.Group) -> None:
    for command in (handout, packet, batch, verify_command):
        group.add_command(command)
