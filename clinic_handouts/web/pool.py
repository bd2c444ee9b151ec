"""Warm renderer processes, in separate pools for single packets and for the day's batch.

Why two pools: a desk asking for one packet must never wait behind a day of
200; the day's batch has its own worker(s), the desks theirs. Each pool hands
a job to its next idle worker (first come, first served) and answers "busy"
rather than queueing without bound. Handout variants (no patient detail) are
kept once in the parent and sent to a worker only if it lacks them, so a
handout is rendered once for the whole station.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, SpawnContext
from multiprocessing.process import BaseProcess
from typing import Any

from .core import HandoutError, Problem, RenderedVariant, Variant, Visit
from .workers import BuiltHandout, BuiltPacket, worker_main

#: a job that takes longer than this is taken to be stuck: its worker is replaced
JOB_TIMEOUT = 300.0
START_TIMEOUT = 120.0
MAX_VARIANTS = 2048


def renderer_context() -> ForkServerContext | SpawnContext:
    """How renderer processes start: forked from a server process that imported WeasyPrint once.

    Neither way inherits the station's threads or locks. ``spawn`` starts a fresh interpreter per
    renderer, which imports WeasyPrint and the package again (1.3 s of a core each); the fork
    server, started once, imports them before its first fork. Elsewhere than Linux, renderers are
    spawned (there is no fork server on Windows, and macOS libraries are not safe to fork).
    """
    if not sys.platform.startswith("linux"):
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([worker_main.__module__])
    return context


class BusyError(Exception):
    """Too many requests already wait for a renderer; the client should try again shortly."""


class RendererError(Exception):
    """A renderer hit a bug or died; the job failed, the station goes on (details are on stderr)."""


@dataclass
class _Process:
    process: BaseProcess
    connection: Connection
    known: set[Variant] = field(default_factory=set)


@dataclass
class VariantStore:
    """Rendered handout variants, shared by every worker; bounded (there are only so many handouts)."""

    items: dict[Variant, RenderedVariant] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, variants: list[Variant]) -> dict[Variant, RenderedVariant]:
        with self.lock:
            return {v: self.items[v] for v in variants if v in self.items}

    def keep(self, made: dict[Variant, RenderedVariant]) -> None:
        with self.lock:
            if len(self.items) + len(made) > MAX_VARIANTS:
                self.items.clear()
            self.items.update(made)


class Pool:
    """Worker processes of one kind (desk or day), each answering one job at a time."""

    def __init__(
        self, name: str, size: int, root: str, variants: VariantStore, max_waiting: int = 100, niceness: int = 0
    ) -> None:
        self.name = name
        self.niceness = niceness
        self.size = size
        self.root = root
        self.variants = variants
        self.max_waiting = max_waiting
        self._context = renderer_context()
        self._threads = ThreadPoolExecutor(max_workers=size, thread_name_prefix=f"{name}-renderer")
        self._idle: asyncio.Queue[_Process] | None = None
        self._all: list[_Process] = []
        self.waiting = 0
        self.ready = False

    # --- life cycle -----------------------------------------------------------

    def _spawn(self) -> _Process:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=worker_main, args=(child, self.root, self.niceness), daemon=True, name=f"clinic-handouts-{self.name}"
        )
        process.start()
        child.close()
        if not parent.poll(START_TIMEOUT):
            process.kill()
            raise RuntimeError(f"{self.name} renderer did not start")
        status, detail = parent.recv()
        if status != "ready":
            process.kill()
            raise RuntimeError(f"{self.name} renderer failed to start ({detail})")
        return _Process(process, parent)

    async def start(self) -> None:
        """Start every worker (in parallel) and wait until each has its fonts and stylesheet loaded."""
        loop = asyncio.get_running_loop()
        self._idle = asyncio.Queue()
        started = await asyncio.gather(*(loop.run_in_executor(self._threads, self._spawn) for _ in range(self.size)))
        for worker in started:
            self._all.append(worker)
            self._idle.put_nowait(worker)
        self.ready = True

    def close(self) -> None:
        self.ready = False
        for worker in self._all:
            with contextlib.suppress(OSError, ValueError):
                worker.connection.send(None)
        for worker in self._all:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=5)
            worker.connection.close()
        self._all.clear()
        self._threads.shutdown(wait=False, cancel_futures=True)

    # --- jobs -------------------------------------------------------------------

    def idle_and_unwanted(self) -> bool:
        """A worker is free and no request waits for one: spare capacity another pool's work may borrow."""
        return self._idle is not None and not self._idle.empty() and self.waiting == 0

    def _run(self, worker: _Process, job: str, args: tuple[Any, ...], timeout: float) -> tuple[_Process, Any]:
        """In a thread: send the job, wait for its answer; a dead or stuck worker is replaced."""
        try:
            worker.connection.send((job, args))
            if not worker.connection.poll(timeout):
                raise TimeoutError
            status, detail = worker.connection.recv()
        except (EOFError, OSError, TimeoutError, ValueError):
            worker.process.kill()
            worker.process.join(timeout=5)
            if not self.ready:  # the station is stopping: no new worker
                return worker, ("error", "the renderers are stopping")
            try:
                replacement = self._spawn()
            except (RuntimeError, OSError):
                return worker, ("error", "the renderer stopped and could not be restarted")  # tried again next job
            self._all = [replacement if w is worker else w for w in self._all]
            return replacement, ("error", "the renderer stopped")
        return worker, (status, detail)

    async def call(
        self, job: str, *args: Any, timeout: float = JOB_TIMEOUT, variants: list[Variant] | None = None
    ) -> Any:
        """Run a job on the next idle worker; ``variants``: handouts the job needs, sent if the worker lacks them."""
        if self._idle is None or not self.ready:
            raise BusyError("the renderers are starting")
        if self.waiting >= self.max_waiting:
            raise BusyError("too many requests wait for a renderer")
        self.waiting += 1
        try:
            worker = await self._idle.get()
        finally:
            self.waiting -= 1
        if variants is not None:
            missing = [v for v in variants if v not in worker.known]
            args = (*args[:1], self.variants.take(missing), *args[1:])
        loop = asyncio.get_running_loop()
        idle = self._idle
        future = loop.run_in_executor(self._threads, self._run, worker, job, args, timeout)

        def give_back(done: asyncio.Future[tuple[_Process, Any]]) -> None:
            # The worker goes back only once its answer is read, even if the request was cancelled meanwhile.
            if not done.cancelled() and done.exception() is None:
                idle.put_nowait(done.result()[0])

        future.add_done_callback(give_back)
        worker, (status, detail) = await asyncio.shield(future)
        if status == "problems":
            raise HandoutError([Problem(message, field=name) for message, name in detail])
        if status != "ok":
            raise RendererError(f"{self.name} renderer: {detail}")
        if variants is not None:
            worker.known.update(variants)
        return detail


class Renderers:
    """The station's two pools and the handout variants they share."""

    def __init__(self, root: str, desk: int, day: int, max_waiting: int = 100, day_niceness: int = 10) -> None:
        self.variants = VariantStore()
        self.desk = Pool("desk", desk, root, self.variants, max_waiting)
        # The day's workers run at a lower priority: on a small machine a desk's packet gets the cores first.
        self.day = Pool("day", day, root, self.variants, max_waiting, niceness=day_niceness)

    @property
    def ready(self) -> bool:
        return self.desk.ready and self.day.ready

    async def start(self) -> None:
        await asyncio.gather(self.desk.start(), self.day.start())

    def close(self) -> None:
        self.desk.close()
        self.day.close()

    async def packet(
        self, visit: Visit, needs: list[Variant], *, duplex: bool = True, batch: bool = False
    ) -> BuiltPacket:
        """One visit's packet, from the desk pool (or the day's pool for the batch)."""
        pool = self.day if batch else self.desk
        built, made = await pool.call("packet", visit, duplex, variants=needs)
        self.variants.keep(made)
        return built

    async def handout(self, handout_id: str, language: str, clinic_id: str) -> BuiltHandout:
        return await self.desk.call("handout", handout_id, language, clinic_id)

    async def merge(self, packets: list[bytes], duplex: bool, title: str) -> bytes:
        return await self.day.call("merge", packets, duplex, title, timeout=900)

    async def render_for_day(self, variants: list[Variant]) -> None:
        """The handouts a day needs and the station lacks, rendered first (large print first) by the day's
        workers and by desk workers that are idle with no desk waiting: a desk then waits for one handout at
        most, never for the day."""
        queue = sorted({v for v in variants if not self.variants.take([v])}, key=lambda v: (not v.large_print, repr(v)))

        async def drain(pool: Pool) -> None:
            while queue:
                if pool is self.desk and not pool.idle_and_unwanted():
                    await asyncio.sleep(0.05)
                    continue
                variant = queue.pop(0)
                # a failure is reported by the packets that need the handout
                with contextlib.suppress(HandoutError, RendererError, BusyError):
                    self.variants.keep({variant: await pool.call("variant", variant)})

        drainers = [
            *(drain(self.desk) for _ in range(self.desk.size)),
            *(drain(self.day) for _ in range(self.day.size)),
        ]
        await asyncio.gather(*drainers)

    async def prewarm(self, variants: list[Variant]) -> None:
        """Render every handout variant once, on the desk workers, so that first packets are fast too."""
        # At most one job per worker waits, so a desk's request is never queued behind the whole library.
        gate = asyncio.Semaphore(self.desk.size)

        async def one(variant: Variant) -> None:
            async with gate:
                if not self.variants.take([variant]):
                    # a failure here is rendered again (and reported) when a packet needs the handout
                    with contextlib.suppress(HandoutError, RendererError, BusyError):
                        self.variants.keep({variant: await self.desk.call("variant", variant)})

        await asyncio.gather(*(one(v) for v in variants))
