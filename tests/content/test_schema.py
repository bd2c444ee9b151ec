"""JSON Schema files: in sync with the models, and accepting exactly what the models accept."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import FIXTURE_PROJECT, ROOT

from clinic_handouts.cli.main import main
from clinic_handouts.content.kinds import MODELS
from clinic_handouts.content.models import Term
from clinic_handouts.content.schema import schema_text, write_schemas

SCHEMA_DIR = ROOT / "schema"


def yaml_as_json(path: Path) -> object:
    """YAML data as a JSON editor sees it (dates become strings)."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))


def validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / f"{kind}.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_committed_schema_is_what_the_models_generate(kind: str):
    committed = (SCHEMA_DIR / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(MODELS[kind]), "run: python generate.py schema"


def test_every_file_names_its_schema_and_passes_it():
    """The shipped library and clinics, and the fixture project's."""
    for path in sorted([*(ROOT / "handouts").glob("*.yaml"), *(FIXTURE_PROJECT / "handouts").glob("*.yaml")]):
        assert path.read_text().startswith("# yaml-language-server: $schema=../schema/handout.schema.json\n")
        assert list(validator("handout").iter_errors(yaml_as_json(path))) == []
    for path in sorted(
        [*(ROOT / "clinics").glob("*/clinic.yaml"), *(FIXTURE_PROJECT / "clinics").glob("*/clinic.yaml")]
    ):
        assert path.read_text().startswith("# yaml-language-server: $schema=../../schema/clinic.schema.json\n")
        assert list(validator("clinic").iter_errors(yaml_as_json(path))) == []


def test_schema_accepts_the_short_forms_and_rejects_typos():
    data = yaml_as_json(FIXTURE_PROJECT / "handouts" / "botox.yaml")
    # Short forms: a plain string is a paragraph, a list is a section with its default heading.
    assert isinstance(data["sections"]["conditions"], list) and isinstance(data["sections"]["conditions"][0], str)
    data["sections"]["procedure"] = {"heading": "What Happens", "content": [{"label": "Step", "text": "A needle."}]}
    assert list(validator("handout").iter_errors(data)) == []
    data["categroy"] = data.pop("category")
    messages = [e.message for e in validator("handout").iter_errors(data)]
    assert any("'category' is a required property" in m for m in messages)
    assert any("'categroy' was unexpected" in m for m in messages)


def test_generator_takes_any_list_of_models(tmp_path: Path):
    written = write_schemas(tmp_path, [("term", Term)])
    assert written == [tmp_path / "term.schema.json"]
    schema = json.loads(written[0].read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["required"]) == {"term", "definition"}


def test_schema_command(tmp_path: Path, capsys):
    assert main(["schema", "--out-dir", str(tmp_path)]) == 0
    expected = ["clinic.schema.json", "handout.schema.json", "visit.schema.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == expected
    assert (tmp_path / "handout.schema.json").read_text() == (SCHEMA_DIR / "handout.schema.json").read_text()
    assert f"wrote {tmp_path / 'clinic.schema.json'}" in capsys.readouterr().out
