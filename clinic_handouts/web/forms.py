"""The walk-in form: its fields, turning them into a Visit, and each problem placed beside its field.

Why its own module: the form's field names (``patient_name``) differ from the
visit's (``patient.name``), and the messages a desk needs are shorter than a
YAML file's ("Fill this in." rather than "add 'name:' here"). Messages name the
field, never repeat what was typed (it could be a patient's detail).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .core import Problem, ValidationError, Visit, field_problems

FIELDS = (
    "visit_id",
    "date",
    "time",
    "clinician",
    "patient_name",
    "dob",
    "mrn",
    "language",
    "large_print",
    "handouts",
    "note",
)
#: visit fields -> the form's
_FORM_FIELD = {
    "patient.name": "patient_name",
    "patient.dob": "dob",
    "patient.mrn": "mrn",
    "patient.language": "language",
    "patient.large_print": "large_print",
    "patient": "patient_name",
}
LABELS = {
    "visit_id": "Visit id",
    "date": "Visit date",
    "time": "Time",
    "clinician": "Clinician",
    "patient_name": "Patient's name",
    "dob": "Date of birth",
    "mrn": "MRN",
    "language": "Language",
    "large_print": "Large print",
    "handouts": "Handouts",
    "note": "Note for the cover",
    "clinic": "Clinic",
}


@dataclass
class WalkIn:
    """What was typed, and the problems found, by field."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def add(self, problems: list[Problem]) -> None:
        for problem in problems:
            name = form_field(problem.field)
            if name is None and "name is too long" in problem.message:
                name = "patient_name"
            message = _plain(problem.message)
            if name in FIELDS:
                self.errors.setdefault(name, []).append(message)
            else:
                self.general.append(f"{LABELS.get(name or '', name or '')}: {message}" if name else message)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.general


def form_field(name: str | None) -> str | None:
    if not name:
        return None
    name = name.removeprefix("body.")
    if name.startswith("handouts"):
        return "handouts"
    return _FORM_FIELD.get(name, name)


def _plain(message: str) -> str:
    if message.startswith("required but missing"):
        return "Fill this in."
    if message == "needs at least one item":
        return "Pick at least one handout."
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def blank(today: dt.date, clinician: str = "") -> WalkIn:
    return WalkIn({"date": today.isoformat(), "language": "en", "handouts": [], "clinician": clinician})


def from_cells(cells: dict[str, str]) -> WalkIn:
    """A bad schedule row's cells as the form's values, to fix and print."""
    values: dict[str, Any] = {name: cells.get(name, "").strip() for name in FIELDS if name != "handouts"}
    values["handouts"] = [h.strip() for h in cells.get("handouts", "").split(";") if h.strip()]
    values["large_print"] = cells.get("large_print", "").strip().lower() in {"yes", "true", "1", "y"}
    return WalkIn(values)


def read(form: Any, clinic: str, new_id: str) -> tuple[WalkIn, Visit | None]:
    """The posted form as a Visit, or the problems by field."""
    values: dict[str, Any] = {
        name: str(form.get(name, "")).strip() for name in FIELDS if name not in {"handouts", "large_print"}
    }
    values["handouts"] = [str(h) for h in form.getlist("handouts")]
    values["large_print"] = form.get("large_print") in {"on", "yes", "true", "1"}
    walk_in = WalkIn(values)
    patient: dict[str, Any] = {
        "name": values["patient_name"] or None,
        "dob": values["dob"] or None,
        "mrn": values["mrn"] or None,
        "language": values["language"] or "en",
        "large_print": values["large_print"],
    }
    data: dict[str, Any] = {
        "visit_id": values["visit_id"] or new_id,
        "date": values["date"] or None,
        "time": values["time"] or None,
        "clinic": clinic,
        "clinician": values["clinician"] or None,
        "patient": patient,
        "handouts": values["handouts"],
        "note": values["note"] or None,
    }
    for required in ("date", "clinician"):
        if data[required] is None:
            walk_in.errors.setdefault(required, []).append("Fill this in.")
    for required in ("name", "dob"):
        if patient[required] is None:
            walk_in.errors.setdefault("patient_name" if required == "name" else "dob", []).append("Fill this in.")
    if not values["handouts"]:
        walk_in.errors.setdefault("handouts", []).append("Pick at least one handout.")
    try:
        visit = Visit.model_validate(
            {k: v for k, v in data.items() if v is not None}
            | {"patient": {k: v for k, v in patient.items() if v is not None}}
        )
    except ValidationError as exc:
        problems = [p for p in field_problems(Visit, exc.errors()) if form_field(p.field) not in walk_in.errors]
        walk_in.add(problems)
        return walk_in, None
    if not walk_in.ok:
        return walk_in, None
    walk_in.values["visit_id"] = visit.visit_id
    return walk_in, visit
