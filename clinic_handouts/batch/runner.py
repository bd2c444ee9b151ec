"""A day's schedule, one packet per visit, in parallel, with a manifest.

The schedule is the CSV a practice-management system exports. Each row is
checked on its own: a bad row is reported by its row number and visit id
(never by patient details) and skipped, and every good row still gets its
packet. Each distinct handout variant is rendered once for the whole batch
(or taken from ``variant_cache``, kept from an earlier run), and the packets
are assembled in parallel (see "workers" below).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import json
import multiprocessing
import re
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from clinic_handouts.batch.cache import VariantCache
from clinic_handouts.content.library import Project
from clinic_handouts.content.loading import plain_message
from clinic_handouts.content.visits import Visit
from clinic_handouts.errors import HandoutError, Problem
from clinic_handouts.files import write_atomic
from clinic_handouts.packets.builder import LinesKey, PacketBuilder, RenderedVariant, Variant, default_file_name
from clinic_handouts.packets.fhir import write_document_reference
from clinic_handouts.render.renderer import collect_warnings

COLUMNS = (
    "visit_id", "date", "clinic", "clinician", "patient_name", "dob", "mrn",
    "language", "large_print", "handouts", "note",
)
OPTIONAL_COLUMNS = ("time",)
VISIT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


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

    patient = {"name": cell("patient_name"), "dob": cell("dob"), "mrn": cell("mrn") or None,
               "language": cell("language") or "en"}
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


def shown_id(value: str) -> str:
    """A visit id as messages may show it: only if it looks like one (a mistyped cell could hold a name)."""
    value = value.strip()
    return value if VISIT_ID.match(value) else "(invalid id)"


_CSV_FIELD = {"patient.name": "patient_name", "patient.dob": "dob", "patient.mrn": "mrn",
              "patient.language": "language", "patient.large_print": "large_print"}


def read_schedule(path: Path) -> tuple[list[ScheduledVisit], list[RowResult]]:
    """Parse and validate every row; returns the good visits and the bad rows."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in reader.fieldnames or []]
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise HandoutError(Problem(
                    f"the header row lacks column(s) {', '.join(missing)}; expected "
                    f"{','.join(COLUMNS)} (and optionally time)", file=path, line=1))
            unknown = [c for c in header if c not in COLUMNS + OPTIONAL_COLUMNS]
            if unknown:
                raise HandoutError(Problem(f"unknown column(s) {', '.join(unknown)}", file=path, line=1))
            # Rows are numbered as a spreadsheet shows them: the header is row 1, and a
            # quoted cell that spans several lines is still one row.
            rows = list(enumerate(reader, start=2))
    except FileNotFoundError:
        raise HandoutError(Problem("schedule file not found", file=path)) from None
    except UnicodeDecodeError:
        raise HandoutError(Problem("not UTF-8 text; export the schedule as UTF-8 CSV", file=path)) from None
    except csv.Error as exc:
        raise HandoutError(Problem(f"not a readable CSV file: {exc}", file=path)) from None

    good: list[ScheduledVisit] = []
    bad: list[RowResult] = []
    seen: dict[str, int] = {}
    for line, record in rows:
        visit_id = shown_id(record.get("visit_id") or "")
        if None in record:
            reason = "more cells than the header has columns; put text that contains commas in double quotes"
            bad.append(RowResult(line, visit_id, "error", error=reason))
            continue
        record = {key.strip(): value for key, value in record.items()}
        try:
            visit = Visit.model_validate(_row_to_data(record))
        except ValidationError as exc:
            reasons = []
            for error in exc.errors():
                name = ".".join(str(p) for p in error["loc"] if not isinstance(p, int))
                reasons.append(f"{_CSV_FIELD.get(name, name)}: {plain_message(Visit, error)}")
            bad.append(RowResult(line, visit_id, "error", error="; ".join(reasons)))
            continue
        if visit.visit_id in seen:
            reason = f"visit_id: already used on row {seen[visit.visit_id]}; each visit needs its own id"
            bad.append(RowResult(line, visit_id, "error", error=reason))
            continue
        seen[visit.visit_id] = line
        good.append(ScheduledVisit(line, visit))
    return good, bad


# --- workers -----------------------------------------------------------------
#
# One pool of worker processes, kept warm for the whole batch (fonts loaded,
# stylesheet parsed, packet lengths' page lines laid out):
#   1. every handout variant the day needs (handout, language, paper, print
#      size) is rendered once, the longest first, shared out between workers;
#   2. a visit's packet is handed to a worker as soon as all its variants are
#      rendered, with those variants' bytes; so packets fill the time one
#      worker would otherwise wait for the other's last variant.

_builder: PacketBuilder | None = None
_fhir = False


def _start_worker(root: str, strict: bool, fhir: bool = False) -> None:
    global _builder, _fhir
    _builder = PacketBuilder(Project(Path(root)), strict=strict)
    _fhir = fhir


def _render_variant(variant: Variant) -> tuple[Variant, RenderedVariant | None, str | None, bool]:
    """Phase 1: one handout variant; a failure is returned, not raised, so the other visits go on.

    Returns the variant, its rendering or None, the error, and whether WeasyPrint warned.
    """
    assert _builder is not None
    with collect_warnings() as warnings:
        try:
            data = _builder.render_variant(variant)
        except HandoutError as exc:
            return variant, None, "; ".join(p.message for p in exc.problems), bool(warnings)
        except Exception as exc:  # a bug: the visits that need this handout fail, the others go on
            frames = "".join(traceback.format_tb(exc.__traceback__))
            print(f"handout {variant.handout_id} ({variant.language}): internal error {type(exc).__name__}\n"
                  f"{frames}", file=sys.stderr)
            return variant, None, f"handout {variant.handout_id}: internal error ({type(exc).__name__}); " \
                "please report it", bool(warnings)
    if _builder.strict and warnings:
        return variant, None, f"WeasyPrint: {warnings[0]}", True
    return variant, data, None, bool(warnings)


def _build_shared(
    item: ScheduledVisit, out_dir: str, duplex: bool, variants: dict[Variant, RenderedVariant],
    lines: dict[LinesKey, bytes],
) -> tuple[RowResult, dict[LinesKey, bytes]]:
    """Phase 2 in a worker: ``variants`` and ``lines`` were made by any worker (this one keeps those it has
    not seen); returns the row and the page-line sets this packet made, for the parent to pass on."""
    assert _builder is not None
    return _build_one(item, out_dir, duplex, variants, lines), _builder.take_new_lines()


def _build_one(
    item: ScheduledVisit, out_dir: str, duplex: bool, variants: dict[Variant, RenderedVariant] | None = None,
    lines: dict[LinesKey, bytes] | None = None,
) -> RowResult:
    """Build and write one packet; any failure becomes an error row, never a crash of the batch."""
    assert _builder is not None
    visit = item.visit
    started = time.perf_counter()
    try:
        _builder.adopt(variants or {})
        _builder.adopt_lines(lines or {})
        packet = _builder.build(visit, duplex=duplex)
        target = write_atomic(Path(out_dir) / default_file_name(visit), packet.data)
        record = write_document_reference(target, visit, _builder.clinic(visit.clinic), packet.data,
                                          packet.title, packet.language) if _fhir else None
    except HandoutError as exc:
        return _failed(item, Path(out_dir), "; ".join(p.message for p in exc.problems))
    except OSError as exc:
        return _failed(item, Path(out_dir), f"could not write the packet: {exc.strerror or type(exc).__name__}")
    except Exception as exc:  # a bug: keep the other visits going, show where it happened
        frames = "".join(traceback.format_tb(exc.__traceback__))
        print(f"row {item.row}, visit {visit.visit_id}: internal error {type(exc).__name__}\n{frames}",
              file=sys.stderr)
        return _failed(item, Path(out_dir), f"internal error ({type(exc).__name__}); please report it")
    return RowResult(
        item.row, visit.visit_id, "ok", file=target.name, pages=packet.pages,
        sha256=hashlib.sha256(packet.data).hexdigest(), time=_time(visit),
        english_fallback=packet.fallbacks, warnings=len(packet.warnings),
        fhir_file=record.name if record else None, seconds=time.perf_counter() - started,
    )


def _time(visit: Visit) -> str | None:
    return visit.time.strftime("%H:%M") if visit.time else None


def _failed(item: ScheduledVisit, out_dir: Path, reason: str) -> RowResult:
    """An error row; a packet left from an earlier run for this visit is removed, so it cannot be printed."""
    stale = out_dir / default_file_name(item.visit)
    for path in (stale, stale.with_suffix(".fhir.json")):
        path.unlink(missing_ok=True)
    return RowResult(item.row, item.visit.visit_id, "error", error=reason, time=_time(item.visit))


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


def run_batch(
    project: Project,
    schedule: Path,
    out_dir: Path,
    *,
    jobs: int = 2,
    duplex: bool = True,
    strict: bool = False,
    on_result: Callable[[RowResult], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    fhir: bool = False,
    cache: VariantCache | None = None,
) -> BatchReport:
    """Build every good row's packet into ``out_dir`` and write ``manifest.json`` there.

    ``cache``: rendered handouts kept between runs (none: every handout is rendered afresh).
    """
    started = time.perf_counter()
    good, bad = read_schedule(schedule)
    if on_start:
        on_start(len(good) + len(bad))
    out_dir.mkdir(parents=True, exist_ok=True)
    for result in bad:
        if on_result:
            on_result(result)
    # Earliest appointments first, so the first patients' packets are ready first.
    ordered = sorted(good, key=lambda s: (s.visit.date, s.visit.time or dt.time.max, s.row))
    results = list(bad)
    for result in _run(project, ordered, out_dir, jobs, duplex, strict, fhir, cache):
        results.append(result)
        if on_result:
            on_result(result)
    results.sort(key=lambda r: r.row)
    manifest = json.dumps([r.manifest_entry() for r in results], indent=2, ensure_ascii=False) + "\n"
    write_atomic(out_dir / "manifest.json", manifest.encode("utf-8"))
    if cache:
        cache.prune()
    return BatchReport(results, time.perf_counter() - started)


@dataclass
class _Plan:
    """The batch's bookkeeping, kept in the parent: which variants each visit needs, which are rendered
    (or failed), and which visits still wait for theirs. Bad references fail when it is made."""

    out_dir: Path
    cache: VariantCache | None
    planner: PacketBuilder
    needs: dict[int, list[Variant]] = field(default_factory=dict)
    waiting: list[ScheduledVisit] = field(default_factory=list)  # earliest appointments first
    rendered: dict[Variant, RenderedVariant] = field(default_factory=dict)
    failed: dict[Variant, str] = field(default_factory=dict)
    #: cache keys taken before rendering, so a file saved meanwhile is not cached under its new key
    keys: dict[Variant, str] = field(default_factory=dict)

    def plan(self, items: list[ScheduledVisit]) -> Iterator[RowResult]:
        """Read what every visit needs (YAML only), take what the cache has; yields the rows that fail here."""
        for item in items:
            try:
                self.needs[item.row] = self.planner.variants(item.visit)
                self.waiting.append(item)
            except HandoutError as exc:
                yield _failed(item, self.out_dir, "; ".join(p.message for p in exc.problems))
        for variant in self.to_render():
            hit = self.cache.get(variant) if self.cache else None
            if hit is not None:
                self.rendered[variant] = hit
            elif self.cache:
                with contextlib.suppress(HandoutError, OSError):
                    self.keys[variant] = self.cache.key(variant)

    def to_render(self) -> list[Variant]:
        """The variants not rendered yet, longest first (large print), so no worker is left with a long one."""
        distinct = {v for variants in self.needs.values() for v in variants if v not in self.rendered}
        return sorted(distinct, key=lambda v: (not v.large_print, repr(v)))

    def keep(self, variant: Variant, data: RenderedVariant | None, error: str | None, warned: bool) -> None:
        """Record a render (``_render_variant``'s result); a good one without warnings goes into the cache
        (one that warned is rendered again next time, so strict mode sees it)."""
        if data is None:
            self.failed[variant] = error or "could not be rendered"
            return
        self.rendered[variant] = data
        if self.cache and not warned and variant in self.keys:
            self.cache.put(variant, data, self.keys[variant])

    def ready(self) -> Iterator[tuple[ScheduledVisit, dict[Variant, RenderedVariant] | RowResult]]:
        """Visits no longer waiting: with their rendered variants, or with their error row if one failed."""
        still_waiting = []
        for item in self.waiting:
            variants = self.needs[item.row]
            if any(v in self.failed for v in variants):
                reason = "; ".join(self.failed[v] for v in variants if v in self.failed)
                yield item, _failed(item, self.out_dir, reason)
            elif all(v in self.rendered for v in variants):
                yield item, {v: self.rendered[v] for v in variants}
            else:
                still_waiting.append(item)
        self.waiting = still_waiting


def _run(
    project: Project, items: list[ScheduledVisit], out_dir: Path, jobs: int, duplex: bool, strict: bool,
    fhir: bool = False, cache: VariantCache | None = None,
) -> Iterator[RowResult]:
    day = _Plan(out_dir, cache, PacketBuilder(project, strict=strict))
    yield from day.plan(items)
    if jobs <= 1 or len(day.waiting) <= 1:
        _start_worker(str(project.root), strict, fhir)
        for variant in day.to_render():
            day.keep(*_render_variant(variant))
        for item, got in day.ready():
            yield got if isinstance(got, RowResult) else _build_one(item, str(out_dir), duplex, got)
        return
    yield from _run_in_pool(project, day, jobs, duplex, strict, fhir)


def _run_in_pool(
    project: Project, day: _Plan, jobs: int, duplex: bool, strict: bool, fhir: bool
) -> Iterator[RowResult]:
    out_dir = str(day.out_dir)
    # fork: the workers start with the modules loaded; they are all started at the first submit,
    # before the pool's own threads, so no lock can be inherited while held.
    pool = ProcessPoolExecutor(
        max_workers=jobs, mp_context=multiprocessing.get_context("fork"), initializer=_start_worker,
        initargs=(str(project.root), strict, fhir),
    )
    renders = {pool.submit(_render_variant, variant) for variant in day.to_render()}
    builds: dict[Future[tuple[RowResult, dict[LinesKey, bytes]]], ScheduledVisit] = {}
    lines: dict[LinesKey, bytes] = {}  # page-line sets made by the workers so far
    # Packets are handed out a few at a time, so each goes with the page-line sets made before it.
    queue: list[tuple[ScheduledVisit, dict[Variant, RenderedVariant]]] = []
    try:
        while True:
            for item, got in day.ready():
                if isinstance(got, RowResult):
                    yield got
                else:
                    queue.append((item, got))
            while queue and len(builds) < 2 * jobs:
                item, variants = queue.pop(0)
                pages = [len(variants[v].mcids) for v in day.needs[item.row]]
                likely = {k: lines[k] for k in day.planner.lines_keys(item.visit, pages, duplex=duplex) if k in lines}
                builds[pool.submit(_build_shared, item, out_dir, duplex, variants, likely)] = item
            if not renders and not builds:
                if day.waiting:
                    raise RuntimeError(f"batch stalled: {len(day.waiting)} visits wait for handouts nobody renders")
                break
            done, _ = wait(renders | builds.keys(), return_when=FIRST_COMPLETED)
            for future in done:
                if future in renders:
                    renders.discard(future)
                    day.keep(*future.result())
                else:
                    builds.pop(future)
                    result, made = future.result()
                    lines.update(made)
                    yield result
    except BrokenProcessPool:
        # A worker died (killed, out of memory, a crash in a native library): what it had not finished fails,
        # and the manifest still lists every row.
        reason = "internal error (a worker process stopped); please report it"
        for item in [*builds.values(), *(item for item, _ in queue), *day.waiting]:
            yield _failed(item, day.out_dir, reason)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
