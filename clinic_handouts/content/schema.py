"""JSON Schema of the YAML files, generated from the models, for editors.

``schema/KIND.schema.json`` lets an editor with the YAML language server
complete keys and flag mistakes as one types (each file names its schema in
its first line). The models accept two short forms through "before"
validators that pydantic cannot see when it writes a schema: a block may be
a plain string (a paragraph) and a standard section may be just its list of
blocks. Those are added here so the schema accepts every valid file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from clinic_handouts.content.kinds import MODELS
from clinic_handouts.files import write_atomic

DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: Short forms accepted beside a model's object form, by model name.
_SHORT_FORMS: dict[str, dict[str, Any]] = {
    "Block": {"type": "string", "minLength": 1, "description": "A paragraph: a plain line of text."},
    "Section": {
        "type": "array",
        "items": {"$ref": "#/$defs/Block"},
        "minItems": 1,
        "description": "The section's blocks, with the default heading.",
    },
}


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema of one model, with the short forms its validators accept."""
    schema = model.model_json_schema()
    for name, short in _SHORT_FORMS.items():
        definition = schema.get("$defs", {}).get(name)
        if definition is not None:
            schema["$defs"][name] = {"anyOf": [short, definition]}
    return {"$schema": DIALECT, **schema}


def schema_text(model: type[BaseModel]) -> str:
    """The schema as the file holds it: indented JSON with a final newline."""
    return json.dumps(schema_of(model), indent=2, ensure_ascii=False) + "\n"


def write_schemas(folder: Path, models: Iterable[tuple[str, type[BaseModel]]] | None = None) -> list[Path]:
    """Write ``NAME.schema.json`` for each (name, model); returns the files written."""
    written = []
    for name, model in models if models is not None else MODELS.items():
        written.append(write_atomic(folder / f"{name}.schema.json", schema_text(model).encode("utf-8")))
    return written
