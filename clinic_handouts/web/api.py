"""The HTTP API for the medical record: a visit's packet as PDF or FHIR, the handout list, health.

Why the visit's own model as the body: the API takes exactly the fields of a
visit YAML file and gives exactly the bytes the ``packet`` command makes.
A bad request answers 422 with every problem and its field, in the project's
plain words, never the value sent (it could be a patient's detail) and never
a traceback.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from .core import HandoutError, Problem, Visit, default_file_name, document_reference
from .pool import BusyError, RendererError
from .security import CSRF_HEADER, NotAuthenticatedError, User, bearer_user, check_csrf, session_user

router = APIRouter()
FHIR_JSON = "application/fhir+json"


def caller(request: Request) -> User:
    """A system with a bearer token, or a signed-in person (who must send the CSRF header to change anything)."""
    station = request.app.state.station
    user = bearer_user(request, station.store)
    if user is not None:
        return user
    user = session_user(request, station.store)
    if user is None:
        raise NotAuthenticatedError
    if request.method not in {"GET", "HEAD"}:
        check_csrf(user, request.headers.get(CSRF_HEADER))
    return user


Caller = Annotated[User, Depends(caller)]


def problems_response(problems: list[Problem], status: int = 422) -> JSONResponse:
    return JSONResponse({"problems": [{"field": p.field, "message": p.message} for p in problems]}, status_code=status)


PROBLEMS = {
    "description": "Every problem with the request, each with the field it is about (no values repeated)",
    "content": {
        "application/json": {
            "example": {
                "problems": [
                    {
                        "field": "patient.dob",
                        "message": "not a valid date; write it as YYYY-MM-DD, for example 2026-11-01",
                    },
                    {
                        "field": "handouts.0",
                        "message": "unknown handout 'botx'; did you mean 'botox'? known: botox, ...",
                    },
                ]
            }
        }
    },
}


@router.post(
    "/api/packets",
    summary="Make one visit's packet",
    response_class=Response,
    responses={
        200: {
            "description": "The packet: the same bytes as `generate.py packet` for this visit",
            "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                FHIR_JSON: {
                    "schema": {"type": "object"},
                    "example": {"resourceType": "DocumentReference", "status": "current"},
                },
            },
        },
        401: {"description": "No valid `Authorization: Bearer TOKEN`"},
        422: PROBLEMS,
        503: {"description": "The renderers are busy or starting; try again shortly"},
    },
)
async def make_packet(request: Request, visit: Visit, user: Caller) -> Response:
    """The body has the fields of a visit YAML file (`examples/visit-botox.yaml`) as JSON.

    Answers `application/pdf`, or the FHIR R4 `DocumentReference` (the PDF inside, base64) when the
    request says `Accept: application/fhir+json`.
    """
    station = request.app.state.station
    try:
        needs = station.needs(visit)
        built = await station.renderers.packet(visit, needs)
    except HandoutError as exc:
        return problems_response(exc.problems)
    except BusyError:
        return problems_response([Problem("the renderers are busy; try again in a few seconds")], 503)
    except RendererError:
        return problems_response([Problem("the packet could not be made (internal error); please report it")], 500)
    station.store.audit(user.name, "made (API)", [visit.visit_id])
    name = default_file_name(visit).removesuffix(".pdf")
    if FHIR_JSON in request.headers.get("accept", ""):
        resource = document_reference(
            visit, station.planner.clinic(visit.clinic), built.data, built.title, built.language
        )
        return JSONResponse(
            resource, media_type=FHIR_JSON, headers={"content-disposition": f'inline; filename="{name}.fhir.json"'}
        )
    return Response(
        built.data, media_type="application/pdf", headers={"content-disposition": f'inline; filename="{name}.pdf"'}
    )


@router.get("/api/handouts", summary="The library: each handout's languages, reading grade and review")
async def handouts(request: Request, user: Caller) -> dict[str, Any]:
    """`reading_grade`: the clinic's own text (Flesch-Kincaid for English), as `generate.py check` computes it;
    `added_parts_grade`: the parts added beside it (key points, before, after, when to call)."""
    entries = await request.app.state.station.catalog.entries()
    return {"handouts": [e.as_json() for e in entries], "today": dt.date.today().isoformat()}


@router.get(
    "/health",
    summary="200 when the renderers are ready, else 503",
    responses={503: {}},
    description="`library_rendered` is false while the station still renders its handouts at start.",
)
async def health(request: Request) -> JSONResponse:
    station = getattr(request.app.state, "station", None)
    ready = station is not None and station.renderers.ready
    answer = {"status": "ready" if ready else "starting", "library_rendered": bool(station and station.warm)}
    return JSONResponse(answer, status_code=200 if ready else 503)
