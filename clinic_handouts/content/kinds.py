"""Which model validates which kind of file: one registry for ``check`` and ``schema``.

A kind missing here is reported by ``check`` as not checkable rather than
guessed at. Adding one is one line.
"""

from __future__ import annotations

from pydantic import BaseModel

from clinic_handouts.content.models import Clinic, Handout
from clinic_handouts.content.visits import Visit

#: kind -> model.
MODELS: dict[str, type[BaseModel]] = {
    "handout": Handout,
    "clinic": Clinic,
    "visit": Visit,
}
