"""The command line, as staff run it: messages, exit status, files written or not."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
from conftest import ROOT, pdf_text

from clinic_handouts.build import example_visits
from clinic_handouts.cli.main import main
from clinic_handouts.content.library import Project
from clinic_handouts.content.visits import load_visit
from clinic_handouts.packets.types import default_file_name


def test_main_job_renders_every_handout_and_the_example_packets(scratch_project: Project, tmp_path: Path, capsys):
    shutil.copytree(ROOT / "examples", scratch_project.root / "examples")
    visits = example_visits(scratch_project)
    assert len(visits) >= 2
    packets = sorted(default_file_name(load_visit(v)[0]) for v in visits)
    out = tmp_path / "out"
    assert main(["--root", str(scratch_project.root), "--out-dir", str(out)]) == 0
    written = sorted(p.name for p in out.glob("*.pdf"))
    expected = sorted(p.name.replace(".yaml", ".pdf") for p in scratch_project.handouts_dir.glob("*.yaml"))
    assert written == sorted(expected + packets) and "botox.pdf" in written
    printed = capsys.readouterr().out
    assert f"wrote {out / 'botox.pdf'}" in printed
    assert all(f"wrote {out / name}" in printed for name in packets)
    for name in packets:
        assert pdf_text(out / name)[0]  # a cover page with text


def test_main_job_reports_an_unknown_language_and_builds_the_rest(scratch_project: Project, tmp_path: Path, capsys):
    handouts = scratch_project.handouts_dir
    for path in handouts.glob("*.yaml"):
        if path.name != "botox.yaml":
            path.unlink()
    bad = handouts / "botox.yy.yaml"
    bad.write_bytes((handouts / "botox.yaml").read_bytes())
    out = tmp_path / "out"
    assert main(["--root", str(scratch_project.root), "--out-dir", str(out)]) == 1
    assert [p.name for p in out.glob("*.pdf")] == ["botox.pdf"]
    assert f"error: {bad}: 'yy' is not a known language code" in capsys.readouterr().err


def test_handout_command_with_paper_and_output(tmp_path: Path, capsys):
    out = tmp_path / "b.pdf"
    assert main(["handout", "botox", "--paper", "a4", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    with pikepdf.open(out) as pdf:
        assert {tuple(round(float(v)) for v in page.mediabox) for page in pdf.pages} == {(0, 0, 595, 842)}
    assert "wrote" in capsys.readouterr().out


def test_handout_on_other_paper_is_named_after_it(scratch_project: Project, capsys):
    assert main(["--root", str(scratch_project.root), "handout", "botox", "--paper", "a4"]) == 0
    out = scratch_project.root / "out"
    assert sorted(p.name for p in out.iterdir()) == ["botox-a4.pdf"]  # the letter-size botox.pdf is not overwritten
    assert f"wrote {out / 'botox-a4.pdf'}" in capsys.readouterr().out


def test_output_name_says_paper_and_print_size(project: Project):
    from clinic_handouts.build import output_name
    from clinic_handouts.content.loading import load_handout

    handout = load_handout(project.handout_path("botox"))
    assert output_name(handout) == "botox.pdf"
    assert output_name(handout, "a4", large_print=True) == "botox-a4-large.pdf"


def test_handout_output_to_a_folder_is_refused(tmp_path: Path, capsys):
    assert main(["handout", "botox", "-o", str(tmp_path)]) == 1
    assert f"error: {tmp_path} is a folder; give a file name ending in .pdf" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    assert main(["packet", str(ROOT / "examples" / "visit-botox.yaml"), "-o", str(tmp_path)]) == 1
    assert f"error: {tmp_path} is a folder; give a file name ending in .pdf" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_schema_error_exits_1_writes_nothing(scratch_project: Project, tmp_path: Path, capsys):
    bad = scratch_project.handouts_dir / "botox.yaml"
    bad.write_text(bad.read_text().replace("category: Treatments", "categroy: Treatments"))
    out = tmp_path / "out" / "b.pdf"
    status = main(["--root", str(scratch_project.root), "handout", "botox", "-o", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 1
    assert f"error: {bad}:1:1: category: required but missing; add 'category:' here" in err
    assert any(f"{bad}:5:1: categroy: unknown key; did you mean 'category'?" in line for line in err)
    assert not out.parent.exists()  # nothing written, not even the folder


def test_failed_render_leaves_the_old_file_untouched(scratch_project: Project, tmp_path: Path):
    out = tmp_path / "out" / "b.pdf"
    out.parent.mkdir()
    out.write_bytes(b"previous good file")
    template = scratch_project.templates_dir / "handout.html"
    template.write_text(template.read_text().replace("<article", '<img src="http://127.0.0.1/x.png"><article'))
    status = main(["--root", str(scratch_project.root), "handout", "botox", "-o", str(out)])
    assert status == 1
    assert out.read_bytes() == b"previous good file"
    assert [p.name for p in out.parent.iterdir()] == ["b.pdf"]  # no partial file beside it


def test_unknown_handout_suggests_the_right_one(capsys):
    assert main(["handout", "botx"]) == 1
    assert "unknown handout 'botx'; did you mean 'botox'?" in capsys.readouterr().err


def test_path_like_ids_are_refused(capsys):
    assert main(["handout", "../../etc/passwd"]) == 1
    assert "not a valid handout id" in capsys.readouterr().err


def test_generate_py_is_a_thin_entry_point(tmp_path: Path):
    out = tmp_path / "b.pdf"
    done = subprocess.run(
        [sys.executable, str(ROOT / "generate.py"), "handout", "botox", "-o", str(out)],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 10_000
