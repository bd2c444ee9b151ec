"""The ids that name things, one type per kind: handouts, clinics and visits.

Ids reach file names and messages, so each kind has one pattern, checked
wherever an id comes in (a YAML file, a CSV cell, the command line, a URL):
anything path-like is refused, so that an id can never reach outside the project.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import StringConstraints

from clinic_handouts.errors import HandoutError, Problem

#: handout and clinic ids are file and folder names: lower case, digits, '-' and '_'
HANDOUT_ID = CLINIC_ID = r"^[a-z0-9][a-z0-9_-]*$"
#: a visit id comes from the practice-management system: letters, digits, '-' and '_', at most 64
VISIT_ID = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"

HandoutId = Annotated[str, StringConstraints(pattern=HANDOUT_ID)]
ClinicId = Annotated[str, StringConstraints(pattern=CLINIC_ID)]
VisitId = Annotated[str, StringConstraints(pattern=VISIT_ID)]

Kind = Literal["handout", "clinic", "visit"]
_PATTERNS: dict[str, re.Pattern[str]] = {
    "handout": re.compile(HANDOUT_ID),
    "clinic": re.compile(CLINIC_ID),
    "visit": re.compile(VISIT_ID),
}
_RULES = {
    "handout": "use lower-case letters, digits, '-' and '_' (the file name without .yaml)",
    "clinic": "use lower-case letters, digits, '-' and '_' (the clinic's folder name)",
    "visit": "use letters, digits, '-' and '_', at most 64",
}


def is_valid(value: str, kind: Kind) -> bool:
    return bool(_PATTERNS[kind].match(value))


def check_id(value: str, kind: Kind) -> str:
    """The id, or a HandoutError saying what an id of this kind may hold."""
    if not is_valid(value, kind):
        # The value itself is not repeated: a mistyped cell could hold a patient's name or record number.
        raise HandoutError(Problem(f"(invalid value) is not a valid {kind} id; {_RULES[kind]}"))
    return value


def shown(value: str, kind: Kind) -> str:
    """An id as a message may quote it: only if it is valid (a mistyped cell could hold a patient's name)."""
    value = value.strip()
    return value if is_valid(value, kind) else "(invalid id)"
