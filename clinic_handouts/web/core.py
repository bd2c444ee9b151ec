"""Everything the web app takes from the rest of the package, in one place.

The package's modules move (the restructure); keeping every import from it
here means a move is fixed in this file alone. Nothing else in ``web/``
imports ``clinic_handouts`` modules outside ``clinic_handouts.web``.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from clinic_handouts.build import render_handout
from clinic_handouts.checks.checker import HandoutReport, check
from clinic_handouts.content.library import Project
from clinic_handouts.content.loading import load_clinic, load_handout, plain_message
from clinic_handouts.content.models import Clinic, Handout
from clinic_handouts.content.visits import Visit
from clinic_handouts.errors import HandoutError, Problem
from clinic_handouts.i18n import available_languages
from clinic_handouts.packets.builder import PacketBuilder
from clinic_handouts.packets.fhir import document_reference
from clinic_handouts.packets.types import Packet, Variant, default_file_name

try:  # the in-memory parser; until it exists, the file goes through a private temporary folder
    from clinic_handouts.batch.schedule import COLUMNS, RowResult, ScheduledVisit, parse_schedule
except ImportError:  # pragma: no cover - the layout before the restructure
    from clinic_handouts.batch.schedule import COLUMNS, RowResult, ScheduledVisit, read_schedule

    parse_schedule = None  # type: ignore[assignment]

__all__ = [
    "COLUMNS",
    "Clinic",
    "Handout",
    "HandoutError",
    "HandoutReport",
    "Packet",
    "PacketBuilder",
    "Problem",
    "Project",
    "RowResult",
    "ScheduledVisit",
    "ValidationError",
    "Variant",
    "Visit",
    "available_languages",
    "default_file_name",
    "document_reference",
    "field_problems",
    "load_clinic",
    "load_handout",
    "read_schedule_text",
    "render_handout",
    "report_handouts",
]


def read_schedule_text(text: str) -> tuple[list[ScheduledVisit], list[RowResult]]:
    """Parse an uploaded schedule held in memory; raises HandoutError for a file that is not a schedule."""
    if parse_schedule is not None:
        return parse_schedule(text, "schedule")
    folder = Path(tempfile.mkdtemp(prefix="station-"))  # mode 0700: only this user can read it
    try:
        path = folder / "schedule.csv"
        path.write_text(text, encoding="utf-8")
        return read_schedule(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def field_problems(model: type[BaseModel], errors: Sequence[Mapping[str, Any]]) -> list[Problem]:
    """Validation errors (``ValidationError.errors()``) as one problem per field, in the project's plain words,
    never quoting the value."""
    problems = []
    for error in errors:
        name = ".".join(str(part) for part in error["loc"])
        problems.append(Problem(plain_message(model, dict(error)), field=name or None))
    return problems


def report_handouts(project: Project, clinic_id: str, today: dt.date | None = None) -> list[HandoutReport]:
    """What ``check`` says about each handout file: languages, reading grades, review state."""
    report = check(project, [project.handouts_dir], clinic_ref=clinic_id, today=today)
    return list(report.handouts)


def visit_data(visit: Visit) -> dict[str, Any]:
    """A visit as the JSON the API takes (the same fields as a visit YAML file)."""
    return visit.model_dump(mode="json", exclude_none=True)


# The packet parts that cross between processes (a rendered handout variant, as bytes).
from clinic_handouts.packets.parts import RenderedVariant  # noqa: E402

__all__ += ["RenderedVariant", "visit_data"]
