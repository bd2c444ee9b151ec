"""The pages people use: sign in, Today, New packet, Library, and the packets they open.

Every form is a POST with the session's CSRF token, so nothing a desk types
ends up in a URL (or in the server's access log); URLs carry visit ids and
handout ids only. Packets are answered ``no-store`` from memory.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from . import forms
from .core import HandoutError
from .day import FAILED
from .images import NoPictureError, page_png
from .pool import BusyError, RendererError
from .security import (
    CSRF_FIELD,
    LOGIN_COOKIE,
    LoginRequiredError,
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
from .station import Station
from .uploads import NotAFormError, TooLargeError, read_form, schedule_text
from .views import clinic_css, page

router = APIRouter(include_in_schema=False)
VISIT_ID = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
HANDOUT_ID = r"[a-z0-9][a-z0-9_-]*"
MAX_PREVIEW_PAGES = 12


def station_of(request: Request) -> Station:
    return request.app.state.station  # type: ignore[no-any-return]


def person(request: Request) -> User:
    """The signed-in person; pages without a session redirect to /login."""
    user = session_user(request, station_of(request).store)
    if user is None:
        raise LoginRequiredError
    return user


Person = Annotated[User, Depends(person)]


def pdf_response(data: bytes, filename: str) -> Response:
    return Response(data, media_type="application/pdf",
                    headers={"content-disposition": f'inline; filename="{filename}"'})


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


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
    response = page(request, "login.html", None, status, login_csrf=token, message=message, username=username,
                    next=safe_next(request.query_params.get("next")))
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


@router.get("/clinic.css")
async def clinic_style(request: Request) -> Response:
    colours = station_of(request).clinic.colours
    return Response(clinic_css(colours.primary, colours.accent), media_type="text/css",
                    headers={"cache-control": "max-age=300"})


# --- today ------------------------------------------------------------------------


async def _today(request: Request, user: User, message: str | None = None, status: int = 200) -> Response:
    station = station_of(request)
    day = station.day
    titles = {e.id: e.title for e in await station.catalog.entries()}
    return page(request, "today.html", user, status, day=day, counts=day.counts() if day else {},
                message=message, files=[p.name for p in station.schedule_files()], titles=titles,
                max_mb=station.settings.max_upload_bytes // (1024 * 1024))


@router.get("/")
async def today(request: Request, user: Person) -> Response:
    return await _today(request, user)


@router.post("/today/upload")
async def upload(request: Request, user: Person) -> Response:
    station = station_of(request)
    limit = station.settings.max_upload_bytes
    try:
        form = await read_form(request, limit)
    except TooLargeError:
        return await _today(request, user, f"The file is larger than {limit // (1024 * 1024)} MB, so it is not a day's "
                      "schedule. Export only the day's visits as CSV.", 413)
    except NotAFormError:
        return await _today(request, user, "Choose the schedule file, then press Load schedule.", 400)
    check_csrf(user, form.fields.get(CSRF_FIELD))
    _, data = form.files.get("schedule", ("", b""))
    return await _load(request, user, data, "upload")


async def _load(request: Request, user: User, data: bytes, source: str) -> Response:
    station = station_of(request)
    try:
        text = schedule_text(data, station.settings.max_upload_bytes)
        station.load_day(text, source, user.name)
    except ValueError as exc:
        return await _today(request, user, str(exc), 400)
    except HandoutError as exc:
        reasons = "; ".join(p.message for p in exc.problems)
        return await _today(request, user, f"This file is not a day's schedule: {reasons}.", 400)
    return see_other("/")


@router.post("/today/folder")
async def load_from_folder(request: Request, user: Person) -> Response:
    station = station_of(request)
    form = await request.form()
    check_csrf(user, str(form.get(CSRF_FIELD, "")))
    wanted = str(form.get("file", ""))
    found = next((p for p in station.schedule_files() if p.name == wanted), None)
    if found is None:
        return await _today(request, user, "That file is no longer in the schedule folder.", 404)
    if found.stat().st_size > station.settings.max_upload_bytes:
        return await _today(request, user, "That file is larger than 5 MB, so it is not a day's schedule.", 413)
    return await _load(request, user, await asyncio.to_thread(found.read_bytes), "folder")


@router.post("/today/clear")
async def clear(request: Request, user: Person) -> Response:
    form = await request.form()
    check_csrf(user, str(form.get(CSRF_FIELD, "")))
    station_of(request).clear_day()
    station_of(request).store.audit(user.name, "cleared the day")
    return see_other("/")


@router.get("/today/status")
async def day_status(request: Request, user: Person) -> Response:
    day = station_of(request).day
    if day is None:
        return JSONResponse({"loaded": False})
    return JSONResponse({
        "loaded": True, "building": day.building, "counts": day.counts(),
        "rows": [{"row": r.row, "status": r.status, "pages": r.pages} for r in day.rows],
    })


@router.get("/today/all.pdf")
async def day_pdf(request: Request, user: Person) -> Response:
    station = station_of(request)
    try:
        data = await station.day_pdf(user.name)
    except HandoutError:
        return await _today(request, user, "No packets are ready yet.", 409)
    dates = sorted({r.visit.date for r in station.day.ready_rows() if r.visit}) if station.day else []
    name = f"{dates[0].isoformat() if dates else 'day'}_all-packets.pdf"
    return pdf_response(data, name)


@router.get("/packets/{visit_id}.pdf")
async def open_packet(request: Request, user: Person, visit_id: str) -> Response:
    station = station_of(request)
    found = await station.packet_bytes(visit_id) if re.fullmatch(VISIT_ID, visit_id) else None
    if found is None:
        return page(request, "missing.html", user, 404, what="packet")
    visit, data = found
    station.store.audit(user.name, "opened", [visit.visit_id])
    return pdf_response(data, f"{visit.date.isoformat()}_{visit.visit_id}.pdf")


@router.get("/packets/{visit_id}/page-{number}.png")
async def packet_page(request: Request, user: Person, visit_id: str, number: int) -> Response:
    station = station_of(request)
    found = await station.packet_bytes(visit_id) if re.fullmatch(VISIT_ID, visit_id) else None
    if found is None or not 1 <= number <= MAX_PREVIEW_PAGES:
        return Response(status_code=404)
    try:
        return Response(await page_png(found[1], number, 420), media_type="image/png")
    except NoPictureError:
        return Response(status_code=404)


# --- a walk-in packet ------------------------------------------------------------------


async def _new(request: Request, user: User, walk_in: forms.WalkIn, status: int = 200, row: int | None = None
               ) -> Response:
    station = station_of(request)
    entries = await station.catalog.entries()
    languages = sorted({lang for e in entries for lang in e.languages} | {"en", "es", "vi", "ar", "zh"})
    return page(request, "new.html", user, status, form=walk_in, entries=entries, languages=languages,
                labels=forms.LABELS, day_row=row)


@router.get("/new")
async def new_form(request: Request, user: Person, row: int | None = None) -> Response:
    station = station_of(request)
    if row is not None and station.day and (found := station.day.row(row)) is not None and found.status == FAILED:
        walk_in = forms.from_cells(found.cells)
        walk_in.general = [f"Row {row} of the schedule: {reason}" for reason in found.reasons]
        return await _new(request, user, walk_in, row=row)
    return await _new(request, user, forms.blank(dt.date.today()))


@router.post("/new")
async def make_walk_in(request: Request, user: Person) -> Response:
    station = station_of(request)
    form = await request.form()
    check_csrf(user, str(form.get(CSRF_FIELD, "")))
    day_row = int(str(form.get("day_row"))) if str(form.get("day_row", "")).isdigit() else None
    walk_in, visit = forms.read(form, station.clinic.id, station.next_walk_in_id(dt.date.today()))
    if visit is None:
        return await _new(request, user, walk_in, 422, day_row)
    try:
        built = await station.make_packet(visit, user.name, "made (walk-in)")
    except HandoutError as exc:
        walk_in.add(exc.problems)
        return await _new(request, user, walk_in, 422, day_row)
    except (BusyError, RendererError):
        walk_in.general.append("The station could not make the packet just now. Please press Make packet again.")
        return await _new(request, user, walk_in, 503, day_row)
    if day_row is not None or (station.day and station.day.by_visit(visit.visit_id)):
        station.day_row_fixed(day_row or -1, visit, built)
    return page(request, "packet.html", user, 201, visit=visit, built=built,
                previews=range(1, min(built.pages, MAX_PREVIEW_PAGES) + 1))


# --- the library ---------------------------------------------------------------------


@router.get("/library")
async def library(request: Request, user: Person) -> Response:
    entries = await station_of(request).catalog.entries()
    return page(request, "library.html", user, entries=entries, today=dt.date.today())


async def _known(request: Request, handout_id: str, language: str) -> bool:
    entry = await station_of(request).catalog.entry(handout_id) if re.fullmatch(HANDOUT_ID, handout_id) else None
    return entry is not None and language in entry.languages


@router.get("/library/{handout_id}/{language}.pdf")
async def handout_pdf(request: Request, user: Person, handout_id: str, language: str) -> Response:
    if not await _known(request, handout_id, language):
        return page(request, "missing.html", user, 404, what="handout")
    data, _ = await station_of(request).catalog.pdf(handout_id, language)
    return pdf_response(data, f"{handout_id}.pdf" if language == "en" else f"{handout_id}.{language}.pdf")


@router.get("/library/{handout_id}/{language}.png")
async def thumbnail(request: Request, user: Person, handout_id: str, language: str) -> Response:
    if not await _known(request, handout_id, language):
        return Response(status_code=404)
    try:
        data = await station_of(request).catalog.thumbnail(handout_id, language)
    except NoPictureError:
        return Response(status_code=404)
    return Response(data, media_type="image/png", headers={"cache-control": "private, max-age=300"})





FONTS = {"AtkinsonHyperlegible-Regular.ttf", "AtkinsonHyperlegible-Bold.ttf"}


@router.get("/fonts/{name}")
async def font(request: Request, name: str) -> Response:
    """The project's bundled reading font (SIL OFL), so the pages need no font from the network."""
    if name not in FONTS:
        return Response(status_code=404)
    path = station_of(request).project.styles_dir / "fonts" / name
    data = await asyncio.to_thread(path.read_bytes)
    return Response(data, media_type="font/ttf", headers={"cache-control": "max-age=86400"})
