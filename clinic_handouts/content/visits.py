"""A visit: who the packet is for, which handouts the clinician ordered.

Visits come from a YAML file (``packet`` command) or from one row of the
day's schedule CSV (``batch`` command); both become the same ``Visit`` model.
Patient details are protected health information: validation messages name
the field, never the value.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from clinic_handouts.content.ids import ClinicId, HandoutId, VisitId
from clinic_handouts.content.loading import YamlDocument, read_yaml, validate
from clinic_handouts.content.models import Strict, Text

Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]


#: longer names cannot print in full at the foot of every page (the stamp holds two lines of it)
PatientName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class Patient(Strict):
    """The two identifiers printed on every page, and the patient's preferences."""

    name: PatientName
    dob: dt.date
    mrn: Text | None = None
    language: Language = "en"
    large_print: bool = False


EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2199, 12, 31)
EARLIEST_BIRTH = dt.date(1900, 1, 1)


class Visit(Strict):
    """One visit's packet order, as written in ``examples/*.yaml`` or one CSV row."""

    visit_id: VisitId
    date: dt.date
    time: dt.time | None = None
    clinic: ClinicId
    clinician: Text
    patient: Patient
    handouts: list[HandoutId] = Field(min_length=1)
    note: Text | None = None

    @field_validator("date")
    @classmethod
    def _plausible_visit_date(cls, value: dt.date) -> dt.date:
        if not EARLIEST <= value <= LATEST:
            raise ValueError(
                f"not a plausible visit date; write the visit's date as YYYY-MM-DD, {EARLIEST.year} to {LATEST.year}"
            )
        return value

    @model_validator(mode="after")
    def _born_before_the_visit(self) -> Visit:
        # The value is never quoted: it is the patient's date of birth.
        if not EARLIEST_BIRTH <= self.patient.dob <= self.date:
            raise ValueError("the date of birth (dob) is not plausible: it must be after 1900 and not after the visit")
        return self

    @field_validator("handouts")
    @classmethod
    def _no_repeats(cls, value: list[str]) -> list[str]:
        repeated = sorted({h for h in value if value.count(h) > 1})
        if repeated:
            raise ValueError(f"handout listed twice: {', '.join(repeated)}; list each handout once")
        return value


def load_visit(path: Path) -> tuple[Visit, YamlDocument]:
    """Read and validate a visit YAML file; problems carry file and line.

    The document is returned too, so later problems (an unknown handout id)
    can be placed on their line.
    """
    document = read_yaml(path)
    return validate(Visit, document), document
