"""Reading a form with a file in it, in memory, with a size limit.

Why not the framework's form parser: it spools files over 1 MB to a
temporary file on disk, and a schedule is patient data. Here the body is read
up to the limit (a larger one is refused before the rest is read) and the
multipart parts are collected in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

#: room for the form's other fields and the multipart framing, beyond the file's own limit
OVERHEAD = 64 * 1024


class TooLargeError(Exception):
    """The body is over the limit."""


class NotAFormError(Exception):
    """The body is not a multipart form."""


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLargeError
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLargeError
        chunks.append(chunk)
    return b"".join(chunks)


async def read_form(request: Request, file_limit: int) -> Form:
    """The multipart form of a request: text fields and files (name -> (file name, bytes))."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise NotAFormError
    body = await read_body(request, file_limit + OVERHEAD)
    form = Form()
    state: dict[str, bytes] = {}
    headers: dict[bytes, bytes] = {}
    data: list[bytes] = []

    def on_part_begin() -> None:
        headers.clear()
        data.clear()

    def on_header_field(buffer: bytes, start: int, end: int) -> None:
        state["field"] = state.get("field", b"") + buffer[start:end]

    def on_header_value(buffer: bytes, start: int, end: int) -> None:
        state["value"] = state.get("value", b"") + buffer[start:end]

    def on_header_end() -> None:
        headers[state.pop("field", b"").lower()] = state.pop("value", b"")

    def on_part_data(buffer: bytes, start: int, end: int) -> None:
        data.append(buffer[start:end])

    def on_part_end() -> None:
        _, disposition = parse_options_header(headers.get(b"content-disposition", b""))
        name = disposition.get(b"name", b"").decode("utf-8", "replace")
        content = b"".join(data)
        if b"filename" in disposition:
            form.files[name] = (disposition[b"filename"].decode("utf-8", "replace"), content)
        else:
            form.fields[name] = content.decode("utf-8", "replace")

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except Exception:
        raise NotAFormError from None
    return form


def schedule_text(data: bytes, limit: int) -> str:
    """The upload as text, or ValueError with the one message the page shows."""
    if not data:
        raise ValueError("The file is empty. Choose the day's schedule file (CSV) and try again.")
    if len(data) > limit:
        raise ValueError(
            f"The file is larger than {limit // (1024 * 1024)} MB, so it is not a day's schedule. "
            "Export only today's visits as CSV."
        )
    if data.startswith((b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ValueError(
            "This is not a CSV file (it looks like a PDF, Excel or Word file). "
            "Export the schedule as CSV (UTF-8) and upload that."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("The file is not UTF-8 text. Export the schedule as 'CSV UTF-8' and try again.") from None
