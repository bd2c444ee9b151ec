"""Who may use the station: session cookies for people, bearer tokens for systems, CSRF on every form.

Why this shape: the pages show patient details, so every route but the login
page, the health check and static files needs a signed-in person or a token.
A session id is random, kept server-side (as a digest) with its CSRF token,
and ends after a working day, at logout, or when the user is removed. The
cookie is HttpOnly and SameSite=Lax (Secure behind TLS). Forms carry the
session's CSRF token; the login form, before any session, a double-submit
token. A wrong password is slowed down after a few tries, per user name and
per address.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request
from starlette.responses import Response

from .store import Session, Store

SESSION_COOKIE = "station_session"
LOGIN_COOKIE = "station_login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
#: failures allowed before waiting: per user name, and (shared by everyone behind one proxy) per address
FREE_PER_USER = 5
FREE_PER_ADDRESS = 20


class LoginRequiredError(Exception):
    """A page was asked for without a session: the answer is a redirect to /login."""


class NotAuthenticatedError(Exception):
    """An API route was asked for without a valid token or session: the answer is 401."""


class BadCsrfError(Exception):
    """A form came without its CSRF token (or with another session's)."""


@dataclass(frozen=True)
class User:
    """Who is asking: a person (with their session) or a system (by its token's name)."""

    name: str
    session: Session | None = None
    session_id: str | None = None

    @property
    def csrf(self) -> str:
        return self.session.csrf if self.session else ""


def same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


def session_user(request: Request, store: Store) -> User | None:
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    session = store.session(session_id)
    return User(session.user, session, session_id) if session else None


def bearer_user(request: Request, store: Store) -> User | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    name = store.token_user(token.strip())
    return User(name) if name else None


def check_csrf(user: User, submitted: str | None) -> None:
    if user.session is None or not same(user.session.csrf, submitted or ""):
        raise BadCsrfError


def set_session_cookie(response: Response, session_id: str, hours: float, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE, session_id, max_age=int(hours * 3600), httponly=True, samesite="lax", secure=secure, path="/"
    )


def clear_session_cookie(response: Response, secure: bool) -> None:
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", secure=secure, path="/")


def login_token(request: Request) -> str:
    """The login form's double-submit token: the cookie's if there is one, else a new one."""
    return request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)


def set_login_cookie(response: Response, token: str, secure: bool) -> None:
    response.set_cookie(
        LOGIN_COOKIE, token, max_age=3600, httponly=True, samesite="strict", secure=secure, path="/login"
    )


def throttle_keys(name: str, address: str) -> dict[str, int]:
    return {f"user:{name.lower()}": FREE_PER_USER, f"address:{address}": FREE_PER_ADDRESS}


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this station only (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
        "frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "SAMEORIGIN",
    "cache-control": "no-store",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
