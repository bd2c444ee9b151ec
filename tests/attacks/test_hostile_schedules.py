"""Broken and hostile schedules, and a batch that is killed or run twice: no patient detail in any message,
every good row still printed, nothing stale left to print.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

from clinic_handouts.cli.main import main

pytestmark = pytest.mark.attack

HEADER = "visit_id,date,clinic,clinician,patient_name,dob,mrn,language,large_print,handouts,note\n"
GOOD = "V1,2026-11-27,example,Dr. Lee,Zoë Quinn,1950-01-02,MRN-1001,en,no,botox,\n"
PHI = ("Zoë Quinn", "Quinn", "1950-01-02", "MRN-1001", "Mariam Haddad", "MRN-7734", "1944-12-30")


def _batch(tmp_path: Path, rows: str, *extra: str) -> tuple[int, list[dict], str]:
    schedule = tmp_path / "day.csv"
    schedule.write_text(HEADER + rows, encoding="utf-8")
    out = tmp_path / "packets"
    status = main(["batch", str(schedule), "-o", str(out), "--jobs", "1", "--no-cache", *extra])
    manifest = json.loads((out / "manifest.json").read_text()) if (out / "manifest.json").exists() else []
    return status, manifest, str(out)


def _no_phi(*texts: str) -> None:
    for text in texts:
        for detail in PHI:
            assert detail not in text, f"{detail!r} in {text[:300]!r}"


def test_shifted_cells_never_put_a_patient_detail_in_a_message(tmp_path: Path, capfd):
    # the clinic column is missing, so every cell after it moved one column left
    shifted = "V2,2026-11-27,Dr. Lee,Mariam Haddad,1944-12-30,MRN-7734,en,no,botox,,\n"
    shifted_lower = "V3,2026-11-27,example,Dr. Lee,x,1944-12-30,en,no,botox,mrn-7734,\n"
    status, manifest, _ = _batch(tmp_path, GOOD + shifted + shifted_lower)
    captured = capfd.readouterr()
    assert status == 1
    assert [e["status"] for e in manifest] == ["ok", "error", "error"]
    _no_phi(captured.out, captured.err, json.dumps([e["error"] for e in manifest]))


def test_rows_are_numbered_as_the_spreadsheet_shows_them(tmp_path: Path, capfd):
    bad = "V2,2026-13-27,example,Dr. Lee,Ann Lee,1950-01-02,,en,no,botox,\n"
    status, manifest, _ = _batch(tmp_path, GOOD + "\n\n" + bad)
    assert status == 1
    assert {e["visit_id"]: e["row"] for e in manifest} == {"V1": 2, "V2": 5}
    assert "row 5, visit V2" in capfd.readouterr().err


def test_one_huge_cell_fails_only_its_row(tmp_path: Path, capfd):
    huge = f"V2,2026-11-27,example,Dr. Lee,Ann Lee,1950-01-02,,en,no,botox,{'x' * 200_000}\n"
    status, manifest, _ = _batch(tmp_path, GOOD + huge)
    assert status == 1
    assert [(e["visit_id"], e["status"]) for e in manifest] == [("V1", "ok"), ("V2", "error")]
    assert "note: longer than" in manifest[1]["error"]
    capfd.readouterr()


def test_a_name_too_long_for_the_stamp_is_refused_not_cut(tmp_path: Path, capfd):
    long_name = "Ann " + "Bartholomew-" * 30 + "Lee"
    row = f"V2,2026-11-27,example,Dr. Lee,{long_name},1950-01-02,,en,no,botox,\n"
    status, manifest, out = _batch(tmp_path, GOOD + row)
    assert status == 1
    assert manifest[1]["status"] == "error" and "longer than 100 characters" in manifest[1]["error"]
    assert not list(Path(out).glob("*_V2.pdf"))
    _no_phi(capfd.readouterr().err.replace("Zoë", ""))


@pytest.mark.parametrize("broken", ["2026-13-27", "large_print"])
def test_a_stale_packet_is_removed_when_its_row_turns_invalid(broken: str, tmp_path: Path, capfd):
    row = "V2,2026-11-27,example,Dr. Lee,Ann Lee,1950-01-02,,en,no,botox,\n"
    status, manifest, out = _batch(tmp_path, GOOD + row)
    assert status == 0 and (Path(out) / "2026-11-27_V2.pdf").exists()
    bad = row.replace("2026-11-27", "2026-13-27") if broken != "large_print" else row.replace(",no,", ",perhaps,")
    status, manifest, out = _batch(tmp_path, GOOD + bad)
    assert status == 1 and manifest[1]["status"] == "error"
    assert not list(Path(out).glob("*_V2.pdf")), "a stale packet could still be printed"
    capfd.readouterr()


def test_a_schedule_that_is_a_folder(tmp_path: Path, capsys):
    assert main(["batch", str(tmp_path), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a folder" in err


def test_batch_into_a_regular_file(tmp_path: Path, capsys):
    schedule = tmp_path / "day.csv"
    schedule.write_text(HEADER + GOOD, encoding="utf-8")
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["batch", str(schedule), "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a folder" in err and target.read_text() == "x"


def _spawn_batch(tmp_path: Path, rows: int) -> tuple[subprocess.Popen, Path]:
    schedule = tmp_path / "day.csv"
    lines = [
        f"V{n},2026-11-27,example,Dr. Lee,Ann Lee,1950-01-02,,en,no,botox;physical-therapy,\n" for n in range(rows)
    ]
    schedule.write_text(HEADER + "".join(lines), encoding="utf-8")
    out = tmp_path / "packets"
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "generate.py"),
            "batch",
            str(schedule),
            "-o",
            str(out),
            "--jobs",
            "2",
            "--no-cache",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, out


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def test_a_second_batch_into_the_same_folder_is_refused(tmp_path: Path, capsys):
    first, out = _spawn_batch(tmp_path, 12)
    try:
        for _ in range(200):  # until the first batch holds the folder
            if (out / ".batch.lock").exists() and _children(first.pid):
                break
            time.sleep(0.05)
        schedule = tmp_path / "other.csv"
        schedule.write_text(HEADER + GOOD, encoding="utf-8")
        assert main(["batch", str(schedule), "-o", str(out), "--jobs", "1", "--no-cache"]) == 1
        assert "another batch is writing into this folder" in capsys.readouterr().err
    finally:
        first.wait(timeout=300)
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest) == 12 and all(e["status"] == "ok" for e in manifest)


def test_killing_the_batch_ends_its_workers(tmp_path: Path):
    process, _ = _spawn_batch(tmp_path, 30)
    workers: list[int] = []
    for _ in range(400):
        workers = _children(process.pid)
        if len(workers) >= 2:
            break
        time.sleep(0.05)
    assert workers, "the batch started no workers"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    for _ in range(100):
        alive = [
            pid
            for pid in workers
            if Path(f"/proc/{pid}").exists()
            and "Z" not in (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0])
        ]
        if not alive:
            break
        time.sleep(0.1)
    assert not alive, f"workers still running after their batch was killed: {alive}"
