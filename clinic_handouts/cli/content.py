"""The commands that write content files: ``import``, ``check``, ``new`` and ``schema``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
from rich.console import Console

from clinic_handouts.checks.checker import check
from clinic_handouts.checks.report import as_json, print_report
from clinic_handouts.cli.main import Settings
from clinic_handouts.content.importing import import_page
from clinic_handouts.content.scaffold import new_handout
from clinic_handouts.content.schema import write_schemas

pass_settings = click.make_pass_decorator(Settings)


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD", param_hint="--today") from None


@click.command(name="import")
@click.argument("page", type=click.Path(path_type=Path, dir_okay=False), metavar="PAGE")
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), default=None, help="YAML file (default: handouts/<title>.yaml)."
)
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@click.option("--title", default=None, metavar="TEXT", help="The handout's title, for a page that has none.")
@pass_settings
def import_command(settings: Settings, page: Path, output: Path | None, force: bool, title: str | None) -> int:
    """Make a handout YAML file from a clinic web page saved as .txt or .html."""
    settings.applies("import")
    done = import_page(settings.project, page, output, force=force, title=title)
    click.echo(f"wrote {done.path}: {done.handout.title}, status sample; review it, then set review.reviewed_by")
    for line in done.skipped:
        click.echo(f"  skipped page residue: {line}", err=True)
    return 0


@click.command(name="check")
@click.argument("paths", type=click.Path(path_type=Path), nargs=-1, metavar="[PATH]...")
@click.option("--clinic", default=None, help="Clinic whose reading grade target applies (default: example).")
@click.option("--strict", is_flag=True, help="Warnings fail too.")
@click.option("--json", "json_out", is_flag=True, help="Print JSON (keys in clinic_handouts/checks/report.py).")
@click.option("--today", default=None, metavar="YYYY-MM-DD", help="Date for review checks.")
@pass_settings
def check_command(
    settings: Settings, paths: tuple[Path, ...], clinic: str | None, strict: bool, json_out: bool, today: str | None
) -> int:
    """Check handouts, translations, clinics and visits before printing (default: handouts/, clinics/,
    examples/)."""
    settings.applies("check", "clinic", "strict")
    strict = settings.strict or strict
    report = check(settings.project, list(paths) or None, clinic_ref=settings.clinic_for(clinic), today=_date(today))
    if json_out:
        click.echo(json.dumps(as_json(report, strict), indent=2, ensure_ascii=False))
    else:
        print_report(report, Console(emoji=False, highlight=False), strict)
    return 1 if report.failed(strict) else 0


@click.command(name="new")
@click.argument("handout_id", metavar="ID")
@pass_settings
def new_command(settings: Settings, handout_id: str) -> int:
    """Start handouts/ID.yaml from the standard outline (ID such as epidural-steroid-injection)."""
    settings.applies("new")
    path = new_handout(settings.project, handout_id)
    click.echo(f"wrote {path}: fill in every [Write here: ...], then run 'generate.py check'")
    return 0


@click.command(name="schema")
@click.option(
    "--out-dir", type=click.Path(path_type=Path, file_okay=False), default=None, help="Folder (default: schema/)."
)
@pass_settings
def schema_command(settings: Settings, out_dir: Path | None) -> int:
    """Write schema/*.schema.json from the models, for editors."""
    settings.applies("schema", "out_dir")
    for path in write_schemas(settings.out_dir_for(out_dir, "--out-dir") or settings.project.root / "schema"):
        click.echo(f"wrote {path}")
    return 0


def register(group: click.Group) -> None:
    for command in (import_command, check_command, new_command, schema_command):
        group.add_command(command)
