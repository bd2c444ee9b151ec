"""Running a day's batch: plan what every visit needs, render each handout variant once, build the packets.

One pool of worker processes is kept warm for the whole batch:
  1. every handout variant the day needs (handout, language, paper, print
     size) is rendered once, the longest first, shared out between workers
     (or taken from the variant cache, kept from an earlier run);
  2. a visit's packet is handed to a worker as soon as all its variants are
     rendered, with those variants' bytes; so packets fill the time one
     worker would otherwise wait for the other's last variant.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import multiprocessing
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from clinic_handouts.batch import worker
from clinic_handouts.batch.cache import VariantCache
from clinic_handouts.batch.schedule import BatchReport, RowResult, ScheduledVisit, read_schedule, write_manifest
from clinic_handouts.batch.worker import VariantResult, Worker, failed, remove_packets_of, stale_note
from clinic_handouts.content.library import Project
from clinic_handouts.errors import HandoutError, Problem
from clinic_handouts.files import cannot_write
from clinic_handouts.packets.builder import PacketBuilder
from clinic_handouts.packets.parts import RenderedVariant
from clinic_handouts.packets.types import Variant


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
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise HandoutError(
            Problem("is a file, not a folder; give the folder the packets go in", file=out_dir)
        ) from None
    except OSError as exc:
        raise HandoutError(cannot_write(out_dir, exc)) from None
    with _only_batch_in(out_dir):
        results = []
        for result in bad:
            note = stale_note(out_dir, remove_packets_of(out_dir, result.visit_id))
            result = replace(result, error=f"{result.error}{note}") if note else result
            results.append(result)
            if on_result:
                on_result(result)
        # Earliest appointments first, so the first patients' packets are ready first.
        ordered = sorted(good, key=lambda s: (s.visit.date, s.visit.time or dt.time.max, s.row))
        for result in _run(project, ordered, out_dir, jobs, duplex, strict, fhir, cache):
            results.append(result)
            if on_result:
                on_result(result)
        results.sort(key=lambda r: r.row)
        try:
            write_manifest(out_dir, results)
        except HandoutError as exc:
            raise HandoutError([_with_outcome(p, results, out_dir) for p in exc.problems]) from None
    if cache:
        cache.prune()
    return BatchReport(results, time.perf_counter() - started)


def _with_outcome(problem: Problem, results: list[RowResult], out_dir: Path) -> Problem:
    """The manifest's problem, saying what the batch did meanwhile (it is the only record of it now),
    and which earlier packets of the failed rows are still there to be kept from the printer."""
    report = BatchReport(results, 0.0)
    done = f"{len(results) - len(report.failed)} of {len(results)} packets were written"
    if report.failed:
        done += f", rows {', '.join(str(r.row) for r in report.failed)} failed"
        stuck = [p for r in report.failed for p in remove_packets_of(out_dir, r.visit_id)]
        if stuck:
            done += f"; do not print the earlier run's {', '.join(sorted(p.name for p in stuck))}"
    return replace(problem, message=f"{problem.message} ({done}; no manifest)")


@contextlib.contextmanager
def _only_batch_in(out_dir: Path) -> Iterator[None]:
    """Hold ``out_dir/.batch.lock`` while the batch runs: a second batch into the same folder is refused
    (two would overwrite each other's manifest)."""
    try:
        handle = (out_dir / ".batch.lock").open("a")
    except OSError as exc:
        raise HandoutError(cannot_write(out_dir / ".batch.lock", exc)) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise HandoutError(
                Problem(
                    "another batch is writing into this folder; wait for it to finish, or use another -o", file=out_dir
                )
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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
                yield failed(item, self.out_dir, "; ".join(p.message for p in exc.problems))
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

    def keep(self, result: VariantResult) -> None:
        """Record a render; a good one without warnings goes into the cache
        (one that warned is rendered again next time, so strict mode sees it)."""
        variant = result.variant
        if result.rendered is None:
            self.failed[variant] = result.error or "could not be rendered"
            return
        self.rendered[variant] = result.rendered
        if self.cache and not result.warned and variant in self.keys:
            self.cache.put(variant, result.rendered, self.keys[variant])

    def ready(self) -> Iterator[tuple[ScheduledVisit, dict[Variant, RenderedVariant] | RowResult]]:
        """Visits no longer waiting: with their rendered variants, or with their error row if one failed."""
        still_waiting = []
        for item in self.waiting:
            variants = self.needs[item.row]
            if any(v in self.failed for v in variants):
                reason = "; ".join(self.failed[v] for v in variants if v in self.failed)
                yield item, failed(item, self.out_dir, reason)
            elif all(v in self.rendered for v in variants):
                yield item, {v: self.rendered[v] for v in variants}
            else:
                still_waiting.append(item)
        self.waiting = still_waiting


def _run(
    project: Project,
    items: list[ScheduledVisit],
    out_dir: Path,
    jobs: int,
    duplex: bool,
    strict: bool,
    fhir: bool = False,
    cache: VariantCache | None = None,
) -> Iterator[RowResult]:
    day = _Plan(out_dir, cache, PacketBuilder(project, strict=strict))
    yield from day.plan(items)
    if jobs <= 1 or len(day.waiting) <= 1:
        yield from _run_here(Worker(project, strict=strict, fhir=fhir), day, duplex)
    else:
        yield from _run_in_pool(project, day, jobs, duplex, strict, fhir)


def _run_here(here: Worker, day: _Plan, duplex: bool) -> Iterator[RowResult]:
    """Everything in this process, one step after another."""
    for variant in day.to_render():
        day.keep(here.render(variant))
    for item, got in day.ready():
        yield got if isinstance(got, RowResult) else here.build(item, day.out_dir, duplex, got)


def _run_in_pool(
    project: Project, day: _Plan, jobs: int, duplex: bool, strict: bool, fhir: bool
) -> Iterator[RowResult]:
    # fork: the workers start with the modules loaded; they are all started at the first submit,
    # before the pool's own threads, so no lock can be inherited while held.
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("fork"),
        initializer=worker.start,
        initargs=(str(project.root), strict, fhir),
    )
    renders = {pool.submit(worker.render_in_process, variant) for variant in day.to_render()}
    builds: dict[Future[RowResult], ScheduledVisit] = {}
    queue: list[tuple[ScheduledVisit, dict[Variant, RenderedVariant]]] = []
    try:
        while True:
            for item, got in day.ready():
                if isinstance(got, RowResult):
                    yield got
                else:
                    queue.append((item, got))
            # A few packets per worker at a time, so a dead worker takes few rows with it.
            while queue and len(builds) < 2 * jobs:
                item, variants = queue.pop(0)
                builds[pool.submit(worker.build_in_process, item, str(day.out_dir), duplex, variants)] = item
            if not renders and not builds:
                if day.waiting:
                    raise RuntimeError(f"batch stalled: {len(day.waiting)} visits wait for handouts nobody renders")
                break
            pending: list[Future[Any]] = [*renders, *builds]
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                if future in renders:
                    renders.discard(future)
                    day.keep(future.result())
                else:
                    builds.pop(future)
                    yield future.result()
    except BrokenProcessPool:
        # A worker died (killed, out of memory, a crash in a native library): what it had not finished fails,
        # and the manifest still lists every row.
        reason = "internal error (a worker process stopped); please report it"
        for item in [*builds.values(), *(item for item, _ in queue), *day.waiting]:
            yield failed(item, day.out_dir, reason)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
