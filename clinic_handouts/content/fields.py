"""The building blocks every content model shares: strictness and the basic field types."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Colour = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
PaperSize = Literal["letter", "a4"]
ReviewStatus = Literal["approved", "sample"]
HandoutKind = Literal["treatment", "worksheet"]
Percent = Annotated[float, Field(ge=0, le=100)]


class Strict(BaseModel):
    """Base of every model: unknown keys are errors, values are not coerced oddly."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def is_plain_file_name(value: str) -> bool:
    """A file name inside its folder: no scheme, no path, no control characters."""
    return not (
        re.match(r"^[a-z][a-z0-9+.-]*:", value, re.I)
        or "/" in value
        or "\\" in value
        or value.startswith(".")
        or any(ord(c) < 32 for c in value)
    )
