"""What the command line calls: ``serve``, ``user add/remove/list``, ``token add``.

User mistakes raise ``HandoutError`` (the command line prints them and exits 1).
The server's access log shows each request's path without its query string,
and no request carries a patient's detail in its path (forms are POSTs).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from .config import Settings, data_dir_for
from .core import HandoutError, Problem, Project
from .store import Store


class _NoQueryStrings(logging.Filter):
    """Uvicorn's access lines without query strings: a URL's query is the one place a detail could hide."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            args = list(record.args)
            path = args[2]
            if isinstance(path, str):
                args[2] = path.split("?", 1)[0]
                record.args = tuple(args)
        return True


def _store(project: Project, data_dir: Path | None) -> Store:
    """The account store; a folder that cannot be created or written is a user's problem, not a traceback."""
    folder = data_dir_for(project, data_dir)
    try:
        return Store(folder / "station.sqlite3")
    except (OSError, sqlite3.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise HandoutError(Problem(f"cannot open the station's data folder: {reason}", file=folder)) from None


def serve(
    project: Project, host: str = "127.0.0.1", port: int = 8000, clinic: str = "example", data_dir: Path | None = None
) -> int:
    """Run the print station until stopped (Ctrl-C or SIGTERM); prints where it listens. Returns the exit status."""
    import uvicorn

    from .app import create_app

    settings = Settings.from_env(project, clinic, data_dir)
    project.clinic_folder(clinic)  # an unknown clinic is a HandoutError before anything starts
    store = _store(project, data_dir)
    try:
        if not store.users():
            print("note: no staff accounts yet; add one with 'generate.py user add NAME'")
    finally:
        store.close()
    config = uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        server_header=False,
        date_header=True,
    )
    logging.getLogger("uvicorn.access").addFilter(_NoQueryStrings())
    server = uvicorn.Server(config)
    shown = f"[{host}]" if ":" in host else host
    print(
        f"print station for clinic '{clinic}' listening on http://{shown}:{port}/ (data in {settings.data_dir})",
        flush=True,
    )
    if host not in {"127.0.0.1", "localhost", "::1"}:
        print(
            "note: reachable from other machines; put it behind the clinic's TLS proxy "
            "and set CLINIC_HANDOUTS_SECURE_COOKIES=1",
            flush=True,
        )
    server.run()
    return 0


def add_user(project: Project, name: str, password: str, data_dir: Path | None = None) -> None:
    """Add a staff account, or set a new password for an existing one (which signs it out everywhere)."""
    store = _store(project, data_dir)
    try:
        store.add_user(name, password)
    finally:
        store.close()


def remove_user(project: Project, name: str, data_dir: Path | None = None) -> None:
    """Remove a staff account; its sessions end at once."""
    store = _store(project, data_dir)
    try:
        store.remove_user(name)
    finally:
        store.close()


def list_users(project: Project, data_dir: Path | None = None) -> list[str]:
    store = _store(project, data_dir)
    try:
        return store.users()
    finally:
        store.close()


def add_token(project: Project, name: str, data_dir: Path | None = None) -> str:
    """A new API token for a system such as the medical record; only its digest is stored, so print it once."""
    store = _store(project, data_dir)
    try:
        return store.add_token(name)
    finally:
        store.close()


def remove_token(project: Project, name: str, data_dir: Path | None = None) -> None:
    store = _store(project, data_dir)
    try:
        if store.remove_token(name) == 0:
            raise HandoutError(Problem(f"no token named '{name}'"))
    finally:
        store.close()


def audit_log(project: Project, limit: int = 200, data_dir: Path | None = None) -> list[str]:
    """The latest audit entries, newest first, as lines: time, user, action, visit id."""
    store = _store(project, data_dir)
    try:
        return [f"{e.at}\t{e.user}\t{e.action}\t{e.visit_id or ''}" for e in store.audit_entries(limit)]
    finally:
        store.close()
