"""The print station's commands: ``serve``, and the ``user`` and ``token`` accounts it checks."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from clinic_handouts.cli.main import Settings
from clinic_handouts.errors import HandoutError, Problem

pass_settings = click.make_pass_decorator(Settings)
DATA_DIR = click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where accounts and the audit log live (default: .station/ in the project).",
)


@click.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; keep 127.0.0.1 behind the clinic's TLS proxy.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--clinic", default=None, help="Clinic whose name and colours the pages use (default: example).")
@DATA_DIR
@pass_settings
def serve(settings: Settings, host: str, port: int, clinic: str | None, data_dir: Path | None) -> int:
    """Run the print station: a web app for the front desk and an API for the medical record."""
    settings.applies("serve", "clinic")
    from clinic_handouts.web import commands

    return commands.serve(settings.project, host=host, port=port, clinic=settings.clinic_for(clinic), data_dir=data_dir)


def _read_password() -> str:
    """From standard input: asked twice on a terminal, one line from a pipe."""
    if sys.stdin.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise HandoutError(Problem("no password on standard input; pipe it in or run on a terminal"))
    return line


@click.group()
def user() -> None:
    """Staff accounts of the print station."""


@user.command(name="add")
@click.argument("name")
@DATA_DIR
@pass_settings
def user_add(settings: Settings, name: str, data_dir: Path | None) -> int:
    """Add an account (or set its password); the password is read from standard input."""
    settings.applies("user add")
    from clinic_handouts.web import commands

    commands.add_user(settings.project, name, _read_password(), data_dir=data_dir)
    click.echo(f"user {name} saved")
    return 0


@user.command(name="remove")
@click.argument("name")
@DATA_DIR
@pass_settings
def user_remove(settings: Settings, name: str, data_dir: Path | None) -> int:
    """Remove an account."""
    settings.applies("user remove")
    from clinic_handouts.web import commands

    commands.remove_user(settings.project, name, data_dir=data_dir)
    click.echo(f"user {name} removed")
    return 0


@user.command(name="list")
@DATA_DIR
@pass_settings
def user_list(settings: Settings, data_dir: Path | None) -> int:
    """List the accounts."""
    settings.applies("user list")
    from clinic_handouts.web import commands

    for name in commands.list_users(settings.project, data_dir=data_dir):
        click.echo(name)
    return 0


@click.group()
def token() -> None:
    """API tokens for the medical record."""


@token.command(name="add")
@click.argument("name")
@DATA_DIR
@pass_settings
def token_add(settings: Settings, name: str, data_dir: Path | None) -> int:
    """Make a new API token; it is printed once, on a line of its own, and stored only hashed."""
    settings.applies("token add")
    from clinic_handouts.web import commands

    click.echo(commands.add_token(settings.project, name, data_dir=data_dir))
    return 0


@token.command(name="remove")
@click.argument("name")
@DATA_DIR
@pass_settings
def token_remove(settings: Settings, name: str, data_dir: Path | None) -> int:
    """Withdraw an API token; the system using it is refused from then on."""
    settings.applies("token remove")
    from clinic_handouts.web import commands

    commands.remove_token(settings.project, name, data_dir=data_dir)
    click.echo(f"token {name} removed")
    return 0


@click.command()
@click.option("--limit", type=click.IntRange(1, 100_000), default=200, show_default=True, help="Newest entries.")
@DATA_DIR
@pass_settings
def audit(settings: Settings, limit: int, data_dir: Path | None) -> int:
    """Who made or opened which visit's packet, and when (visit ids and user names, never patients)."""
    settings.applies("audit")
    from clinic_handouts.web import commands

    for line in commands.audit_log(settings.project, limit, data_dir=data_dir):
        click.echo(line)
    return 0


def register(group: click.Group) -> None:
    for command in (serve, user, token, audit):
        group.add_command(command)
