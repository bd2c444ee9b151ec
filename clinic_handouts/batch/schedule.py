"""The day's schedule: the CSV a practice-management system exports, read into visits, and the manifest's rows.

Each row is checked on its own: a bad row is reported by its row number and
visit id (never by patient details) and skipped, and every good row still
gets its packet.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from clinic_handouts.content.ids import shown
from clinic_handouts.content.loading import plain_message
from clinic_handouts.content.visits import Visit
from clinic_handouts.errors import HandoutError, Problem
from clinic_handouts.files import read_bytes, write_atomic

COLUMNS = (
    "visit_id",
    "date",
    "clinic",
    "clinician",
    "patient_name",
    "dob",
    "mrn",
    "language",
    "large_print",
    "handouts",
    "note",
)
OPTIONAL_COLUMNS = ("time",)
#: characters in one cell; a clinician's note is the longest, and a few sentences at most
MAX_CELL = 4000


@dataclass
class RowResult:
    """One manifest entry: what happened to one row of the schedule."""

    row: int
    visit_id: str
    status: str
    file: str | None = None
    pages: int | None = None
    sha256: str | None = None
    error: str | None = None
    time: str | None = None
    english_fallback: list[str] = field(default_factory=list)
    #: rendering warnings for this packet (counted, never quoted: they could quote the patient)
    warnings: int = 0
    #: the FHIR DocumentReference beside the PDF (``--fhir``)
    fhir_file: str | None = None
    #: seconds the worker spent on this packet; for benchmarks, not written to the manifest
    seconds: float = field(default=0.0, compare=False)

    def manifest_entry(self) -> dict[str, Any]:
        entry = asdict(self)
        del entry["seconds"]
        return entry


@dataclass(frozen=True)
class ScheduledVisit:
    row: int
    visit: Visit


def _row_to_data(record: dict[str, str]) -> dict[str, Any]:
    """A CSV row as the nested data the Visit model expects (empty cells left out)."""

    def cell(name: str) -> str:
        return (record.get(name) or "").strip()

    patient = {
        "name": cell("patient_name"),
        "dob": cell("dob"),
        "mrn": cell("mrn") or None,
        "language": cell("language") or "en",
    }
    if cell("large_print"):
        patient["large_print"] = cell("large_print")  # yes/no, checked by the model
    return {
        "visit_id": cell("visit_id"),
        "date": cell("date"),
        "time": cell("time") or None,
        "clinic": cell("clinic"),
        "clinician": cell("clinician"),
        "patient": patient,
        "handouts": [h.strip() for h in cell("handouts").split(";") if h.strip()],
        "note": cell("note") or None,
    }


_CSV_FIELD = {
    "patient.name": "patient_name",
    "patient.dob": "dob",
    "patient.mrn": "mrn",
    "patient.language": "language",
    "patient.large_print": "large_print",
}


def read_schedule(path: Path) -> tuple[list[ScheduledVisit], list[RowResult]]:
    """Parse and validate every row of a schedule file; returns the good visits and the bad rows."""
    data = read_bytes(path, "schedule file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HandoutError(Problem("not UTF-8 text; export the schedule as UTF-8 CSV", file=path)) from None
    return parse_schedule(text, path)


def parse_schedule(text: str, source: Path | str) -> tuple[list[ScheduledVisit], list[RowResult]]:
    """Parse and validate every row of a schedule held in memory (``source`` names it in messages).

    Rows are numbered as a spreadsheet shows them: the header is row 1, a blank line is a row too, and a
    quoted cell that spans several lines is still one row. Cells are bounded one by one, so one bad cell
    fails its row, never the whole schedule.
    """
    # The csv module's own limit is per file in effect (an over-long cell stops the reader); ours is per cell.
    text = text.removeprefix("\ufeff")
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise HandoutError(Problem(f"not a readable CSV file: {exc}", file=source)) from None
    header = [h.strip() for h in records[0]] if records else []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise HandoutError(
            Problem(
                f"the header row lacks column(s) {', '.join(missing)}; expected "
                f"{','.join(COLUMNS)} (and optionally time)",
                file=source,
                line=1,
            )
        )
    unknown = [c for c in header if c not in COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise HandoutError(Problem(f"unknown column(s) {', '.join(unknown)}", file=source, line=1))
    good: list[ScheduledVisit] = []
    bad: list[RowResult] = []
    seen: dict[str, int] = {}
    for row, cells in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank row
        record = dict(zip(header, cells, strict=False))
        visit_id = shown(record.get("visit_id") or "", "visit")
        reason = _row_problem(header, cells)
        if reason:
            bad.append(RowResult(row, visit_id, "error", error=reason))
            continue
        try:
            visit = Visit.model_validate(_row_to_data(record))
        except ValidationError as exc:
            reasons = []
            for error in exc.errors():
                name = ".".join(str(p) for p in error["loc"] if not isinstance(p, int))
                message = plain_message(Visit, error)
                reasons.append(f"{_CSV_FIELD.get(name, name)}: {message}" if name else message)
            bad.append(RowResult(row, visit_id, "error", error="; ".join(reasons)))
            continue
        if visit.visit_id in seen:
            reason = f"visit_id: already used on row {seen[visit.visit_id]}; each visit needs its own id"
            bad.append(RowResult(row, visit_id, "error", error=reason))
            continue
        seen[visit.visit_id] = row
        good.append(ScheduledVisit(row, visit))
    return good, bad


def _row_problem(header: list[str], cells: list[str]) -> str | None:
    """What makes a row unreadable before its values are looked at: too many cells, or an over-long one."""
    if len(cells) > len(header):
        return "more cells than the header has columns; put text that contains commas in double quotes"
    long = [name for name, cell in zip(header, cells, strict=False) if len(cell) > MAX_CELL]
    if long:
        return f"{', '.join(long)}: longer than {MAX_CELL:,} characters; shorten the cell"
    return None


@dataclass
class BatchReport:
    results: list[RowResult]
    seconds: float

    @property
    def failed(self) -> list[RowResult]:
        return [r for r in self.results if r.status != "ok"]

    def summary(self) -> str:
        ok = len(self.results) - len(self.failed)
        text = f"{ok} of {len(self.results)} packets written in {self.seconds:.1f} s"
        if self.failed:
            text += f"; {len(self.failed)} failed (rows {', '.join(str(r.row) for r in self.failed)})"
        fallback = [r for r in self.results if r.english_fallback]
        if fallback:
            text += f"; {len(fallback)} with handouts in English because the patient's language was missing"
            # named by visit id and handout id only, never by patient details
            text += " (" + "; ".join(f"visit {r.visit_id}: {', '.join(r.english_fallback)}" for r in fallback) + ")"
        return text


def write_manifest(out_dir: Path, results: list[RowResult]) -> Path:
    """``manifest.json``: one entry per row of the schedule, in row order."""
    entries = [r.manifest_entry() for r in sorted(results, key=lambda r: r.row)]
    manifest = json.dumps(entries, indent=2, ensure_ascii=False) + "\n"
    path = out_dir / "manifest.json"
    try:
        return write_atomic(path, manifest.encode("utf-8"))
    except HandoutError as exc:
        with contextlib.suppress(OSError):  # an earlier run's manifest must not pass for this run's
            path.unlink(missing_ok=True)
        if not path.exists():
            raise
        stale = "; the manifest.json there is an earlier run's, not this one's"
        raise HandoutError([Problem(p.message + stale, file=p.file) for p in exc.problems]) from None
