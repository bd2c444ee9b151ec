"""Broken and hostile schedules, and a batch that is killed or run twice: no patient detail in any message,
every good row still printed, nothing stale left to print.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT, _WeasyPrintWatch, output_of_every_process

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


@dataclass(frozen=True)
class Day:
    """One batch run of a schedule, its rows' outcomes and everything it printed."""

    status: int
    manifest: list[dict]
    out: Path
    #: the standard output and error (and log records) of the run
    printed: str
    #: the PDFs in the output folder when the run ended
    files: frozenset[str]

    def entry(self, visit_id: str) -> dict:
        [entry] = [e for e in self.manifest if e["visit_id"] == visit_id]
        return entry


def _day(folder: Path, rows: str) -> Day:
    """``_batch`` for a module's shared run (the day's rows share one rendering of each handout), its output
    captured at the file-descriptor level; WeasyPrint may warn of nothing while it runs."""
    watch = _WeasyPrintWatch()
    logging.getLogger("weasyprint").addHandler(watch)
    try:
        with output_of_every_process(folder / "printed.log"):
            status, manifest, out = _batch(folder, rows)
    finally:
        logging.getLogger("weasyprint").removeHandler(watch)
    assert [r.getMessage() for r in watch.records] == []
    printed = (folder / "printed.fd").read_text(encoding="utf-8") + (folder / "printed.log").read_text("utf-8")
    return Day(status, manifest, Path(out), printed, frozenset(p.name for p in Path(out).glob("*.pdf")))


#: rows that are wrong in their own way, each with a good row before and after it in one schedule
SHIFTED = "V2,2026-11-27,Dr. Lee,Mariam Haddad,1944-12-30,MRN-7734,en,no,botox,,\n"  # the clinic column is missing
SHIFTED_LOWER = "V3,2026-11-27,example,Dr. Lee,x,1944-12-30,en,no,botox,mrn-7734,\n"
BAD_DATE = "V4,2026-13-27,example,Dr. Lee,Ann Lee,1950-01-02,,en,no,botox,\n"  # after two blank lines
HUGE = f"V5,2026-11-27,example,Dr. Lee,Ann Lee,1950-01-02,,en,no,botox,{'x' * 200_000}\n"
LONG_NAME = "Ann " + "Bartholomew-" * 30 + "Lee"
TOO_LONG = f"V6,2026-11-27,example,Dr. Lee,{LONG_NAME},1950-01-02,,en,no,botox,\n"
LAST = GOOD.replace("V1,", "V7,")


@pytest.fixture(scope="module")
def hostile_day(tmp_path_factory: pytest.TempPathFactory) -> Day:
    """The hostile rows in one schedule, run once for the module; each test reads its own rows."""
    rows = GOOD + SHIFTED + SHIFTED_LOWER + "\n\n" + BAD_DATE + HUGE + TOO_LONG + LAST
    return _day(tmp_path_factory.mktemp("hostile-day"), rows)


def test_one_run_holds_every_hostile_row(hostile_day: Day):
    """Every row where the spreadsheet shows it, the blank lines none; only the good rows printed."""
    assert hostile_day.status == 1
    assert [(e["visit_id"], e["row"], e["status"]) for e in hostile_day.manifest] == [
        ("V1", 2, "ok"),
        ("V2", 3, "error"),
        ("V3", 4, "error"),
        ("V4", 7, "error"),
        ("V5", 8, "error"),
        ("V6", 9, "error"),
        ("V7", 10, "ok"),
    ]
    assert hostile_day.files == {"2026-11-27_V1.pdf", "2026-11-27_V7.pdf"}


def test_shifted_cells_never_put_a_patient_detail_in_a_message(hostile_day: Day):
    assert hostile_day.status == 1
    assert [hostile_day.entry(v)["status"] for v in ("V1", "V2", "V3")] == ["ok", "error", "error"]
    _no_phi(hostile_day.printed, json.dumps([e["error"] for e in hostile_day.manifest]))


def test_rows_are_numbered_as_the_spreadsheet_shows_them(hostile_day: Day):
    assert hostile_day.status == 1
    assert {e["visit_id"]: e["row"] for e in hostile_day.manifest if e["visit_id"] in ("V1", "V4")} == {
        "V1": 2,
        "V4": 7,
    }
    assert "row 7, visit V4" in hostile_day.printed


def test_one_huge_cell_fails_only_its_row(hostile_day: Day):
    assert hostile_day.status == 1
    assert [(v, hostile_day.entry(v)["status"]) for v in ("V1", "V5", "V6", "V7")] == [
        ("V1", "ok"),
        ("V5", "error"),
        ("V6", "error"),  # refused for its own reason, below
        ("V7", "ok"),
    ]
    assert "note: longer than" in hostile_day.entry("V5")["error"]


def test_a_name_too_long_for_the_stamp_is_refused_not_cut(hostile_day: Day):
    assert hostile_day.status == 1
    entry = hostile_day.entry("V6")
    assert entry["status"] == "error" and "longer than 100 characters" in entry["error"]
    assert not [name for name in hostile_day.files if name.endswith("_V6.pdf")]
    _no_phi(hostile_day.printed.replace("Zoë", ""))


STALE = {  # each row printed yesterday, and how it turns invalid today
    "2026-13-27": ("V2", lambda row: row.replace("2026-11-27", "2026-13-27")),
    "large_print": ("V3", lambda row: row.replace(",no,", ",perhaps,")),
}


def _stale_row(visit_id: str) -> str:
    return f"{visit_id},2026-11-27,example,Dr. Lee,Ann Lee,1950-01-02,,en,no,botox,\n"


@pytest.fixture(scope="module")
def stale_days(tmp_path_factory: pytest.TempPathFactory) -> tuple[Day, Day]:
    """Yesterday's run with every ``STALE`` row good, then today's into the same folder with each broken."""
    folder = tmp_path_factory.mktemp("stale")
    yesterday = _day(folder, GOOD + "".join(_stale_row(v) for v, _ in STALE.values()))
    today = _day(folder, GOOD + "".join(broken(_stale_row(v)) for v, broken in STALE.values()))
    return yesterday, today


@pytest.mark.parametrize("broken", list(STALE))
def test_a_stale_packet_is_removed_when_its_row_turns_invalid(broken: str, stale_days: tuple[Day, Day]):
    yesterday, today = stale_days
    visit_id, _ = STALE[broken]
    assert yesterday.status == 0 and f"2026-11-27_{visit_id}.pdf" in yesterday.files
    assert today.status == 1 and today.entry(visit_id)["status"] == "error"
    assert not [name for name in today.files if name.endswith(f"_{visit_id}.pdf")], (
        "a stale packet could still be printed"
    )
    assert "2026-11-27_V1.pdf" in today.files


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
    first, out = _spawn_batch(tmp_path, 4)  # it holds the folder while it renders its two handouts, then 4 packets
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
    assert len(manifest) == 4 and all(e["status"] == "ok" for e in manifest)


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
