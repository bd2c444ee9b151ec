"""``check``: every file, every problem at once, located; reading level, review, translations."""

from __future__ import annotations

import json
import socket
from datetime import date
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict
from rich.console import Console

from clinic_handouts.checks.checker import CheckReport, check
from clinic_handouts.checks.readability import FERNANDEZ_HUERTA, FLESCH_KINCAID
from clinic_handouts.checks.report import as_json, finding_line, print_report
from clinic_handouts.cli.main import main
from clinic_handouts.content.kinds import MODELS
from clinic_handouts.content.library import Project
from clinic_handouts.content.scaffold import new_handout

TODAY = date(2026, 11, 26)

SPANISH = """\
# yaml-language-server: $schema=../schema/handout.schema.json
title: Bótox
category: Tratamientos
translation:
  source_reviewed_on: {source_reviewed_on}
  translated_by: Servicio de traducción
review:
  reviewed_on: 2026-11-02
  reviewed_by: Equipo clínico
  next_review_due: 2027-11-02
sections:
  conditions:
    - El bótox trata los espasmos de los músculos. También ayuda con algunos dolores de cabeza.
call_us_if:
  - Tiene fiebre o mucho dolor.
emergency_if:
  - No puede respirar bien.
before:
  - Coma algo ligero antes de venir.
after:
  - Descanse el resto del día.
"""


@pytest.fixture
def botox_only(scratch_project: Project) -> Project:
    """A project whose library is just the Botox handout, so the figures below stay fixed."""
    for path in scratch_project.handouts_dir.glob("*.yaml"):
        if path.name != "botox.yaml":
            path.unlink()
    return scratch_project


def lines(report: CheckReport) -> list[str]:
    return [finding_line(f) for f in report.findings]


def test_current_project_has_no_errors_and_the_expected_warnings(botox_only: Project):
    project = botox_only
    report = check(project, today=TODAY)
    assert report.count("error") == 0
    assert {(f.path.name, f.kind, f.valid) for f in report.files} == {
        ("botox.yaml", "handout", True),
        ("clinic.yaml", "clinic", True),
    }
    [botox] = report.handouts
    assert (botox.id, botox.language, botox.review.status, botox.review.overdue) == ("botox", "en", "approved", False)
    assert botox.sections.formula == FLESCH_KINCAID and botox.sections.grade == 16.4
    # The parts added for patients are graded apart from the clinic's own text.
    assert botox.added.formula == FLESCH_KINCAID and botox.added.grade <= 6
    assert len(botox.hardest) == 3
    warnings = [f.problem for f in report.findings]
    assert [(w.field, w.line, w.column) for w in warnings] == [("sections", 12, 1)] + [(None, 1, 1)] * 3
    assert "the clinic's text reads at Flesch-Kincaid grade 16.4; the clinic's target is grade 8" in warnings[0].message
    # The templates print in Arabic, Spanish and Vietnamese: a handout without those translations lacks them.
    assert [w.message for w in warnings[1:]] == [
        f"no '{lang}' translation (the templates print in it): add botox.{lang}.yaml" for lang in ("ar", "es", "vi")
    ]
    assert botox.translations.missing == ("ar", "es", "vi")
    assert report.failed() is False and report.failed(strict=True) is True


def test_every_error_at_once_with_its_place(scratch_project: Project):
    handouts = scratch_project.handouts_dir
    typo = handouts / "typo.yaml"
    typo.write_text((handouts / "botox.yaml").read_text().replace("category:", "categroy:"))
    (handouts / "broken.yaml").write_text("title: [unclosed\n")
    clinic = scratch_project.clinics_dir / "example" / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace('primary: "#1F4E79"', 'primary: "#FFFF00"'))
    report = check(scratch_project, today=TODAY)
    errors = [finding_line(f) for f in report.findings if f.severity == "error"]
    assert any(f"{typo}:5:1: categroy: unknown key; did you mean 'category'?" in e for e in errors)
    assert any(f"{typo}:1:1: category: required but missing" in e for e in errors)
    assert any(f"{handouts / 'broken.yaml'}:2:1: YAML syntax error" in e for e in errors)
    assert sum(f"{clinic}:12:3" in e for e in errors) == 1  # once, though the clinic is also loaded for its target
    assert any(f"{clinic}:12:3: colours.primary: #FFFF00 is too light" in e for e in errors)
    assert report.failed()
    assert "botox" in [h.id for h in report.handouts]  # the valid handouts are still reported


def test_grade_target_comes_from_the_clinic(scratch_project: Project):
    clinic = scratch_project.clinics_dir / "example" / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace("reading_grade_target: 8", "reading_grade_target: 12.5"))
    report = check(scratch_project, today=TODAY)
    assert report.grade_target == 12.5
    [grade] = [f.problem.message for f in report.findings if f.problem.field == "sections"]
    assert "the clinic's target is grade 12.5" in grade


def test_overdue_review(project: Project):
    report = check(project, [project.handouts_dir / "botox.yaml"], today=date(2027, 11, 2))
    assert report.handouts[0].review.overdue
    assert any(
        line.endswith(
            "botox.yaml:9:3: review.next_review_due: review overdue since 2027-11-01; "
            "review the content and update review:"
        )
        for line in lines(report)
    )
    assert not check(project, [project.handouts_dir / "botox.yaml"], today=date(2027, 11, 1)).handouts[0].review.overdue


def test_translations_missing_and_outdated(scratch_project: Project):
    handouts = scratch_project.handouts_dir
    spanish = handouts / "botox.es.yaml"
    spanish.write_text(SPANISH.format(source_reviewed_on="2025-11-01"), encoding="utf-8")
    (handouts / "other.yaml").write_text((handouts / "botox.yaml").read_text())
    report = check(scratch_project, today=TODAY)
    by_name = {h.path.name: h for h in report.handouts}
    botox, other, es = by_name["botox.yaml"], by_name["other.yaml"], by_name["botox.es.yaml"]
    assert (botox.translations.present, botox.translations.outdated, botox.translations.missing) == (
        ("ar", "es", "vi"),
        ("es",),
        (),
    )
    assert (other.translations.present, other.translations.missing) == ((), ("ar", "es", "vi"))
    assert es.translations is None
    assert es.sections.formula == FERNANDEZ_HUERTA and es.added.formula == FERNANDEZ_HUERTA
    assert es.sections.grade <= 8
    found = lines(report)
    assert (
        f"warning: {spanish}:5:3: translation.source_reviewed_on: outdated: translates the review of "
        "2025-11-01, but botox.yaml was reviewed again on 2026-11-01; update the translation" in found
    )
    assert (
        f"warning: {handouts / 'other.yaml'}:1:1: no 'es' translation (other handouts have one): "
        "add other.es.yaml" in found
    )
    assert not any(str(spanish) in line and ": missing;" in line for line in found)  # es has every action part

    spanish.write_text(SPANISH.format(source_reviewed_on="2026-11-01"), encoding="utf-8")
    report = check(scratch_project, today=TODAY)
    assert [h.translations.outdated for h in report.handouts if h.id == "botox" and h.language == "en"] == [()]


def test_placeholders_left_in_a_new_handout_are_warnings(scratch_project: Project):
    path = new_handout(scratch_project, "nerve-block")
    report = check(scratch_project, [path], today=TODAY)
    placeholders = [f for f in report.findings if "placeholder text left" in f.problem.message]
    assert len(placeholders) == 20  # reviewer, 9 in sections, 3 key points, 4 parts, 2 in terms, source
    assert placeholders[0].problem.field == "review.reviewed_by" and placeholders[0].problem.line == 8
    assert report.count("error") == 0
    assert report.handouts[0].sections is None and report.handouts[0].hardest == ()  # placeholders are not graded


class Visit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    visit_id: str
    handouts: list[str]


def test_visit_files_use_the_model_in_the_registry_or_are_reported_as_not_checkable(scratch_project: Project):
    examples = scratch_project.root / "examples"
    examples.mkdir()
    visit = examples / "visit.yaml"
    visit.write_text("visit_id: v-001\nhandouts: [botox]\nsurprise: 1\n")
    (examples / "notes.yaml").write_text("hello: world\n")

    without_visits = {kind: model for kind, model in MODELS.items() if kind != "visit"}
    report = check(scratch_project, [examples], today=TODAY, models=without_visits)
    assert [(f.path.name, f.kind, f.valid) for f in report.files] == [
        ("notes.yaml", "unknown", False),
        ("visit.yaml", "visit", False),
    ]
    assert f"warning: {visit}:1:1: not checkable: no model for this kind of file" in lines(report)
    notes = examples / "notes.yaml"
    assert f"warning: {notes}:1:1: not checkable: not a handout, clinic or visit file" in lines(report)
    assert report.count("error") == 0

    report = check(scratch_project, [visit], today=TODAY, models={"visit": Visit})
    assert any(f"error: {visit}:3:1: surprise: unknown key" in line for line in lines(report))
    visit.write_text("visit_id: v-001\nhandouts: [botox]\n")
    report = check(scratch_project, [visit], today=TODAY, models={"visit": Visit})
    assert report.findings == [] and report.files[0].valid


def test_json_keys_are_stable(botox_only: Project):
    project = botox_only
    data = as_json(check(project, today=TODAY), strict=True)
    assert list(data) == [
        "version",
        "ok",
        "strict",
        "today",
        "clinic",
        "reading_grade_target",
        "counts",
        "files",
        "problems",
        "handouts",
    ]
    assert data["ok"] is False and data["counts"] == {"files": 2, "errors": 0, "warnings": 4}
    assert set(data["problems"][0]) == {"severity", "file", "line", "column", "field", "message", "text"}
    [botox] = data["handouts"]
    assert list(botox) == ["path", "id", "language", "title", "review", "reading", "hardest_sentences", "translations"]
    assert botox["reading"]["sections"] == {
        "formula": "Flesch-Kincaid grade",
        "score": 16.4,
        "grade": 16.4,
        "words": 466,
        "sentences": 21,
        "words_per_sentence": 22.2,
    }
    assert botox["reading"]["added_parts"]["formula"] == "Flesch-Kincaid grade"
    assert botox["translations"] == {"present": [], "missing": ["ar", "es", "vi"], "outdated": []}
    json.dumps(data)  # plain JSON types only


def test_table_output(botox_only: Project):
    project = botox_only
    console = Console(record=True, width=120)
    print_report(check(project, today=TODAY), console)
    text = console.export_text()
    assert "botox" in text and "16.4" in text and "approved" in text and "2027-11-01" in text
    assert "Formulas: Flesch-Kincaid grade" in text
    assert "grade 24.3: Alternative Interventions:" in text
    assert text.rstrip().endswith("ok: 2 files, 0 errors, 4 warnings")


def test_check_command_exit_status_and_json(botox_only: Project, capsys):
    root = ["--root", str(botox_only.root)]
    assert main([*root, "check", "--today", "2026-11-26"]) == 0
    assert "ok: 2 files, 0 errors, 4 warnings" in capsys.readouterr().out
    assert main([*root, "check", "--strict", "--json", "--today", "2026-11-26"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and data["today"] == "2026-11-26"


def test_check_command_errors_fail(botox_only: Project, capsys):
    bad = botox_only.handouts_dir / "botox.yaml"
    bad.write_text(bad.read_text().replace("reviewed_on: 2026-11-01", "reviewed_on: 2026-13-01"))
    assert main(["--root", str(botox_only.root), "check"]) == 1
    out = capsys.readouterr().out
    assert f"error: {bad}:7:3: review.reviewed_on: not a valid date; write it as YYYY-MM-DD" in out
    assert "FAILED: 2 files, 1 errors" in out


def test_check_opens_no_socket(monkeypatch, botox_only: Project):
    scratch_project = botox_only

    def refuse(*args, **kwargs):
        raise OSError("network use in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    (scratch_project.handouts_dir / "botox.es.yaml").write_text(SPANISH.format(source_reviewed_on="2026-11-01"))
    report = check(scratch_project, today=TODAY)
    assert report.count("error") == 0 and len(report.handouts) == 2


def test_paths_outside_the_current_folder_are_shown_as_given(tmp_path: Path, project: Project):
    outside = tmp_path / "h.yaml"
    outside.write_text("title: x\n")
    report = check(project, [outside], today=TODAY)
    assert all(str(outside) in line for line in lines(report))


def test_unknown_language_code_is_an_error_not_a_missing_translation(scratch_project: Project):
    handouts = scratch_project.handouts_dir
    bad = handouts / "botox.yy.yaml"
    bad.write_bytes((handouts / "botox.yaml").read_bytes())
    report = check(scratch_project, [handouts], today=TODAY)
    found = lines(report)
    assert (
        f"error: {bad}: 'yy' is not a known language code; name translations ID.LANG.yaml, e.g. botox.es.yaml" in found
    )
    assert not any("'yy' translation" in line for line in found)


def test_locations_print_as_typed_not_as_emoji(scratch_project: Project, capsys):
    # rich turns ":100:" into an emoji unless told not to; a location must print as "file:100:5"
    path = scratch_project.handouts_dir / "botox.yaml"
    lines = path.read_text().splitlines()
    at = lines.index("after:") + 1
    lines.insert(at, "  - Watch for paresthesia.")  # an uncommon word no term defines
    path.write_text("\n".join(["# padding"] * (99 - at) + lines) + "\n")
    main(["--root", str(scratch_project.root), "check", str(path)])
    out = capsys.readouterr().out
    assert "botox.yaml:100:" in out.replace("\n", "")
    assert "\N{HUNDRED POINTS SYMBOL}" not in out
