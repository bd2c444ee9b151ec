"""The ASGI app: routes, sign-in handling, error answers without tracebacks, security headers.

``create_app(settings)`` is what ``serve`` runs under uvicorn and what the
tests drive. The renderers start in the app's lifespan; ``/health`` answers
200 once they are ready.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import api, apidocs, pages, signin
from .config import Settings
from .core import Problem, Visit, field_problems
from .security import SECURITY_HEADERS, BadCsrfError, LoginRequiredError, NotAuthenticatedError
from .station import Station
from .views import STATIC, page

#: the largest request body: a 5 MB schedule and its form
MAX_BODY = 5 * 1024 * 1024 + 64 * 1024


class Guard:
    """Security headers on every answer (``no-store`` except static files); oversized bodies refused early."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"0")
        if length.isdigit() and int(length) > MAX_BODY and scope["path"] != "/today/upload":
            response = JSONResponse({"problems": [{"field": None, "message": "the request is too large"}]}, 413)
            await response(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [
                    (k.encode(), v.encode())
                    for k, v in SECURITY_HEADERS.items()
                    if k.encode() not in present and not (static and k == "cache-control")
                ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def _validation_problems(exc: RequestValidationError) -> list[Problem]:
    problems = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            problems.append(Problem("not valid JSON; send the visit's fields as a JSON object", field="body"))
            continue
        loc = tuple(p for p in error.get("loc", ()) if p != "body")
        problems += field_problems(Visit, [{**error, "loc": loc}])
    return problems


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequiredError)
    async def login_required(request: Request, exc: LoginRequiredError) -> Response:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(NotAuthenticatedError)
    async def not_authenticated(request: Request, exc: NotAuthenticatedError) -> Response:
        return JSONResponse(
            {"problems": [{"field": None, "message": "sign in, or send Authorization: Bearer TOKEN"}]},
            status_code=401,
            headers={"www-authenticate": "Bearer"},
        )

    @app.exception_handler(BadCsrfError)
    async def bad_csrf(request: Request, exc: BadCsrfError) -> Response:
        if _is_api(request):
            return JSONResponse({"problems": [{"field": None, "message": "missing or wrong CSRF token"}]}, 403)
        return page(
            request,
            "error.html",
            None,
            403,
            title="This form had expired",
            message="The page was open too long or in another session. Go back, reload it, and try again.",
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = _validation_problems(exc)
        return JSONResponse({"problems": [{"field": p.field, "message": p.message} for p in problems]}, 422)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        # The code location goes to the log; the message does not (it could quote a patient's detail).
        frames = "".join(traceback.format_tb(exc.__traceback__))
        print(
            f"station: internal error {type(exc).__name__} on {request.method} {request.url.path}\n{frames}",
            file=sys.stderr,
        )
        if _is_api(request):
            return JSONResponse({"problems": [{"field": None, "message": "internal error; please report it"}]}, 500)
        return page(
            request,
            "error.html",
            None,
            500,
            title="Something went wrong",
            message="The station could not do that. Try again; if it happens again, tell the IT person.",
        )


def create_app(settings: Settings, station: Station | None = None) -> FastAPI:
    """The station's app; the renderers start when the app starts (uvicorn or a TestClient)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        running = station or Station(settings)
        app.state.station = running
        await running.start()
        try:
            yield
        finally:
            await running.stop()

    app = FastAPI(
        title="Clinic handouts print station",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        description="Visit packets as PDF or FHIR R4 DocumentReference for the medical record. "
        "Every route but /health needs `Authorization: Bearer TOKEN` (`generate.py token add NAME`).",
    )
    app.add_middleware(Guard)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(signin.router)
    app.include_router(pages.router)
    app.include_router(apidocs.router)
    _handlers(app)
    return app
