"""The day's schedule, held in memory: its rows, each visit's status, and the batch that makes the packets.

Why in memory: the schedule is patient data; it lives as long as the day is
loaded and is gone when it is cleared or the station stops. One day is shared
by every desk (it is the clinic's schedule); loading another replaces it.
Rows are kept in appointment order; a bad row keeps its reasons and its cells
(so a desk can fix it in the walk-in form) but is never sent to a renderer.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from .core import HandoutError, RowResult, ScheduledVisit, Variant, Visit, read_schedule_text

WAITING, MAKING, READY, FAILED = "waiting", "making", "ready", "error"
MAX_ROWS = 2000


@dataclass
class Row:
    """One row of the schedule as the Today page shows it."""

    row: int
    visit_id: str
    visit: Visit | None
    status: str
    reasons: list[str] = field(default_factory=list)
    cells: dict[str, str] = field(default_factory=dict)
    needs: list[Variant] = field(default_factory=list)
    pages: int | None = None
    fallbacks: tuple[str, ...] = ()

    @property
    def time(self) -> str:
        if self.visit and self.visit.time:
            return self.visit.time.strftime("%H:%M")
        return self.cells.get("time", "").strip()[:5]

    def sort_key(self) -> tuple[dt.date, dt.time, int]:
        if self.visit is None:
            return dt.date.max, dt.time.max, self.row
        return self.visit.date, self.visit.time or dt.time.max, self.row


@dataclass
class Day:
    """A loaded schedule and the state of its packets."""

    source: str
    rows: list[Row]
    loaded_by: str
    task: asyncio.Task[None] | None = None

    def counts(self) -> dict[str, int]:
        counts = {WAITING: 0, MAKING: 0, READY: 0, FAILED: 0}
        for row in self.rows:
            counts[row.status] += 1
        return counts

    @property
    def building(self) -> bool:
        return self.task is not None and not self.task.done()

    def row(self, number: int) -> Row | None:
        return next((r for r in self.rows if r.row == number), None)

    def by_visit(self, visit_id: str) -> Row | None:
        return next((r for r in self.rows if r.visit is not None and r.visit.visit_id == visit_id), None)

    def ready_rows(self) -> list[Row]:
        return [r for r in self.rows if r.status == READY and r.visit is not None]


def raw_cells(text: str) -> dict[int, dict[str, str]]:
    """Each row's cells by row number (numbered as the schedule parser numbers them), to prefill a fix."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    cells: dict[int, dict[str, str]] = {}
    for number, record in enumerate(reader, start=2):
        cells[number] = {(k or "").strip(): (v if isinstance(v, str) else "") for k, v in record.items() if k}
    return cells


def load_day(text: str, source: str, user: str, plan: Callable[[Visit], list[Variant]]) -> Day:
    """Parse a schedule; each visit's references are checked now, so a bad handout id shows before printing.

    Raises HandoutError (one clear message) when the text is not a schedule.
    """
    good, bad = read_schedule_text(text)
    if not good and not bad:
        raise HandoutError("the schedule has a header row but no visits")
    if len(good) + len(bad) > MAX_ROWS:
        raise HandoutError(f"the schedule has more than {MAX_ROWS} rows; split it into smaller files")
    cells = raw_cells(text)
    rows = [_bad_row(result, cells.get(result.row, {})) for result in bad]
    rows += [_planned_row(item, cells.get(item.row, {}), plan) for item in good]
    rows.sort(key=Row.sort_key)
    return Day(source, rows, user)


#: the schedule parser joins a row's reasons with "; " and each starts with its column's name
_NEXT_REASON = re.compile(r"; (?=[a-z_]+(?:\.\d+)?: )")


def _bad_row(result: RowResult, cells: dict[str, str]) -> Row:
    reasons = [part.strip() for part in _NEXT_REASON.split(result.error or "") if part.strip()]
    return Row(result.row, result.visit_id, None, FAILED, reasons, cells)


def _planned_row(item: ScheduledVisit, cells: dict[str, str], plan: Callable[[Visit], list[Variant]]) -> Row:
    try:
        needs = plan(item.visit)
    except HandoutError as exc:
        return Row(
            item.row,
            item.visit.visit_id,
            item.visit,
            FAILED,
            [_reason(p.message, p.field) for p in exc.problems],
            cells,
        )
    return Row(item.row, item.visit.visit_id, item.visit, WAITING, [], cells, needs)


def _reason(message: str, name: str | None) -> str:
    if name and name.startswith("handouts"):
        return f"handouts: {message}"
    return f"{name}: {message}" if name else message


@dataclass(frozen=True)
class Makers:
    """Who makes the day's packets: the day's own workers, and spare desk workers while no desk needs them."""

    make: Callable[[Row, bool], Awaitable[tuple[int, tuple[str, ...]]]]  #: (row, borrowed) -> pages, fallbacks
    own: int
    spare: int = 0
    spare_free: Callable[[], bool] = lambda: False


async def make_packets(day: Day, makers: Makers, done: Callable[[list[str]], None]) -> None:
    """Make every waiting row's packet, earliest appointments first.

    ``makers.make`` builds one row's packet and keeps it (returns its pages and English fallbacks); a
    row's failure is shown beside it and the others go on. A borrowed (desk) worker takes a row only
    while it is idle and no desk waits, so a desk waits for one packet at most. ``done`` gets the visit
    ids made (for the audit log).
    """
    queue = [r for r in day.rows if r.status == WAITING]
    made: list[str] = []

    async def runner(borrowed: bool) -> None:
        while queue:
            if borrowed and not makers.spare_free():
                await asyncio.sleep(0.05)
                continue
            row = queue.pop(0)
            row.status = MAKING
            try:
                row.pages, row.fallbacks = await makers.make(row, borrowed)
            except HandoutError as exc:
                row.status, row.reasons = FAILED, [_reason(p.message, p.field) for p in exc.problems]
                continue
            except Exception as exc:  # a renderer bug or a busy station: this row fails, the others go on
                row.status, row.reasons = FAILED, [f"could not be made ({type(exc).__name__}); try again"]
                continue
            row.status = READY
            made.append(row.visit_id)

    runners = [runner(False) for _ in range(max(1, makers.own))] + [runner(True) for _ in range(makers.spare)]
    try:
        await asyncio.gather(*runners)
    finally:
        for row in day.rows:
            if row.status == MAKING:
                row.status = WAITING
        if made:
            done(made)
