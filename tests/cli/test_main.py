"""The command line, as staff run it: messages, exit status, files written or not."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from conftest import FIXTURE_PROJECT, FIXTURES, ROOT, pdf_text

from clinic_handouts import __version__
from clinic_handouts.build import example_visits
from clinic_handouts.cli.main import main
from clinic_handouts.content.library import Project
from clinic_handouts.content.visits import load_visit
from clinic_handouts.packets.types import default_file_name

#: a one-page handout, quick to render, for tests of the command line rather than of the handouts
TINY = str(FIXTURES / "tiny.yaml")


def test_main_job_renders_every_handout_and_the_example_packets(scratch_project: Project, tmp_path: Path, capsys):
    shutil.copytree(FIXTURE_PROJECT / "examples", scratch_project.root / "examples")
    for path in scratch_project.handouts_dir.glob("*.yaml"):  # those the example visits need, and a translation
        if path.name not in ("botox.yaml", "botox.es.yaml", "physical-therapy.yaml"):
            path.unlink()
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


def test_handout_command_with_paper_and_output(project: Project, tmp_path: Path, capsys):
    out = tmp_path / "b.pdf"
    assert main(["--root", str(project.root), "handout", "botox", "--paper", "a4", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    with pikepdf.open(out) as pdf:
        assert {tuple(round(float(v)) for v in page.mediabox) for page in pdf.pages} == {(0, 0, 595, 842)}
    assert "wrote" in capsys.readouterr().out


def test_handout_on_other_paper_is_named_after_it(scratch_project: Project, capsys):
    assert main(["--root", str(scratch_project.root), "handout", TINY, "--paper", "a4"]) == 0
    out = scratch_project.root / "out"
    assert sorted(p.name for p in out.iterdir()) == ["tiny-a4.pdf"]  # the letter-size tiny.pdf is not overwritten
    assert f"wrote {out / 'tiny-a4.pdf'}" in capsys.readouterr().out


def test_output_name_says_paper_and_print_size(project: Project):
    from clinic_handouts.build import output_name
    from clinic_handouts.content.loading import load_handout

    handout = load_handout(project.handout_path("botox"))
    assert output_name(handout) == "botox.pdf"
    assert output_name(handout, "a4", large_print=True) == "botox-a4-large.pdf"


def test_handout_output_to_a_folder_is_refused(project: Project, tmp_path: Path, capsys):
    root = ["--root", str(project.root)]
    assert main([*root, "handout", "botox", "-o", str(tmp_path)]) == 1
    assert f"error: {tmp_path} is a folder; give a file name ending in .pdf" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    assert main([*root, "packet", str(project.root / "examples" / "visit-botox.yaml"), "-o", str(tmp_path)]) == 1
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


def test_unknown_handout_suggests_the_right_one(project: Project, capsys):
    assert main(["--root", str(project.root), "handout", "botx"]) == 1
    assert "unknown handout 'botx'; did you mean 'botox'?" in capsys.readouterr().err


def test_path_like_ids_are_refused(project: Project, capsys):
    assert main(["--root", str(project.root), "handout", "../../etc/passwd"]) == 1
    assert "not a valid handout id" in capsys.readouterr().err


def test_generate_py_is_a_thin_entry_point(project: Project, tmp_path: Path):
    out = tmp_path / "b.pdf"
    done = subprocess.run(
        [sys.executable, str(ROOT / "generate.py"), "--root", str(project.root), "handout", TINY, "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 10_000
    assert "Tiny" in pdf_text(out)[0]


def test_commands_that_make_no_pdf_start_without_weasyprint(project: Project):
    """``--version``, ``--help`` and ``check`` do not import WeasyPrint or pikepdf (half a second at every start)."""
    code = (
        "import sys\n"
        "from clinic_handouts.cli.main import main\n"
        f"codes = [main(['--version']), main(['--help']), main(['--root', {str(project.root)!r}, 'check'])]\n"
        "print(codes, sorted({'weasyprint', 'pikepdf'} & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "[0, 0, 0] []", done.stdout[-500:]


# --- global options: honoured by the commands they apply to, refused by the others ----------------


def one_error_line(err: str) -> str:
    """The one line a refused command line prints."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    return lines[0]


def test_an_unknown_global_clinic_is_an_error_and_writes_nothing(scratch_project: Project, tmp_path: Path, capsys):
    root = ["--root", str(scratch_project.root)]
    assert main([*root, "--clinic", "nowhere", "handout", "botox"]) == 1
    assert one_error_line(capsys.readouterr().err) == "error: unknown clinic 'nowhere'; known: example"
    assert main([*root, "--clinic", "nowhere", "--out-dir", str(tmp_path / "out"), "handout", "botox"]) == 1
    assert "unknown clinic 'nowhere'" in one_error_line(capsys.readouterr().err)
    assert not (scratch_project.root / "out").exists() and not (tmp_path / "out").exists()


def test_the_global_clinic_is_the_one_used(scratch_project: Project, tmp_path: Path):
    other = scratch_project.clinics_dir / "hillside"
    shutil.copytree(scratch_project.clinics_dir / "example", other)
    clinic_file = other / "clinic.yaml"
    clinic_file.write_text(
        clinic_file.read_text(encoding="utf-8").replace("name: Riverside Pain & Spine Center", "name: Hillside Clinic"),
        "utf-8",
    )
    out = tmp_path / "b.pdf"
    assert main(["--root", str(scratch_project.root), "--clinic", "hillside", "handout", TINY, "-o", str(out)]) == 0
    with pikepdf.open(out) as pdf:
        assert str(pdf.docinfo.Author) == "Hillside Clinic"
    assert all("Hillside Clinic" in page for page in pdf_text(out))


@pytest.fixture
def warning_clinic(scratch_project: Project) -> Project:
    """The clinic's own style sheet has a property WeasyPrint does not know: it warns, and renders."""
    (scratch_project.clinics_dir / "example" / "style.css").write_text(".handout { colour: red; }\n", "utf-8")
    return scratch_project


@pytest.mark.weasyprint_warnings_expected
def test_global_strict_makes_a_warning_an_error(warning_clinic: Project, tmp_path: Path, capsys):
    root = ["--root", str(warning_clinic.root)]
    lenient = tmp_path / "lenient.pdf"
    assert main([*root, "handout", TINY, "-o", str(lenient)]) == 0
    assert "warning: " in capsys.readouterr().err and lenient.is_file()  # the warning is shown, the file written
    strict = tmp_path / "strict.pdf"
    for argv in (
        [*root, "--strict", "handout", TINY, "-o", str(strict)],
        [*root, "handout", TINY, "--strict", "-o", str(strict)],
    ):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert "error: WeasyPrint: " in err and "colour" in err
        assert not strict.exists()


def test_global_out_dir_is_where_the_handout_goes(project: Project, tmp_path: Path, capsys):
    out = tmp_path / "d"
    assert main(["--root", str(project.root), "--out-dir", str(out), "handout", TINY]) == 0
    assert [p.name for p in out.iterdir()] == ["tiny.pdf"]
    assert f"wrote {out / 'tiny.pdf'}" in capsys.readouterr().out
    assert not (project.root / "out").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--clinic", "example", "packet", "VISIT"], "--clinic does not apply to 'packet'"),
        (["--strict", "verify", "FILE.pdf"], "--strict does not apply to 'verify'"),
        (["--clinic", "example", "handout", "botox", "--clinic", "other"], "--clinic given twice"),
        (["--out-dir", "OUT", "handout", "botox", "-o", "OUT/b.pdf"], "give either -o FILE or --out-dir DIR"),
    ],
    ids=["clinic-packet", "strict-verify", "clinic-twice", "out-dir-and-o"],
)
def test_global_options_that_do_not_apply_are_refused(project: Project, tmp_path: Path, capsys, argv, message):
    visit = project.root / "examples" / "visit-botox.yaml"
    argv = [str(visit) if a == "VISIT" else str(tmp_path / "f.pdf") if a == "FILE.pdf" else a for a in argv]
    argv = [a.replace("OUT", str(tmp_path / "out")) for a in argv]
    if "verify" in argv:
        (tmp_path / "f.pdf").write_bytes(b"%PDF-1.7\n")
    assert main(["--root", str(project.root), *argv]) == 2
    captured = capsys.readouterr()
    assert message in one_error_line(captured.err)
    assert captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == (["f.pdf"] if "verify" in argv else [])


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"clinic-handouts {__version__}"
