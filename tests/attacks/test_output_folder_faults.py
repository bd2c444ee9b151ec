"""A batch whose output folder stops taking files: it turns read-only halfway, or has no room for the manifest.

The tests run as root, for whom permission bits do not count, so the faults are injected: the ``os``
calls that create, rename and remove files inside the output folder fail as the kernel would make them
fail, once the given number of packets is written. The batch must carry on, give every row its outcome,
leave no partial file, exit non-zero, and say so in plain lines: no traceback, no patient detail.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from clinic_handouts.cli.main import main

pytestmark = pytest.mark.attack

HEADER = "visit_id,date,clinic,clinician,patient_name,dob,mrn,language,large_print,handouts,note\n"
PATIENTS = [
    ("V1", "Zoë Quinn", "1950-01-02", "MRN-1001"),
    ("V2", "Mariam Haddad", "1944-12-30", "MRN-7734"),
    ("V3", "Björn Øster", "1938-07-15", "MRN-5150"),
    ("V4", "Ana Ruiz", "1961-04-03", "MRN-2024"),
]
PHI = tuple(detail for _, *details in PATIENTS for detail in details)


class FolderFaults:
    """Makes ``folder`` refuse what the kernel refuses in a read-only folder (EACCES), once ``after`` packets
    are in it; ``only`` limits the refusal to names that pass it (say, the packets but not the manifest)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, folder: Path, after: int, only=lambda name: True) -> None:
        self.folder, self.after, self.only = folder.resolve(), after, only
        self.packets = 0
        real_open, real_replace, real_unlink = os.open, os.replace, os.unlink

        def refused(path) -> bool:
            path = Path(os.fsdecode(path)).resolve()
            return self.packets >= self.after and path.parent == self.folder and self.only(path.name)

        def deny(path) -> None:
            raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))

        def open_(path, flags, *args, **kwargs):
            if flags & os.O_CREAT and refused(path):
                deny(path)
            return real_open(path, flags, *args, **kwargs)

        def replace(source, target, *args, **kwargs):
            if refused(target):
                deny(target)
            real_replace(source, target, *args, **kwargs)
            if Path(os.fsdecode(target)).resolve().parent == self.folder and os.fsdecode(target).endswith(".pdf"):
                self.packets += 1

        def unlink(path, *args, **kwargs):
            if refused(path):
                deny(path)
            real_unlink(path, *args, **kwargs)

        monkeypatch.setattr(os, "open", open_)
        monkeypatch.setattr(os, "replace", replace)
        monkeypatch.setattr(os, "unlink", unlink)


def _schedule(tmp_path: Path) -> Path:
    schedule = tmp_path / "day.csv"
    rows = "".join(
        f"{v},2026-11-27,example,Dr. Lee,{name},{dob},{mrn},en,no,botox,\n" for v, name, dob, mrn in PATIENTS
    )
    schedule.write_text(HEADER + rows, encoding="utf-8")
    return schedule


def _run(schedule: Path, out: Path) -> int:
    return main(["batch", str(schedule), "-o", str(out), "--jobs", "1", "--no-cache"])


def _errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("error:")]


def _plain(out: str, err: str) -> None:
    assert "Traceback" not in out + err
    for detail in PHI:
        assert detail not in out + err, f"{detail!r} in the output"


def _left(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name != ".batch.lock")


def test_a_folder_that_stops_taking_packets_fails_the_rest_and_still_gets_its_manifest(
    tmp_path: Path, monkeypatch, capfd
):
    out = tmp_path / "packets"
    FolderFaults(monkeypatch, out, after=2, only=lambda name: name.endswith(".pdf"))
    status = _run(_schedule(tmp_path), out)
    captured = capfd.readouterr()
    assert status == 1
    _plain(captured.out, captured.err)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [(e["visit_id"], e["status"]) for e in manifest] == [
        ("V1", "ok"),
        ("V2", "ok"),
        ("V3", "error"),
        ("V4", "error"),
    ]
    for entry in manifest[2:]:
        assert "\n" not in entry["error"] and str(out) in entry["error"], entry["error"]
        assert "Permission denied" in entry["error"] and entry["file"] is None
    assert _left(out) == ["2026-11-27_V1.pdf", "2026-11-27_V2.pdf", "manifest.json"]  # no partial file
    assert [line.split(": row ")[1][:1] for line in _errors(captured.err)] == ["4", "5"]
    assert "2 of 4 packets written" in captured.out


def test_a_folder_that_turns_read_only_is_one_line_and_keeps_nothing_stale_from_the_printer(
    tmp_path: Path, monkeypatch, capfd
):
    out = tmp_path / "packets"
    out.mkdir()
    (out / "2026-11-20_V4.pdf").write_bytes(b"%PDF- an earlier run's packet for V4")
    (out / "manifest.json").write_text("[]\n", encoding="utf-8")
    FolderFaults(monkeypatch, out, after=2)
    status = _run(_schedule(tmp_path), out)
    captured = capfd.readouterr()
    assert status == 1
    _plain(captured.out, captured.err)
    (line,) = _errors(captured.err)
    assert f"{out / 'manifest.json'}: cannot write this file (Permission denied)" in line
    assert "2 of 4 packets were written, rows 4, 5 failed" in line
    assert "do not print the earlier run's 2026-11-20_V4.pdf" in line, "the stale packet is named"
    assert "is an earlier run's" in line, "the manifest left there is not this run's"
    assert _left(out) == ["2026-11-20_V4.pdf", "2026-11-27_V1.pdf", "2026-11-27_V2.pdf", "manifest.json"]


def test_no_room_for_the_manifest(tmp_path: Path, monkeypatch, capfd):
    out = tmp_path / "packets"
    out.mkdir()
    (out / "manifest.json").write_text('[{"row": 2, "status": "ok"}]\n', encoding="utf-8")  # an earlier run's
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".json"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    status = _run(_schedule(tmp_path), out)
    captured = capfd.readouterr()
    assert status == 1
    _plain(captured.out, captured.err)
    (line,) = _errors(captured.err)
    assert f"{out / 'manifest.json'}: cannot write this file (No space left on device)" in line
    assert "disk is full" in line and "4 of 4 packets were written; no manifest" in line
    # every packet is there; neither a partial manifest nor the earlier run's is left to be taken for this one
    assert _left(out) == [f"2026-11-27_{v}.pdf" for v, *_ in PATIENTS]
