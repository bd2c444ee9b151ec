"""Accounts, API tokens, sessions, login failures and the audit log, in one SQLite file.

Why SQLite: one file in the station's data folder, safe for the few writes a
front desk makes, readable by the IT person with ``sqlite3``. Passwords are
argon2 hashes; API tokens and session ids are random and stored as SHA-256
digests (they carry enough entropy that a slow hash adds nothing), so a copy
of the file lets nobody in. The audit log names users and visit ids, never a
patient.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .core import HandoutError, Problem

USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 10
TOKEN_PREFIX = "chs_"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, hash TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    digest TEXT PRIMARY KEY, name TEXT NOT NULL, created TEXT NOT NULL, last_used TEXT);
CREATE TABLE IF NOT EXISTS sessions (
    digest TEXT PRIMARY KEY, user TEXT NOT NULL, csrf TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS failures (key TEXT PRIMARY KEY, count INTEGER NOT NULL, last REAL NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL, visit_id TEXT);
"""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Session:
    user: str
    csrf: str
    expires: float


@dataclass(frozen=True)
class AuditEntry:
    at: str
    user: str
    action: str
    visit_id: str | None


class Store:
    """The station's SQLite file; safe to share between the server's threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            path.touch(mode=0o600)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; no fsync on every token check
        self._db.executescript(_SCHEMA)
        self._hasher = PasswordHasher()
        #: verified against when the user does not exist, so a wrong name takes as long as a wrong password
        self._dummy: str | None = None

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- users -------------------------------------------------------------

    def add_user(self, name: str, password: str) -> None:
        """Add a staff account, or give an existing one a new password (argon2-hashed)."""
        if not USER_NAME.match(name):
            raise HandoutError(
                Problem(f"'{name}' is not a valid user name; use letters, digits, '.', '_', '@' and '-' (at most 64)")
            )
        if len(password) < MIN_PASSWORD:
            raise HandoutError(Problem(f"the password is too short; use at least {MIN_PASSWORD} characters"))
        hashed = self._hasher.hash(password)
        with self._tx() as db:
            # An existing user gets the new password, and is signed out everywhere.
            db.execute("DELETE FROM sessions WHERE user = ?", (name,))
            db.execute(
                "INSERT INTO users VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET hash = excluded.hash",
                (name, hashed, _now()),
            )

    def remove_user(self, name: str) -> None:
        """Remove the account and end its sessions at once."""
        with self._tx() as db:
            if db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 0:
                raise HandoutError(Problem(f"no user '{name}'; see 'user list'"))
            db.execute("DELETE FROM sessions WHERE user = ?", (name,))

    def users(self) -> list[str]:
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT name FROM users ORDER BY name")]

    def verify(self, name: str, password: str) -> bool:
        """Whether the password is the user's (argon2; as slow for an unknown name as for a known one)."""
        with self._lock:
            row = self._db.execute("SELECT hash FROM users WHERE name = ?", (name,)).fetchone()
        if row is None and self._dummy is None:
            self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
        stored = str(row[0]) if row else str(self._dummy)
        try:
            return self._hasher.verify(stored, password) and row is not None
        except (VerificationError, InvalidHashError):
            return False

    # --- API tokens ----------------------------------------------------------

    def add_token(self, name: str) -> str:
        """A new token for a system (the medical record); only its digest is kept, so it is shown once."""
        if not USER_NAME.match(name):
            raise HandoutError(
                Problem(f"'{name}' is not a valid token name; use letters, digits, '.', '_', '@' and '-' (at most 64)")
            )
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._tx() as db:
            db.execute("INSERT INTO tokens VALUES (?, ?, ?, NULL)", (digest(token), name, _now()))
        return token

    def remove_token(self, name: str) -> int:
        with self._tx() as db:
            return db.execute("DELETE FROM tokens WHERE name = ?", (name,)).rowcount

    def token_user(self, token: str) -> str | None:
        """The name a token was issued to, or None."""
        key = digest(token)
        with self._lock:
            row = self._db.execute("SELECT name, last_used FROM tokens WHERE digest = ?", (key,)).fetchone()
        if row is None:
            return None
        now = _now()
        if (row[1] or "")[:16] != now[:16]:  # last use kept to the minute: one write a minute, not one a request
            with self._tx() as db:
                db.execute("UPDATE tokens SET last_used = ? WHERE digest = ?", (now, key))
        return str(row[0])

    # --- sessions ---------------------------------------------------------------

    def new_session(self, user: str, hours: float) -> tuple[str, Session]:
        """A new session id (for the cookie) and its record; expired sessions are swept at the same time."""
        session_id = secrets.token_urlsafe(32)
        session = Session(user, secrets.token_urlsafe(32), time.time() + hours * 3600)
        with self._tx() as db:
            db.execute("DELETE FROM sessions WHERE expires < ?", (time.time(),))
            db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?)",
                (digest(session_id), session.user, session.csrf, session.expires),
            )
        return session_id, session

    def session(self, session_id: str) -> Session | None:
        with self._lock:
            row = self._db.execute(
                "SELECT s.user, s.csrf, s.expires FROM sessions s JOIN users u ON u.name = s.user "
                "WHERE s.digest = ? AND s.expires > ?",
                (digest(session_id), time.time()),
            ).fetchone()
        return Session(*row) if row else None

    def end_session(self, session_id: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM sessions WHERE digest = ?", (digest(session_id),))

    # --- login throttle -----------------------------------------------------------

    def wait_seconds(self, keys: dict[str, int], cap: int) -> int:
        """How long the next login try must wait; ``keys``: each throttled key (the user name, the address)
        with the failures it may have for free; after those, 30 s doubling with each failure up to ``cap``."""
        now = time.time()
        wait = 0.0
        with self._lock:
            for key, free in keys.items():
                row = self._db.execute("SELECT count, last FROM failures WHERE key = ?", (key,)).fetchone()
                if row and row[0] >= free:
                    delay = min(cap, 30 * 2 ** min(row[0] - free, 20))
                    wait = max(wait, row[1] + delay - now)
        return max(0, int(wait + 0.999))

    def failed(self, keys: list[str]) -> None:
        with self._tx() as db:
            for key in keys:
                db.execute(
                    "INSERT INTO failures VALUES (?, 1, ?) ON CONFLICT(key) DO UPDATE "
                    "SET count = count + 1, last = excluded.last",
                    (key, time.time()),
                )

    def succeeded(self, keys: list[str]) -> None:
        with self._tx() as db:
            db.executemany("DELETE FROM failures WHERE key = ?", [(k,) for k in keys])

    # --- audit --------------------------------------------------------------------

    def audit(self, user: str, action: str, visit_ids: list[str] | None = None) -> None:
        """Record who did what to which visits' packets (visit ids only: never a patient's detail)."""
        rows = [(_now(), user, action, v) for v in (visit_ids or [None])]  # type: ignore[list-item]
        with self._tx() as db:
            db.executemany("INSERT INTO audit (at, user, action, visit_id) VALUES (?, ?, ?, ?)", rows)

    def audit_entries(self, limit: int = 1000) -> list[AuditEntry]:
        with self._lock:
            rows = self._db.execute(
                "SELECT at, user, action, visit_id FROM audit ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [AuditEntry(*row) for row in rows]
