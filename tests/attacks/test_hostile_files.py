"""Hostile and broken files through the real command line: one clear line, exit 1, nothing written.

Each case is what an attacker or a failing disk would try: YAML that explodes
or never ends, links that point out of the project, paths the system refuses.
Run on their own with ``pytest -m attack``.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from conftest import FIXTURES

from clinic_handouts.cli.main import main
from clinic_handouts.content.library import Project

pytestmark = pytest.mark.attack

#: a one-page handout, quick to render, for the faults of writing its file (which handout does not matter)
TINY = str(FIXTURES / "tiny.yaml")

BOMB = "\n".join(
    [
        'a: &a ["x","x","x","x","x","x","x","x","x"]',
        *(f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]" for p, c in zip("abcdefg", "bcdefgh", strict=False)),
    ]
)

HOSTILE_YAML = {
    "alias bomb": (BOMB, "aliases expand to more than"),
    "self-referencing alias": ("a: &x [1, *x]\n", "refers to the value that contains it"),
    "deep flow nesting": ("a: " + "[" * 3000 + "]" * 3000 + "\n", "nest more than"),
    "deep block nesting": (
        "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 200)) + "  " * 200 + "c: 1\n",
        "nest more than",
    ),
    "NUL byte": ("title: a\x00b\n", "control character"),
    "control character": ("title: a\x07b\n", "control character"),
    "duplicate key": ("title: A\ncategory: B\ntitle: C\n", "'title' appears twice, on lines 1 and 3"),
    "not UTF-8": (b"title: \xff\xfe\n".decode("latin-1"), None),
}


def _errors(captured: str) -> list[str]:
    lines = [line for line in captured.splitlines() if line.strip()]
    assert "Traceback" not in captured, captured
    assert all(line.startswith("error: ") for line in lines), lines
    return lines


def _write(path: Path, text: str) -> None:
    if text.startswith("title: \xff"):
        path.write_bytes(b"title: \xff\xfe\n")
    else:
        path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("case", sorted(HOSTILE_YAML))
def test_hostile_handout_yaml(case: str, scratch_project: Project, tmp_path: Path, capsys):
    text, expected = HOSTILE_YAML[case]
    _write(scratch_project.handouts_dir / "evil.yaml", text)
    out = tmp_path / "evil.pdf"
    assert main(["--root", str(scratch_project.root), "handout", "evil", "-o", str(out)]) == 1
    lines = _errors(capsys.readouterr().err)
    assert len(lines) == 1, lines
    assert "evil.yaml" in lines[0]
    if expected:
        assert expected in lines[0]
    assert not out.exists()


@pytest.mark.parametrize("case", sorted(HOSTILE_YAML))
def test_hostile_visit_yaml(case: str, tmp_path: Path, capsys):
    text, _ = HOSTILE_YAML[case]
    visit = tmp_path / "visit.yaml"
    _write(visit, text)
    assert main(["packet", str(visit), "-o", str(tmp_path / "p.pdf")]) == 1
    assert len(_errors(capsys.readouterr().err)) >= 1
    assert not list(tmp_path.glob("*.pdf"))


@pytest.mark.parametrize("case", ["alias bomb", "self-referencing alias", "deep flow nesting", "duplicate key"])
def test_hostile_clinic_yaml_and_check(case: str, scratch_project: Project, tmp_path: Path, capsys):
    text, expected = HOSTILE_YAML[case]
    (scratch_project.clinics_dir / "example" / "clinic.yaml").write_text(text, encoding="utf-8")
    assert main(["--root", str(scratch_project.root), "handout", "botox", "-o", str(tmp_path / "b.pdf")]) == 1
    lines = _errors(capsys.readouterr().err)
    assert expected in lines[0] and "clinic.yaml" in lines[0]
    status = main(["--root", str(scratch_project.root), "check", str(scratch_project.clinics_dir)])
    assert status == 1
    assert "Traceback" not in capsys.readouterr().err


def test_a_huge_yaml_file_is_refused_before_it_is_read(scratch_project: Project, tmp_path: Path, capsys):
    huge = scratch_project.handouts_dir / "huge.yaml"
    with huge.open("w") as handle:  # 50 MB, almost all of it a hole of NUL bytes (YAML refuses those if read)
        handle.write("title: ")
        handle.truncate(50 * 1024 * 1024)
    assert main(["--root", str(scratch_project.root), "handout", "huge", "-o", str(tmp_path / "h.pdf")]) == 1
    (line,) = _errors(capsys.readouterr().err)
    assert "larger than 2 MB" in line


# --- links out of the project ---------------------------------------------------------------------------


def _link_out(target_in_project: Path, outside: Path) -> None:
    """Replace a file or folder of the project by a link to a copy of it outside the project."""
    if target_in_project.is_dir():
        os.rename(target_in_project, outside)
    else:
        outside.write_bytes(target_in_project.read_bytes())
        target_in_project.unlink()
    target_in_project.symlink_to(outside)


@pytest.mark.parametrize(
    "relative",
    [
        "handouts/botox.yaml",
        "handouts/botox.es.yaml",
        "clinics/example/clinic.yaml",
        "clinics/example",
        "templates/handout.html",
        "templates/_blocks.html",
        "templates",
        "styles/handout.css",
        "styles",
        "clinics/example/logo.svg",
    ],
)
def test_a_link_out_of_the_project_is_refused(
    relative: str, scratch_project: Project, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, capsys
):
    outside = tmp_path_factory.mktemp("elsewhere") / Path(relative).name
    _link_out(scratch_project.root / relative, outside)
    out = tmp_path / "b.pdf"
    if relative == "handouts/botox.es.yaml":  # a translation is found by the product when a packet needs it
        visit = tmp_path / "visit.yaml"
        visit.write_text(
            "visit_id: V1\ndate: 2026-11-27\nclinic: example\nclinician: Dr A\npatient:\n"
            "  name: Ana Ruiz\n  dob: 1960-02-03\n  language: es\nhandouts: [botox]\n"
        )
        status = main(["--root", str(scratch_project.root), "packet", str(visit), "-o", str(out)])
    else:
        status = main(["--root", str(scratch_project.root), "handout", "botox", "-o", str(out)])
    assert status == 1
    (line,) = _errors(capsys.readouterr().err)
    assert "outside" in line and Path(relative).name in line, line
    assert not out.exists()


def test_a_clinic_template_linked_to_a_system_file_never_reaches_the_pdf(scratch_project: Project, tmp_path, capsys):
    own = scratch_project.clinics_dir / "example" / "templates"
    own.mkdir()
    (own / "handout.html").symlink_to("/etc/passwd")
    out = tmp_path / "b.pdf"
    assert main(["--root", str(scratch_project.root), "handout", "botox", "-o", str(out)]) == 1
    (line,) = _errors(capsys.readouterr().err)
    assert "handout.html" in line and "outside" in line
    assert not out.exists()


# --- paths the system refuses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("/proc/x.pdf", "cannot write"),
        ("/tmp/" + "a" * 300 + ".pdf", "too long"),
        ("/etc/passwd/x.pdf", "part of the path is a file"),
        ("handouts/x.yaml", "must end in .pdf"),
        ("/dev/null", "must end in .pdf"),
    ],
)
def test_output_paths_the_system_refuses(output: str, expected: str, scratch_project: Project, capsys):
    assert main(["--root", str(scratch_project.root), "handout", TINY, "-o", output]) == 1
    (line,) = _errors(capsys.readouterr().err)
    assert expected in line, line
    assert not (scratch_project.root / "handouts" / "x.yaml").exists()


def test_a_device_named_pdf_is_never_replaced(tmp_path: Path, capsys):
    device = tmp_path / "printer.pdf"
    os.mkfifo(device)
    assert main(["handout", "botox", "-o", str(device)]) == 1
    (line,) = _errors(capsys.readouterr().err)
    assert "not a regular file" in line
    assert not device.is_file() and device.exists()


def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path: Path, monkeypatch, capsys):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    out = tmp_path / "b.pdf"
    assert main(["handout", TINY, "-o", str(out)]) == 1
    (line,) = _errors(capsys.readouterr().err)
    assert "disk is full" in line and str(out) in line
    assert list(tmp_path.iterdir()) == []


def test_a_nul_byte_in_the_logo_path(scratch_project: Project, tmp_path: Path, capsys):
    clinic = scratch_project.clinics_dir / "example" / "clinic.yaml"
    text = clinic.read_text(encoding="utf-8")
    clinic.write_text(
        "\n".join('logo: "logo\\0.svg"' if line.startswith("logo:") else line for line in text.splitlines()) + "\n",
        encoding="utf-8",
    )
    assert main(["--root", str(scratch_project.root), "handout", "botox", "-o", str(tmp_path / "b.pdf")]) == 1
    (line,) = _errors(capsys.readouterr().err)
    assert "clinic.yaml" in line and "logo" in line


def test_an_svg_logo_that_refers_outside_is_refused(scratch_project: Project, tmp_path: Path, capsys):
    logo = scratch_project.clinics_dir / "example" / "logo.svg"
    logo.write_text(logo.read_text().replace("</svg>", '<image href="file:///etc/passwd"/></svg>'))
    assert main(["--root", str(scratch_project.root), "handout", "botox", "-o", str(tmp_path / "b.pdf")]) == 1
    (line,) = _errors(capsys.readouterr().err)
    assert "self-contained SVG" in line and "base64" not in line and len(line) < 400


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_an_implausible_visit_date(day: str, tmp_path: Path, capsys):
    visit = tmp_path / "visit.yaml"
    visit.write_text(
        f"visit_id: V1\ndate: {day}\nclinic: example\nclinician: Dr A\npatient:\n"
        "  name: Ana Ruiz\n  dob: 1960-02-03\nhandouts: [botox]\n"
    )
    assert main(["packet", str(visit), "-o", str(tmp_path / "p.pdf")]) == 1
    (line,) = _errors(capsys.readouterr().err)
    assert "visit.yaml:2:" in line and "plausible" in line
