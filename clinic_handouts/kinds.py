"""Which model validates which kind of file: one registry for ``check`` and ``schema``.

A kind missing here (a visit, before its model exists) is reported by
``check`` as not checkable rather than guessed at. Adding one is one line.
"""

from __future__ import annotations

from pydantic import BaseModel

from .models import Clinic, Handout

#: kind -> model. Add ``"visit": Visit`` here when the visit model lands.
MODELS: dict[str, type[BaseModel]] = {
    "handout": Handout,
    "clinic": Clinic,
}
