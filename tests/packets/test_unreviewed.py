"""A clinic that prints only reviewed handouts: ``packet`` refuses the others and ``check`` names them."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic_handouts.checks.checker import check
from clinic_handouts.cli.main import main
from clinic_handouts.content.library import Project

VISIT = """\
visit_id: V20261127-009
date: 2026-11-27
clinic: example
clinician: Dr. Lee
patient: {{name: Ann Patient, dob: 1950-02-03, mrn: RPS-000009}}
handouts: [{handouts}]
"""


def strict_clinic(project: Project) -> None:
    path = project.clinics_dir / "example" / "clinic.yaml"
    path.write_text(path.read_text().replace("print_unreviewed: true", "print_unreviewed: false"))


@pytest.fixture
def visit(tmp_path: Path):
    def write(*handouts: str) -> Path:
        path = tmp_path / "visit.yaml"
        path.write_text(VISIT.format(handouts=", ".join(handouts)))
        return path

    return write


def test_a_strict_clinic_refuses_unreviewed_handouts_and_says_which(scratch_project: Project, visit, tmp_path, capsys):
    strict_clinic(scratch_project)
    out = tmp_path / "packet.pdf"
    # physical therapy is sample content; the pain log is reviewed
    status = main(
        ["--root", str(scratch_project.root), "packet", str(visit("pain-log", "physical-therapy")), "-o", str(out)]
    )
    err = capsys.readouterr().err
    assert status == 1 and not out.exists()
    assert "handout 'physical-therapy' (en) is not yet reviewed" in err
    assert "print_unreviewed: true" in err and "handouts.1" in err
    assert "pain-log" not in err and "Ann Patient" not in err and "Traceback" not in err


def test_a_strict_clinic_prints_reviewed_handouts(scratch_project: Project, visit, tmp_path):
    strict_clinic(scratch_project)
    out = tmp_path / "packet.pdf"
    assert main(["--root", str(scratch_project.root), "packet", str(visit("pain-log")), "-o", str(out)]) == 0
    assert out.stat().st_size > 0


def test_check_names_the_handouts_a_strict_clinic_keeps_out(scratch_project: Project):
    strict_clinic(scratch_project)
    report = check(scratch_project, [scratch_project.handouts_dir])
    kept_out = sorted(
        (f.problem.file.name, f.problem.field)
        for f in report.findings
        if "keeps it out of patient packets" in f.problem.message
    )
    assert ("physical-therapy.yaml", "review.status") in kept_out
    assert not any(name == "pain-log.yaml" for name, _ in kept_out)


def test_the_example_clinic_prints_sample_handouts(scratch_project: Project):
    report = check(scratch_project, [scratch_project.handouts_dir])
    assert not any("keeps it out" in f.problem.message for f in report.findings)
