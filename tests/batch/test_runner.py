"""A day's batch: good and bad rows together, the manifest, and no patient details anywhere."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import assert_conformant, output_of_every_process, pdf_text
from pypdf import PdfReader

from clinic_handouts.batch.schedule import read_schedule
from clinic_handouts.cli.main import main
from clinic_handouts.content.library import Project

HEADER = "visit_id,date,time,clinic,clinician,patient_name,dob,mrn,language,large_print,handouts,note\n"
ROWS = [
    # row 2: good
    'A1,2026-11-27,10:00,example,Dr. Lee,Zoë Quinn,1950-01-02,MRN-A1,en,no,botox,"Note, with comma"\n',
    # row 3: unknown handout
    "B2,2026-11-27,10:15,example,Dr. Lee,Bob Secretname,1960-03-04,MRN-B2,en,no,botox;botx,\n",
    # row 4: impossible date of birth
    "C3,2026-11-27,10:30,example,Dr. Lee,Carla Hidden,1970-02-30,MRN-C3,en,no,botox,\n",
    # row 5: missing name
    "D4,2026-11-27,10:45,example,Dr. Lee,,1980-05-06,MRN-D4,en,no,botox,\n",
    # row 6: duplicate visit id
    "A1,2026-11-27,11:00,example,Dr. Lee,Dan Twice,1981-07-08,MRN-A1b,en,no,botox,\n",
    # row 7: path-like handout id
    "E5,2026-11-27,11:15,example,Dr. Lee,Eve Path,1982-09-10,MRN-E5,en,no,../../etc/passwd,\n",
    # row 8: unknown clinic
    "F6,2026-11-27,11:30,nowhere,Dr. Lee,Fay Lost,1983-11-12,MRN-F6,en,no,botox,\n",
    # row 9: good, large print, Vietnamese name, earlier time
    "G7,2026-11-27,08:00,example,Dr. Lee,Nguyễn Thị Hoa,1975-07-21,MRN-G7,en,yes,botox,\n",
    # row 10: bad large_print value
    "H8,2026-11-27,08:10,example,Dr. Lee,Hal Maybe,1976-01-01,MRN-H8,en,perhaps,botox,\n",
]
SECRETS = [
    "Zoë",
    "Quinn",
    "Secretname",
    "Hidden",
    "Twice",
    "Eve Path",
    "Fay Lost",
    "Nguyễn",
    "Hal Maybe",
    "1950-01-02",
    "1970-02-30",
    "MRN-",
]


def write_schedule(path: Path) -> Path:
    path.write_text(HEADER + "".join(ROWS), encoding="utf-8")
    return path


@pytest.fixture
def schedule(tmp_path: Path) -> Path:
    return write_schedule(tmp_path / "schedule.csv")


@pytest.fixture(scope="module")
def batch_run(project: Project, tmp_path_factory: pytest.TempPathFactory):
    """Runs the day's batch once for the module's tests (which only read what it wrote); captures at the
    file-descriptor level, so the worker processes' output is seen too, and every log record."""
    folder = tmp_path_factory.mktemp("batch")
    schedule = write_schedule(folder / "schedule.csv")
    out = folder / "packets"
    captured = folder / "captured.log"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLINIC_HANDOUTS_CACHE", str(folder / "cache"))  # a fresh cache: the rendering path
        with output_of_every_process(captured):
            status = main(["--root", str(project.root), "batch", str(schedule), "-o", str(out), "--jobs", "2"])
    text = captured.with_suffix(".fd").read_text(encoding="utf-8") + captured.read_text(encoding="utf-8")
    return status, out, text, schedule


def test_good_rows_get_packets_and_exit_status_is_non_zero(batch_run):
    status, out, _, _ = batch_run
    assert status == 1
    assert sorted(p.name for p in out.glob("*.pdf")) == ["2026-11-27_A1.pdf", "2026-11-27_G7.pdf"]
    for pdf in out.glob("*.pdf"):
        assert_conformant(pdf)
    assert not list(out.glob(".partial-*"))


def test_manifest_has_one_entry_per_row(batch_run):
    _, out, _, _ = batch_run
    manifest = json.loads((out / "manifest.json").read_text())
    assert [entry["row"] for entry in manifest] == list(range(2, 11))
    by_row = {entry["row"]: entry for entry in manifest}
    assert {r for r, e in by_row.items() if e["status"] == "ok"} == {2, 9}
    for entry in manifest:
        assert set(entry) >= {"row", "visit_id", "status", "file", "pages", "sha256", "error"}
    good = by_row[2]
    pdf = out / good["file"]
    assert good["pages"] == len(PdfReader(pdf).pages)
    import hashlib

    assert good["sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert good["error"] is None and by_row[9]["time"] == "08:00"
    reasons = {row: by_row[row]["error"] for row in (3, 4, 5, 6, 7, 8, 10)}
    assert "unknown handout 'botx'" in reasons[3]
    assert reasons[4].startswith("dob: not a valid date")
    assert reasons[5].startswith("patient_name: ")
    assert "already used on row 2" in reasons[6]
    assert reasons[7].startswith("handouts: has characters that are not allowed")
    assert "unknown clinic 'nowhere'" in reasons[8]
    assert "large_print: write yes or no" in reasons[10]
    for entry in manifest:
        if entry["status"] == "error":
            assert entry["file"] is None and entry["sha256"] is None


def test_messages_name_row_and_visit_never_the_patient(batch_run):
    _, out, text, schedule = batch_run
    assert f"error: {schedule}: row 3, visit B2: unknown handout 'botx'" in text
    assert "2 of 9 packets written" in text
    manifest_text = (out / "manifest.json").read_text()
    for secret in SECRETS:
        assert secret not in text, f"patient detail {secret!r} in output"
        assert secret not in manifest_text
        assert all(secret not in p.name for p in out.iterdir())


def test_batch_packet_equals_packet_command(batch_run, project: Project, tmp_path: Path):
    _, out, _, _ = batch_run
    visit = tmp_path / "a1.yaml"
    visit.write_text(
        "visit_id: A1\ndate: 2026-11-27\ntime: '10:00'\nclinic: example\nclinician: Dr. Lee\n"
        "patient:\n  name: Zoë Quinn\n  dob: 1950-01-02\n  mrn: MRN-A1\nhandouts: [botox]\nnote: Note, with comma\n"
    )
    single = tmp_path / "single.pdf"
    assert main(["--root", str(project.root), "packet", str(visit), "-o", str(single)]) == 0
    assert_conformant(single)
    assert pdf_text(single.read_bytes()) == pdf_text((out / "2026-11-27_A1.pdf").read_bytes())


def test_missing_column_is_one_clear_error(project: Project, tmp_path: Path, capsys):
    path = tmp_path / "s.csv"
    path.write_text("visit_id,date\nA,2026-01-01\n")
    assert main(["--root", str(project.root), "batch", str(path), "-o", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert f"{path}:1: the header row lacks column(s) clinic, clinician" in err
    assert not (tmp_path / "o").exists()


def test_quoted_fields_and_bom_are_read(tmp_path: Path, project: Project):
    path = tmp_path / "s.csv"
    path.write_text("\ufeff" + HEADER + ROWS[0], encoding="utf-8")
    good, bad = read_schedule(path)
    assert bad == [] and good[0].visit.note == "Note, with comma"


def test_row_numbers_odd_cells_and_invalid_ids(project: Project, tmp_path: Path, capsys):
    path = tmp_path / "s.csv"
    path.write_text(
        HEADER
        + 'R1,2026-11-27,09:00,example,Dr. Lee,Ann Lee,1950-01-02,,en,no,botox,"two-line\nnote"\n'
        + "Jane Secret 1961,2026-11-27,09:10,example,Dr. Lee,Jane Secret,1961-01-01,,en,no,botox,\n"
        + "R3,2026-11-27,09:20,example,Dr. Lee,Al Comma,1962-01-01,,en,no,botox,a note, with a comma\n",
        encoding="utf-8",
    )
    out = tmp_path / "o"
    assert main(["--root", str(project.root), "batch", str(path), "-o", str(out), "--jobs", "1"]) == 1
    text = capsys.readouterr().err
    manifest = {e["row"]: e for e in json.loads((out / "manifest.json").read_text())}
    assert manifest[2]["status"] == "ok"  # the two-line note is one spreadsheet row
    assert manifest[3]["visit_id"] == "(invalid id)" and manifest[3]["status"] == "error"
    assert manifest[4]["error"].startswith("more cells than the header has columns")
    assert "Jane" not in text and "Secret" not in text and "Jane" not in (out / "manifest.json").read_text()
    assert f"error: {path}: row 4, visit R3: more cells" in text


def test_failed_row_removes_its_stale_packet_and_worker_bugs_do_not_stop_the_batch(
    batch_run, project: Project, schedule: Path, tmp_path: Path, monkeypatch, capfd
):
    from clinic_handouts.packets.builder import PacketBuilder

    status, done, _, _ = batch_run  # yesterday's run of the same schedule
    out = tmp_path / "packets"
    shutil.copytree(done, out)
    # and the variants it rendered and kept (the bug is in building packets: nothing to render again)
    shutil.copytree(done.parent / "cache", tmp_path / "cache")
    monkeypatch.setenv("CLINIC_HANDOUTS_CACHE", str(tmp_path / "cache"))
    assert status == 1
    assert (out / "2026-11-27_G7.pdf").is_file()
    original = PacketBuilder.build

    def broken(self, visit, **kwargs):
        if visit.visit_id == "G7":
            detail = f"a bug near {visit.patient.name}"
            raise ZeroDivisionError(detail)
        return original(self, visit, **kwargs)

    monkeypatch.setattr(PacketBuilder, "build", broken)  # inherited by the forked workers
    assert main(["--root", str(project.root), "batch", str(schedule), "-o", str(out), "--jobs", "2"]) == 1
    manifest = {e["row"]: e for e in json.loads((out / "manifest.json").read_text())}
    assert manifest[9]["status"] == "error"
    assert manifest[9]["error"] == "internal error (ZeroDivisionError); please report it"
    assert not (out / "2026-11-27_G7.pdf").exists()  # yesterday's packet for it cannot be printed by mistake
    assert manifest[2]["status"] == "ok" and (out / "2026-11-27_A1.pdf").is_file()
    err = capfd.readouterr().err  # the workers' stderr included
    assert "row 9, visit G7: internal error ZeroDivisionError" in err  # where it happened, for the bug report
    assert "a bug near" not in err and "Nguyễn" not in err  # the exception's text may quote the patient: never shown


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_bug_rendering_one_handout_fails_only_the_visits_that_need_it(
    project: Project, schedule: Path, tmp_path: Path, monkeypatch, capfd, jobs
):
    from clinic_handouts.packets.builder import PacketBuilder

    original = PacketBuilder.render_variant

    def broken(self, variant):
        if variant.large_print:
            raise ValueError("a bug in large print")
        return original(self, variant)

    monkeypatch.setattr(PacketBuilder, "render_variant", broken)  # inherited by the forked workers
    out = tmp_path / "packets"
    assert (
        main(["--root", str(project.root), "batch", str(schedule), "-o", str(out), "--jobs", jobs, "--no-cache"]) == 1
    )
    manifest = {e["row"]: e for e in json.loads((out / "manifest.json").read_text())}
    assert manifest[9]["status"] == "error"  # G7, the large-print visit
    assert manifest[9]["error"] == "handout botox: internal error (ValueError); please report it"
    assert manifest[2]["status"] == "ok" and (out / "2026-11-27_A1.pdf").is_file()
    assert "handout botox (en): internal error ValueError" in capfd.readouterr().err
