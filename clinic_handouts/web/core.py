"""Everything the web app takes from the rest of the package, in one place.

The package's modules move (the restructure); keeping every import from it
here means a move is fixed in this file alone. Nothing else in ``web/``
imports ``clinic_handouts`` modules outside ``clinic_handouts.web``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from clinic_handouts.batch.schedule import RowResult, ScheduledVisit, parse_schedule
from clinic_handouts.build import render_handout
from clinic_handouts.checks.checker import HandoutReport, check
from clinic_handouts.content.library import Project
from clinic_handouts.content.loading import load_clinic, plain_message
from clinic_handouts.content.models import Clinic
from clinic_handouts.content.visits import Visit
from clinic_handouts.errors import HandoutError, Problem
from clinic_handouts.packets.builder import PacketBuilder
from clinic_handouts.packets.fhir import document_reference
from clinic_handouts.packets.parts import RenderedVariant
from clinic_handouts.packets.types import Variant, default_file_name

__all__ = [
    "Clinic",
    "HandoutError",
    "HandoutReport",
    "PacketBuilder",
    "Problem",
    "Project",
    "RenderedVariant",
    "RowResult",
    "ScheduledVisit",
    "ValidationError",
    "Variant",
    "Visit",
    "default_file_name",
    "document_reference",
    "field_problems",
    "load_clinic",
    "read_schedule_text",
    "render_handout",
    "report_handouts",
]


def read_schedule_text(text: str) -> tuple[list[ScheduledVisit], list[RowResult]]:
    """Parse an uploaded schedule held in memory; raises HandoutError for a file that is not a schedule."""
    return parse_schedule(text, "schedule")


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
