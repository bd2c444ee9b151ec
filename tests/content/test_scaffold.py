"""``new``: a handout file with the clinic's outline that loads, and never replaces a file."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from clinic_handouts.cli.main import main
from clinic_handouts.content.importing import SCHEMA_LINE
from clinic_handouts.content.library import Project
from clinic_handouts.content.loading import load_handout
from clinic_handouts.content.models import STANDARD_KEYS
from clinic_handouts.content.scaffold import PLACEHOLDER, new_handout
from clinic_handouts.errors import HandoutError


def test_new_handout_has_the_outline_and_loads(scratch_project: Project):
    path = new_handout(scratch_project, "nerve-block", today=date(2026, 11, 26))
    assert path == scratch_project.handouts_dir / "nerve-block.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == SCHEMA_LINE
    handout = load_handout(path)
    assert handout.id == "nerve-block" and handout.title == "Nerve Block"
    assert [key for key, _ in handout.sections.present()] == list(STANDARD_KEYS)
    for _, section in handout.sections.present():
        assert all(block.words.startswith(PLACEHOLDER) for block in section.content)
    assert handout.sections.benefits.content[0].is_bullet
    assert len(handout.key_points) == 3
    for part in ("before", "after", "call_us_if", "emergency_if", "terms", "sources"):
        assert getattr(handout, part), part
    review = handout.review
    assert (review.reviewed_on, review.next_review_due, review.status) == (
        date(2026, 11, 26),
        date(2027, 11, 26),
        "sample",
    )
    assert review.reviewed_by.startswith(PLACEHOLDER)
    assert "extra_sections" not in yaml.safe_load(text)  # shown as a comment only


def test_numeric_id_still_gives_a_text_title(scratch_project: Project):
    assert load_handout(new_handout(scratch_project, "2026")).title == "2026"


def test_refuses_to_overwrite(scratch_project: Project):
    target = scratch_project.handouts_dir / "botox.yaml"
    before = target.read_text()
    with pytest.raises(HandoutError, match=r"botox\.yaml: already exists; not overwritten"):
        new_handout(scratch_project, "botox")
    assert target.read_text() == before


@pytest.mark.parametrize("bad", ["../evil", "Nerve Block", "", "x/y", ".hidden"])
def test_refuses_a_bad_id(scratch_project: Project, bad: str):
    before = sorted(scratch_project.handouts_dir.iterdir())
    with pytest.raises(HandoutError, match="is not a valid handout id"):
        new_handout(scratch_project, bad)
    assert sorted(scratch_project.handouts_dir.iterdir()) == before


def test_new_command(scratch_project: Project, capsys):
    root = ["--root", str(scratch_project.root)]
    assert main([*root, "new", "nerve-block"]) == 0
    assert f"wrote {scratch_project.handouts_dir / 'nerve-block.yaml'}" in capsys.readouterr().out
    assert main([*root, "new", "nerve-block"]) == 1
    assert "already exists; not overwritten" in capsys.readouterr().err
    assert main([*root, "new", "../x"]) == 1
    assert "(invalid value) is not a valid handout id" in capsys.readouterr().err
