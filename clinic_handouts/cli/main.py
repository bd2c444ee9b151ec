"""The command line's frame: global options, the one place errors become messages and exit statuses.

A ``HandoutError`` is printed as its problems, one per line, with exit status
1; a mistake in the command line itself (an unknown option, a global option
that does not apply) is one line with exit status 2; any other exception is a
bug and shows its traceback.

Global options (``--root``, ``--clinic``, ``--strict``, ``--out-dir``) are
honoured by every command they apply to, and refused with a message by the
others: never silently ignored or overwritten by a command's defaults.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from clinic_handouts import __version__
from clinic_handouts.content.library import Project
from clinic_handouts.errors import HandoutError, Problem

GLOBAL_FLAGS = {"clinic": "--clinic", "strict": "--strict", "out_dir": "--out-dir"}


@dataclass
class Settings:
    """The global options as given (None: not given), for the one command that runs."""

    project: Project
    clinic: str | None = None
    strict: bool = False
    out_dir: Path | None = None

    def given(self) -> set[str]:
        return {name for name in GLOBAL_FLAGS if getattr(self, name) not in (None, False)}

    def applies(self, command: str, *names: str) -> None:
        """Refuse the global options this command has no use for (say which, and why)."""
        unused = sorted(self.given() - set(names))
        if unused:
            flags = ", ".join(GLOBAL_FLAGS[n] for n in unused)
            raise click.UsageError(f"{flags} does not apply to '{command}'; leave it out")

    def clinic_for(self, local: str | None) -> str:
        """The clinic given before or after the command (the same, if both), else the example clinic."""
        if self.clinic and local and self.clinic != local:
            raise click.UsageError(f"--clinic given twice, as {self.clinic!r} and {local!r}; give it once")
        return local or self.clinic or "example"

    def out_dir_for(self, local: Path | None, flag: str) -> Path | None:
        """An output folder given before or after the command (the same, if both)."""
        if self.out_dir and local and self.out_dir.resolve() != local.resolve():
            raise click.UsageError(f"--out-dir and {flag} name different folders; give one of them")
        return local or self.out_dir

    def refuse_with_output(self, output: Path | None) -> None:
        """``-o FILE`` and ``--out-dir`` both say where the file goes: one of them must go."""
        if output is not None and self.out_dir is not None:
            raise click.UsageError("give either -o FILE or --out-dir DIR, not both")


def report_problems(problems: Sequence[Problem]) -> int:
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    return 1


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="clinic-handouts", message="%(prog)s %(version)s")
@click.option(
    "--root",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Project folder (default: this checkout, or the installed example project).",
)
@click.option("--clinic", default=None, help="Clinic id or folder (default: example).")
@click.option("--strict", is_flag=True, help="Treat rendering warnings as errors.")
@click.option("--out-dir", type=click.Path(path_type=Path), default=None, help="Output folder (default: out/).")
@click.pass_context
def cli(ctx: click.Context, root: Path | None, clinic: str | None, strict: bool, out_dir: Path | None) -> int | None:
    """Print-ready patient handouts from YAML content and clinic branding.

    Without a command: every handout with the clinic, and the example visits' packets, into out/.
    """
    project = Project(root.resolve()) if root else Project.default()
    ctx.obj = Settings(project, clinic, strict, out_dir)
    if ctx.invoked_subcommand is None:
        from clinic_handouts.cli.commands import main_job

        return main_job(ctx.obj)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    from clinic_handouts.cli import commands, content, station

    for group in (commands, content, station):
        group.register(cli)
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="generate.py", standalone_mode=False)
    except HandoutError as exc:
        return report_problems(exc.problems)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        return 2
    except click.UsageError as exc:
        hint = (
            f" (see 'generate.py {exc.ctx.command_path.split(' ', 1)[1]} --help')"
            if exc.ctx and " " in exc.ctx.command_path
            else " (see 'generate.py --help')"
        )
        click.echo(f"error: {exc.format_message()}{hint}", err=True)
        return 2
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.Abort:
        click.echo("error: stopped", err=True)
        return 1
    sys.stdout.flush()
    return result if isinstance(result, int) else 0
