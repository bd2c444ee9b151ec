"""Rendering the pages: one Jinja2 environment (autoescaped), the clinic's name and colours on every page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.responses import HTMLResponse

from .security import CSRF_FIELD, User

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish (español)",
    "vi": "Vietnamese (Tiếng Việt)",
    "ar": "Arabic (العربية)",
    "zh": "Chinese (中文)",
    "ru": "Russian (русский)",
    "fr": "French (français)",
    "ko": "Korean (한국어)",
    "tl": "Tagalog",
    "pt": "Portuguese (português)",
}

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.globals["csrf_field"] = CSRF_FIELD
environment.filters["language_name"] = lambda code: LANGUAGE_NAMES.get(code, code)


def _ticks(text: str) -> Markup:
    """`code` in the API's descriptions (Markdown's backticks) as <code>, everything else escaped."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))


environment.filters["ticks"] = _ticks


def page(request: Request, name: str, user: User | None, status: int = 200, **context: Any) -> HTMLResponse:
    """A page of the station, with the clinic's name and the signed-in user."""
    station = request.app.state.station
    html = environment.get_template(name).render(
        request=request,
        user=user,
        clinic=station.clinic,
        csrf=user.csrf if user else "",
        path=request.url.path,
        **context,
    )
    return HTMLResponse(html, status_code=status)


def clinic_css(primary: str, accent: str) -> str:
    """The clinic's colours as CSS variables (a stylesheet of its own, so no inline style is needed)."""
    return f":root {{ --brand: {primary}; --accent: {accent}; }}\n"
