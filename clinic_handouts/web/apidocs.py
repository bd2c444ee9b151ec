"""The API's documentation at /docs, drawn on the server from the framework's OpenAPI schema.

Why not Swagger UI: FastAPI's /docs loads its scripts from a CDN, and the
station must not reach the network; a bundled copy would be megabytes of
script for a page the IT person reads once. This page is plain HTML from the
same schema (``/openapi.json``), and like every page it needs a sign-in.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from .api import Caller
from .pages import Person
from .views import page

router = APIRouter(include_in_schema=False)


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        return components.get(ref.rsplit("/", 1)[1], {})
    return schema


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[1]
    if "anyOf" in schema:
        return " or ".join(_type(s) for s in schema["anyOf"] if s.get("type") != "null")
    kind = schema.get("type", "")
    if kind == "array":
        return f"list of {_type(schema.get('items', {}))}"
    fmt = schema.get("format")
    return f"{kind} ({fmt})" if fmt else str(kind)


def models(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Each schema in the spec with its fields: name, type, required."""
    components = spec.get("components", {}).get("schemas", {})
    out = []
    for name, schema in components.items():
        if name in {"HTTPValidationError", "ValidationError"}:
            continue
        required = set(schema.get("required", []))
        fields = [
            {
                "name": key,
                "type": _type(value),
                "required": key in required,
                "description": value.get("description", ""),
            }
            for key, value in schema.get("properties", {}).items()
        ]
        out.append({"name": name, "description": schema.get("description", ""), "fields": fields})
    return out


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    components = spec.get("components", {}).get("schemas", {})
    for path, methods in spec.get("paths", {}).items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            out.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "body": _type(body) if body else None,
                    "body_fields": bool(body and _resolve(body, components)),
                    "responses": [
                        (code, r.get("description", ""), sorted(r.get("content", {})))
                        for code, r in operation.get("responses", {}).items()
                    ],
                }
            )
    return out


@router.get("/openapi.json")
async def openapi(request: Request, user: Caller) -> Response:
    return JSONResponse(request.app.openapi())


@router.get("/docs")
async def docs(request: Request, user: Person) -> Response:
    spec = request.app.openapi()
    return page(request, "docs.html", user, spec=spec, operations=operations(spec), models=models(spec))
