"""The pages people use once signed in: Today, New packet, Library, and the packets they open.

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
from .core import HandoutError, default_file_name
from .day import FAILED
from .images import NoPictureError, page_png
from .pool import BusyError, RendererError
from .security import CSRF_FIELD, LoginRequiredError, User, check_csrf, session_user
from .station import Station
from .uploads import NotAFormError, TooLargeError, read_form, schedule_text
from .views import page

router = APIRouter(include_in_schema=False)
VISIT_ID = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
HANDOUT_ID = r"[a-z0-9][a-z0-9_-]*"
MAX_PREVIEW_PAGES = 12


def station_of(request: Request) -> Station:
    return request.app.state.station


def person(request: Request) -> User:
    """The signed-in person; pages without a session redirect to /login."""
    user = session_user(request, station_of(request).store)
    if user is None:
        raise LoginRequiredError
    return user


Person = Annotated[User, Depends(person)]


def pdf_response(data: bytes, filename: str) -> Response:
    return Response(
        data, media_type="application/pdf", headers={"content-disposition": f'inline; filename="{filename}"'}
    )


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- today ------------------------------------------------------------------------


async def _today(request: Request, user: User, message: str | None = None, status: int = 200) -> Response:
    station = station_of(request)
    day = station.day
    titles = {e.id: e.title for e in await station.catalog.entries()}
    return page(
        request,
        "today.html",
        user,
        status,
        day=day,
        counts=day.counts() if day else {},
        message=message,
        files=[p.name for p in station.schedule_files()],
        titles=titles,
        max_mb=station.settings.max_upload_bytes // (1024 * 1024),
    )


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
        return await _today(
            request,
            user,
            f"The file is larger than {limit // (1024 * 1024)} MB, so it is not a day's "
            "schedule. Export only the day's visits as CSV.",
            413,
        )
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
    return JSONResponse(
        {
            "loaded": True,
            "building": day.building,
            "counts": day.counts(),
            "rows": [{"row": r.row, "status": r.status, "pages": r.pages} for r in day.rows],
        }
    )


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
    return pdf_response(data, default_file_name(visit))


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


async def _new(
    request: Request, user: User, walk_in: forms.WalkIn, status: int = 200, row: int | None = None
) -> Response:
    station = station_of(request)
    entries = await station.catalog.entries()
    languages = sorted({lang for e in entries for lang in e.languages} | {"en", "es", "vi", "ar", "zh"})
    return page(
        request,
        "new.html",
        user,
        status,
        form=walk_in,
        entries=entries,
        languages=languages,
        labels=forms.LABELS,
        day_row=row,
    )


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
    return see_other(f"/packets/{visit.visit_id}")  # a reload then shows the packet again, never makes another


@router.get("/packets/{visit_id}")
async def packet_ready(request: Request, user: Person, visit_id: str) -> Response:
    """A packet made on the New packet page: its preview, and the button that opens it to print."""
    held = station_of(request).memory.get(visit_id) if re.fullmatch(VISIT_ID, visit_id) else None
    if held is None:
        return page(request, "missing.html", user, 404, what="packet")
    return page(
        request,
        "packet.html",
        user,
        visit=held.visit,
        pages=held.pages,
        fallbacks=held.fallbacks,
        previews=range(1, min(held.pages, MAX_PREVIEW_PAGES) + 1),
    )


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
