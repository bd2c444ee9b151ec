"""The command line: parse arguments, run one build step, report, set the exit status.

A ``HandoutError`` is printed as its problems, one per line, with exit status
1; any other exception is a bug and shows its traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .build import Built, build_handout, build_library
from .errors import HandoutError, Problem
from .library import Project


def _report(built: list[Built]) -> None:
    for item in built:
        print(f"wrote {item.path} ({item.pages} page{'s' if item.pages != 1 else ''})")
        for warning in item.warnings:
            print(f"  warning: {warning}", file=sys.stderr)


def _fail(problems: Sequence[Problem]) -> int:
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1


def cmd_default(args: argparse.Namespace, project: Project) -> int:
    """The main job: every handout with the example clinic into out/."""
    built, problems = build_library(project, args.clinic, out_dir=args.out_dir, strict=args.strict)
    _report(built)
    return _fail(problems) if problems else 0


def cmd_handout(args: argparse.Namespace, project: Project) -> int:
    built = build_handout(
        project, args.handout, args.clinic, paper=args.paper, output=args.output, strict=args.strict
    )
    _report([built])
    return 0


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

    handout = commands.add_parser("handout", help="render one handout to PDF")
    handout.add_argument("handout", metavar="ID_OR_PATH", help="handout id (botox) or YAML file")
    handout.add_argument("--clinic", default="example", help="clinic id or folder")
    handout.add_argument("--paper", choices=["letter", "a4"], default=None,
                         help="paper size (default: the clinic's)")
    handout.add_argument("-o", "--output", type=Path, default=None, help="PDF file to write")
    handout.add_argument("--strict", action="store_true", help="treat rendering warnings as errors")
    handout.set_defaults(run=cmd_handout)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    project = Project(args.root.resolve()) if args.root else Project()
    try:
        return args.run(args, project)
    except HandoutError as exc:
        return _fail(exc.problems)
