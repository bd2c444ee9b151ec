"""Signing in and out, and what the sign-in page itself needs: the clinic's style, logo and reading font.

These are the only pages and files open without a session. The sign-in form
has its own double-submit CSRF token (there is no session yet); a wrong
password counts against the user name and the address (``Store.wait_seconds``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .pages import Person, see_other, station_of
from .security import (
    CSRF_FIELD,
    LOGIN_COOKIE,
    User,
    check_csrf,
    clear_session_cookie,
    login_token,
    safe_next,
    same,
    session_user,
    set_login_cookie,
    set_session_cookie,
    throttle_keys,
)
from .views import clinic_css, page

router = APIRouter(include_in_schema=False)


# --- signing in -----------------------------------------------------------------


@router.get("/login")
async def login_page(request: Request) -> Response:
    if person_or_none(request):
        return see_other("/")
    return _login(request, None, 200)


def person_or_none(request: Request) -> User | None:
    return session_user(request, station_of(request).store)


def _login(request: Request, message: str | None, status: int, username: str = "") -> Response:
    token = login_token(request)
    response = page(
        request,
        "login.html",
        None,
        status,
        login_csrf=token,
        message=message,
        username=username,
        next=safe_next(request.query_params.get("next")),
    )
    set_login_cookie(response, token, station_of(request).settings.secure_cookies)
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    station = station_of(request)
    form = await request.form()
    username = str(form.get("username", "")).strip()[:64]
    password = str(form.get("password", ""))[:1024]
    if not same(request.cookies.get(LOGIN_COOKIE, ""), str(form.get(CSRF_FIELD, ""))):
        return _login(request, "The sign-in form had expired. Please try again.", 403, username)
    keys = throttle_keys(username, request.client.host if request.client else "unknown")
    wait = station.store.wait_seconds(keys, station.settings.login_max_wait_seconds)
    if wait:
        return _login(request, f"Too many failed sign-ins. Wait {wait} seconds, then try again.", 429, username)
    if not username or not password or not await asyncio.to_thread(station.store.verify, username, password):
        station.store.failed(list(keys))
        return _login(request, "That user name and password do not match. Please try again.", 401, username)
    station.store.succeeded(list(keys))
    session_id, _ = station.store.new_session(username, station.settings.session_hours)
    station.store.audit(username, "signed in")
    response = see_other(safe_next(str(form.get("next", "/"))))
    set_session_cookie(response, session_id, station.settings.session_hours, station.settings.secure_cookies)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request, user: Person) -> Response:
    form = await request.form()
    check_csrf(user, str(form.get(CSRF_FIELD, "")))
    station = station_of(request)
    if user.session_id:
        station.store.end_session(user.session_id)
    station.store.audit(user.name, "signed out")
    response = see_other("/login")
    clear_session_cookie(response, station.settings.secure_cookies)
    return response


@router.get("/clinic/logo")
async def clinic_logo(request: Request) -> Response:
    """The clinic's logo from its folder (public, like the stylesheet: it is on the sign-in page)."""
    clinic = station_of(request).clinic
    folder = Path(clinic.folder).resolve()
    path = (folder / clinic.logo).resolve()
    types = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
    if path.suffix.lower() not in types or not path.is_relative_to(folder) or not path.is_file():
        return Response(status_code=404)  # only a file of the clinic's own folder (no symlink out of it)
    data = await asyncio.to_thread(path.read_bytes)
    return Response(
        data,
        media_type=types[path.suffix.lower()],
        headers={"cache-control": "max-age=300", "content-security-policy": "default-src 'none'"},
    )


@router.get("/clinic.css")
async def clinic_style(request: Request) -> Response:
    colours = station_of(request).clinic.colours
    return Response(
        clinic_css(colours.primary, colours.accent), media_type="text/css", headers={"cache-control": "max-age=300"}
    )


FONTS = {"AtkinsonHyperlegible-Regular.ttf", "AtkinsonHyperlegible-Bold.ttf"}


@router.get("/fonts/{name}")
async def font(request: Request, name: str) -> Response:
    """The project's bundled reading font (SIL OFL), so the pages need no font from the network."""
    if name not in FONTS:
        return Response(status_code=404)
    path = station_of(request).project.styles_dir / "fonts" / name
    data = await asyncio.to_thread(path.read_bytes)
    return Response(data, media_type="font/ttf", headers={"cache-control": "max-age=86400"})
