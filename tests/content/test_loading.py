"""Loading YAML: the Botox file is accepted; each kind of bad input is located and explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic_handouts.content.library import Project
from clinic_handouts.content.loading import load_clinic, load_handout
from clinic_handouts.content.models import STANDARD_KEYS
from clinic_handouts.errors import HandoutError


def test_botox_is_valid_and_complete(project: Project):
    handout = load_handout(project.handout_path("botox"))
    assert handout.id == "botox"
    assert handout.language == "en"
    assert handout.title == "Botox"
    assert [key for key, _ in handout.sections.present()] == list(STANDARD_KEYS)
    benefits = handout.sections.benefits
    assert [b.label for b in benefits.content] == ["Muscle Spasm Relief", "Pain Reduction", "Improved Function"]
    intro, *bullets = handout.sections.if_no_help.content
    assert not intro.is_bullet and all(b.is_bullet for b in bullets)


def _problems(path: Path, text: str) -> list[str]:
    path.write_text(text, encoding="utf-8")
    with pytest.raises(HandoutError) as caught:
        load_handout(path)
    return [str(p) for p in caught.value.problems]


VALID = """\
title: Test
category: Treatments
review:
  reviewed_on: 2026-01-01
  reviewed_by: Someone
  next_review_due: 2027-01-01
sections:
  conditions:
    - A paragraph.
"""


def test_minimal_handout_is_valid(tmp_path: Path):
    path = tmp_path / "test.yaml"
    path.write_text(VALID, encoding="utf-8")
    assert load_handout(path).sections.conditions.content[0].paragraph == "A paragraph."


def test_yaml_syntax_error_has_file_line_and_column(tmp_path: Path):
    path = tmp_path / "broken.yaml"
    [problem] = _problems(path, VALID.replace("title: Test", "title: [Test"))
    assert problem.startswith(f"{path}:2:")
    assert "YAML syntax error" in problem


def test_unknown_key_points_at_its_line_and_suggests(tmp_path: Path):
    path = tmp_path / "typo.yaml"
    [problem] = _problems(path, VALID.replace("title: Test", "titel: Test\ntitle: Test"))
    assert problem.startswith(f"{path}:1:1: titel: unknown key; did you mean 'title'?")


def test_every_problem_is_reported_at_once(tmp_path: Path):
    path = tmp_path / "many.yaml"
    text = VALID.replace("category: Treatments\n", "").replace("2027-01-01", "soon")
    text = text.replace("    - A paragraph.", "    - label: Only a label")
    problems = _problems(path, text)
    assert len(problems) == 3
    assert [int(p.split(":")[1]) for p in problems] == [1, 5, 8]  # in file order
    joined = "\n".join(problems)
    assert f"{path}:1:1: category: required but missing" in joined
    assert f"{path}:5:3: review.next_review_due: not a valid date; write it as YYYY-MM-DD" in joined
    assert f"{path}:8:7: sections.conditions.content.0: a bullet needs 'text:'" in joined


def test_a_bad_bullet_field_is_located_on_its_own_line(tmp_path: Path):
    path = tmp_path / "bullet.yaml"
    text = VALID.replace("    - A paragraph.", "    - A paragraph.\n    - label: X\n      text: Y\n      colour: red")
    [problem] = _problems(path, text)
    assert problem.startswith(f"{path}:12:7: sections.conditions.content.1.colour: unknown key")


def test_review_dates_must_be_in_order(tmp_path: Path):
    path = tmp_path / "dates.yaml"
    [problem] = _problems(path, VALID.replace("2027-01-01", "2025-01-01"))
    assert "review: next_review_due (2025-01-01) must come after reviewed_on (2026-01-01)" in problem


def test_a_handout_needs_a_standard_section(tmp_path: Path):
    path = tmp_path / "empty.yaml"
    [problem] = _problems(path, VALID.replace("  conditions:\n    - A paragraph.\n", "  {}\n"))
    assert "sections: no standard section found" in problem


def test_wrong_types_are_explained(tmp_path: Path):
    path = tmp_path / "types.yaml"
    problems = _problems(path, VALID.replace("    - A paragraph.", "    - 42").replace("title: Test", "title: [a, b]"))
    joined = "\n".join(problems)
    assert f"{path}:1:1: title: should be text" in joined
    assert f"{path}:9:7: sections.conditions.content.0: write a paragraph as text" in joined


def test_top_level_must_be_a_mapping(tmp_path: Path):
    path = tmp_path / "list.yaml"
    [problem] = _problems(path, "- just\n- a list\n")
    assert problem == f"{path}:1:1: expected 'key: value' lines at the top of the file"


def test_yaml_tags_are_not_executed(tmp_path: Path):
    path = tmp_path / "evil.yaml"
    [problem] = _problems(path, VALID.replace("title: Test", "title: !!python/object/apply:os.system ['true']"))
    assert "YAML syntax error" in problem and ":1:" in problem


def test_translation_language_comes_from_the_file_name(tmp_path: Path):
    path = tmp_path / "test.es.yaml"
    path.write_text(VALID, encoding="utf-8")
    handout = load_handout(path)
    assert (handout.id, handout.language) == ("test", "es")


def test_example_clinic_is_valid(project: Project):
    clinic = load_clinic(project.clinic_folder("example"))
    assert clinic.phone and clinic.after_hours_phone and clinic.paper == "letter"


def test_clinic_colour_too_light_and_missing_logo(scratch_project: Project):
    path = scratch_project.clinics_dir / "example" / "clinic.yaml"
    text = path.read_text().replace('"#1F4E79"', '"#FFFF00"')
    path.write_text(text)
    with pytest.raises(HandoutError) as caught:
        load_clinic(path.parent)
    [problem] = caught.value.problems
    assert str(problem).startswith(f"{path}:12:3: colours.primary: #FFFF00 is too light")
    path.write_text(text.replace('"#FFFF00"', '"#1F4E79"').replace("logo: logo.svg", "logo: missing.svg"))
    with pytest.raises(HandoutError, match=r"clinic.yaml:14:1: logo: logo file 'missing.svg' not found"):
        load_clinic(path.parent)


def test_an_impossible_date_is_located_not_a_crash(scratch_project: Project):
    path = scratch_project.handouts_dir / "botox.yaml"
    path.write_text(path.read_text().replace("next_review_due: 2027-11-01", "next_review_due: 2027-13-01"))
    with pytest.raises(HandoutError) as caught:
        load_handout(path)
    # The value is not repeated: in a visit file it could be a date of birth.
    assert str(caught.value) == (
        f"{path}:9:3: review.next_review_due: not a valid date; write it as YYYY-MM-DD, for example 2026-11-01"
    )


@pytest.mark.parametrize("name, language", [("x.yy.yaml", "yy"), ("Bad.Name.yaml", "Name")])
def test_unknown_language_in_the_file_name_is_a_problem(project: Project, tmp_path: Path, name, language):
    path = tmp_path / name
    path.write_bytes(project.handout_path("botox").read_bytes())
    with pytest.raises(HandoutError) as caught:
        load_handout(path)
    [problem] = caught.value.problems
    assert problem.file == path
    assert problem.message == (
        f"'{language}' is not a known language code; name translations ID.LANG.yaml, e.g. botox.es.yaml"
    )


def test_a_logo_linked_from_outside_the_clinic_folder_is_refused(scratch_project: Project, tmp_path: Path):
    folder = scratch_project.clinics_dir / "example"
    logo = folder / "logo.svg"
    outside = tmp_path / "elsewhere.svg"
    outside.write_bytes(logo.read_bytes())
    inside = folder / "real-logo.svg"
    logo.rename(inside)
    logo.symlink_to(inside)
    assert load_clinic(folder).logo == "logo.svg"  # a link within the folder is fine
    logo.unlink()
    logo.symlink_to(outside)
    with pytest.raises(HandoutError) as caught:
        load_clinic(folder)
    [problem] = caught.value.problems
    assert problem.field == "logo" and problem.line == 14
    assert "logo file 'logo.svg' is outside" in problem.message


WORKSHEET = """\
kind: worksheet
title: Log
category: Tools
review: {reviewed_on: 2026-01-01, reviewed_by: Someone, next_review_due: 2027-01-01}
worksheet:
  instructions: [Write one line a day.]
  log: {columns: [Date, Pain], example: [Mon 3/2, "5", extra]}
"""


def test_worksheet_mistakes_are_located_and_explained(tmp_path: Path):
    problems = _problems(tmp_path / "log.yaml", WORKSHEET)
    assert any("worksheet.log" in p and "one entry per column (2), not 3" in p for p in problems), problems
    fine = WORKSHEET.replace(", extra]", "]")
    both = fine.replace("  log:", "  exercises: {items: [{name: A, how: B, amount: C}]}\n  log:")
    assert any("either 'log:'" in p for p in _problems(tmp_path / "both.yaml", both))
    treatment = VALID + "worksheet:\n  instructions: [Write.]\n  log: {columns: [Date, Pain]}\n"
    assert any("'worksheet:' belongs to worksheets" in p for p in _problems(tmp_path / "t.yaml", treatment))
    figure = VALID + "figures:\n  - {file: ../etc/x.svg, section: procedure, caption: A, alt: B}\n"
    assert any("figures.0.file" in p and "handouts/figures" in p for p in _problems(tmp_path / "f.yaml", figure))
    order = VALID + "figures:\n  - {file: x.svg, section: nowhere, caption: A, alt: B}\n"
    assert any("figures.0.section" in p for p in _problems(tmp_path / "o.yaml", order))
