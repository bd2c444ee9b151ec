"""The command line: parse arguments, run one build step, report, set the exit status.

A ``HandoutError`` is printed as its problems, one per line, with exit status
1; any other exception is a bug and shows its traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from rich.console import Console

from clinic_handouts.batch.cache import VariantCache
from clinic_handouts.batch.runner import run_batch
from clinic_handouts.batch.schedule import RowResult
from clinic_handouts.build import Built, build_handout, build_library, build_packets, example_visits
from clinic_handouts.checks.checker import check
from clinic_handouts.checks.report import as_json, print_report
from clinic_handouts.content.importing import import_page
from clinic_handouts.content.library import Project
from clinic_handouts.content.scaffold import new_handout
from clinic_handouts.content.schema import write_schemas
from clinic_handouts.errors import HandoutError, Problem
from clinic_handouts.pdf.verify import print_verify_report, verify


def _report(built: list[Built]) -> None:
    for item in built:
        print(f"wrote {item.path} ({item.pages} page{'s' if item.pages != 1 else ''})")
        if item.fhir:
            print(f"wrote {item.fhir}")
        for warning in item.warnings:
            print(f"  warning: {warning}", file=sys.stderr)


def _fail(problems: Sequence[Problem]) -> int:
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1


def cmd_default(args: argparse.Namespace, project: Project) -> int:
    """The main job: every handout with the example clinic, and the example visits' packets, into out/."""
    out_dir = args.out_dir or project.root / "out"
    built, problems = build_library(project, args.clinic, out_dir=out_dir, strict=args.strict)
    packets, packet_problems = build_packets(project, example_visits(project), out_dir, strict=args.strict)
    _report(built + packets)
    return _fail(problems + packet_problems) if problems or packet_problems else 0


def cmd_handout(args: argparse.Namespace, project: Project) -> int:
    built = build_handout(
        project, args.handout, args.clinic, paper=args.paper, output=args.output, strict=args.strict,
        large_print=args.large_print,
    )
    _report([built])
    return 0


def cmd_packet(args: argparse.Namespace, project: Project) -> int:
    built, problems = build_packets(
        project, [args.visit], project.root / "out", duplex=not args.no_duplex, strict=args.strict,
        large_print=args.large_print, fhir=args.fhir, output=args.output,
    )
    if problems:
        return _fail(problems)
    _report(built)
    return 0


def cmd_batch(args: argparse.Namespace, project: Project) -> int:
    out_dir = args.output or project.root / "out" / "packets"
    progress = None
    if sys.stderr.isatty():
        from rich.progress import Progress

        # Refreshed by hand as results arrive: no refresh thread may run while the batch forks workers.
        progress = Progress(transient=True, auto_refresh=False)
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
        task = progress.add_task("packets", total=None)
    try:
        cache = None if args.no_cache else VariantCache.for_project(project)
        report = run_batch(project, args.schedule, out_dir, jobs=args.jobs, duplex=not args.no_duplex,
                           strict=args.strict, on_result=on_result, on_start=on_start, fhir=args.fhir, cache=cache)
    finally:
        if progress is not None:
            progress.stop()
    for result in sorted(errors, key=lambda r: r.row):
        print(f"error: {args.schedule}: row {result.row}, visit {result.visit_id or '(no id)'}: {result.error}",
              file=sys.stderr)
    print(report.summary() + f"; manifest: {out_dir / 'manifest.json'}")
    return 1 if report.failed else 0


def cmd_verify(args: argparse.Namespace, project: Project) -> int:
    """What the file claims, checked offline; exit 1 if any check fails."""
    report = verify(args.pdf)
    if args.json:
        print(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    else:
        print_verify_report(report)
    return 0 if report.passed else 1


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="generate.py",
        description="Print-ready patient handouts from YAML content and clinic branding.",
    )
    main.add_argument("--root", type=Path, default=None, help="project folder (default: this checkout)")
    main.add_argument("--strict", action="store_true", help="treat rendering warnings as errors")
    main.add_argument("--clinic", default="example", help="clinic id or folder (default: example)")
    main.add_argument("--out-dir", type=Path, default=None, help="output folder (default: out/)")
    main.set_defaults(run=cmd_default)
    commands = main.add_subparsers(title="commands", metavar="COMMAND")
    _content_tools(commands)

    handout = commands.add_parser("handout", help="render one handout to PDF")
    handout.add_argument("handout", metavar="ID_OR_PATH", help="handout id (botox) or YAML file")
    handout.add_argument("--clinic", default="example", help="clinic id or folder")
    handout.add_argument("--paper", choices=["letter", "a4"], default=None,
                         help="paper size (default: the clinic's; another size adds it to the file name)")
    handout.add_argument("-o", "--output", type=Path, default=None, help="PDF file to write")
    handout.add_argument("--strict", action="store_true", help="treat rendering warnings as errors")
    handout.add_argument("--large-print", action="store_true", help="18 pt body, wide margins, one column")
    handout.set_defaults(run=cmd_handout)

    packet = commands.add_parser("packet", help="render one visit's packet (cover and handouts) to PDF")
    packet.add_argument("visit", type=Path, metavar="VISIT.yaml", help="the visit file")
    packet.add_argument("-o", "--output", type=Path, default=None, help="PDF file (default: out/DATE_VISITID.pdf)")
    packet.add_argument("--no-duplex", action="store_true", help="do not pad handouts to start on odd pages")
    packet.add_argument("--strict", action="store_true", help="treat rendering warnings as errors")
    packet.add_argument("--large-print", action="store_true",
                        help="large print even if the visit does not ask for it")
    packet.add_argument("--fhir", action="store_true",
                        help="also write DATE_VISITID.fhir.json (a FHIR R4 DocumentReference) beside the PDF")
    packet.set_defaults(run=cmd_packet)

    batch = commands.add_parser("batch", help="one packet per row of the day's schedule CSV")
    batch.add_argument("schedule", type=Path, metavar="SCHEDULE.csv")
    batch.add_argument("-o", "--output", type=Path, default=None, metavar="DIR",
                       help="output folder (default: out/packets/)")
    batch.add_argument("--jobs", type=int, default=2, help="worker processes (default: 2)")
    batch.add_argument("--no-duplex", action="store_true", help="do not pad handouts to start on odd pages")
    batch.add_argument("--no-cache", action="store_true",
                       help="render every handout afresh (default: reuse those kept in .cache/ since the last run)")
    batch.add_argument("--strict", action="store_true", help="treat rendering warnings as errors")
    batch.add_argument("--fhir", action="store_true",
                       help="also write DATE_VISITID.fhir.json (a FHIR R4 DocumentReference) beside each PDF")
    batch.set_defaults(run=cmd_batch)

    verify = commands.add_parser("verify", help="check a PDF's PDF/A-3 and PDF/UA-1 claims offline")
    verify.add_argument("pdf", type=Path, metavar="FILE.pdf")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.set_defaults(run=cmd_verify)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    project = Project(args.root.resolve()) if args.root else Project()
    try:
        return args.run(args, project)
    except HandoutError as exc:
        return _fail(exc.problems)


# --- content tools: import, check, new, schema ------------------------------


def cmd_import(args: argparse.Namespace, project: Project) -> int:
    """Write a handout YAML file from one of the clinic's web pages."""
    done = import_page(project, args.page, args.output, force=args.force)
    print(f"wrote {done.path}: {done.handout.title}, status sample; review it, then set review.reviewed_by")
    for line in done.skipped:
        print(f"  skipped page residue: {line}", file=sys.stderr)
    return 0


def cmd_check(args: argparse.Namespace, project: Project) -> int:
    """Check every content file; errors fail, warnings fail only with --strict."""
    report = check(project, args.paths or None, clinic_ref=args.clinic, today=args.today)
    if args.json:
        print(json.dumps(as_json(report, args.strict), indent=2, ensure_ascii=False))
    else:
        print_report(report, Console(), args.strict)
    return 1 if report.failed(args.strict) else 0


def cmd_new(args: argparse.Namespace, project: Project) -> int:
    path = new_handout(project, args.id)
    print(f"wrote {path}: fill in every [Write here: ...], then run 'generate.py check'")
    return 0


def cmd_schema(args: argparse.Namespace, project: Project) -> int:
    for path in write_schemas(args.out_dir or project.root / "schema"):
        print(f"wrote {path}")
    return 0


def _content_tools(commands: argparse._SubParsersAction) -> None:
    """The import, check, new and schema subcommands."""
    imp = commands.add_parser("import", help="make a handout YAML file from a clinic web page (text or HTML)")
    imp.add_argument("page", type=Path, metavar="PAGE", help="the page saved as .txt or .html")
    imp.add_argument("-o", "--output", type=Path, default=None, help="YAML file (default: handouts/<title>.yaml)")
    imp.add_argument("--force", action="store_true", help="replace the file if it exists")
    imp.set_defaults(run=cmd_import)

    chk = commands.add_parser("check", help="check handouts, translations, clinics and visits before printing")
    chk.add_argument("paths", type=Path, nargs="*", metavar="PATH",
                     help="files or folders (default: handouts/, clinics/, examples/)")
    chk.add_argument("--clinic", default="example", help="clinic whose reading grade target applies")
    chk.add_argument("--strict", action="store_true", help="warnings fail too")
    chk.add_argument("--json", action="store_true", help="print JSON (keys in clinic_handouts/check_report.py)")
    chk.add_argument("--today", type=date.fromisoformat, default=None, help="date for review checks (YYYY-MM-DD)")
    chk.set_defaults(run=cmd_check)

    new = commands.add_parser("new", help="start handouts/ID.yaml from the standard outline")
    new.add_argument("id", metavar="ID", help="the new handout's id, e.g. epidural-steroid-injection")
    new.set_defaults(run=cmd_new)

    schema = commands.add_parser("schema", help="write schema/*.schema.json from the models")
    schema.add_argument("--out-dir", type=Path, default=None, help="folder (default: schema/)")
    schema.set_defaults(run=cmd_schema)
