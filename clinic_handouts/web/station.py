"""The running station: settings, account store, renderers, the day, packets in memory, the library.

One object that the routes share, so each route stays a few lines of "read
the request, ask the station, show the answer".
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sys
import traceback
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from .catalog import Catalog
from .config import Settings
from .core import Clinic, HandoutError, PacketBuilder, Problem, Variant, Visit, load_clinic
from .day import FAILED, MAKING, READY, WAITING, Day, Makers, Row, load_day, make_packets
from .images import NoPictureError
from .packets import PacketMemory
from .pool import BusyError, RendererError, Renderers
from .store import Store
from .workers import BuiltPacket


class Station:
    """Everything one running print station holds."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.project = settings.project
        self.store = Store(settings.store_path)
        self.renderers = Renderers(
            str(self.project.root),
            settings.desk_workers,
            settings.day_workers,
            settings.max_waiting,
            settings.day_niceness,
        )
        #: reads YAML only, to check a visit's references and name its handout variants (never renders)
        self.planner = PacketBuilder(self.project)
        self.clinic: Clinic = load_clinic(self.project.clinic_folder(settings.clinic))
        self.memory = PacketMemory(settings.packet_memory_bytes, settings.session_hours * 3600)
        self.catalog = Catalog(self.project, settings.clinic, self.renderers)
        self.day: Day | None = None
        self._walk_ins = 0
        #: every handout variant rendered (or prewarm off): packets are as fast as they get
        self.warm = not settings.prewarm
        self._background: set[asyncio.Task[None]] = set()

    # --- life cycle -------------------------------------------------------------

    async def start(self) -> None:
        await self.renderers.start()
        if self.settings.prewarm:
            self._spawn(self._prewarm())

    async def _prewarm(self) -> None:
        """Every handout variant for packets, then the Library's thumbnails, one desk job at a time each."""
        await self.renderers.prewarm(self.library_variants())
        for entry in await self.catalog.entries():
            with contextlib.suppress(HandoutError, NoPictureError, RendererError, BusyError):
                await self.catalog.thumbnail(entry.id)
        self.warm = True

    async def stop(self) -> None:
        self.clear_day()
        for task in list(self._background):
            task.cancel()
        self.renderers.close()
        self.store.close()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    def library_variants(self) -> list[Variant]:
        """Every handout in every language it has, normal and large print, on the clinic's paper."""
        variants = []
        for handout_id in self.project.handout_ids():
            for path in sorted(self.project.handouts_dir.glob(f"{handout_id}*.yaml")):
                parts = path.name.split(".")
                language = parts[1] if len(parts) == 3 else "en"
                if parts[0] != handout_id:
                    continue
                for large in (False, True):
                    variants.append(Variant(handout_id, language, self.clinic.id, self.clinic.paper, large))
        return variants

    # --- packets ----------------------------------------------------------------

    def needs(self, visit: Visit) -> list[Variant]:
        """The handout variants a visit needs; HandoutError (with fields) for unknown handouts or clinic."""
        return self.planner.variants(visit)

    async def make_packet(
        self,
        visit: Visit,
        user: str,
        action: str,
        *,
        batch: bool = False,
        needs: list[Variant] | None = None,
        log: bool = True,
    ) -> BuiltPacket:
        """Build one visit's packet (in the day's pool for ``batch``), keep it for the pages, and note who
        made it (``log``; the day's batch notes its visits at the end, together)."""
        built = await self.renderers.packet(visit, needs if needs is not None else self.needs(visit), batch=batch)
        self.memory.put(visit, built.data, built.pages, built.fallbacks)
        if log:
            self.store.audit(user, action, [visit.visit_id])
        return built

    async def packet_bytes(self, visit_id: str, *, batch: bool = False) -> tuple[Visit, bytes] | None:
        """A packet the pages made earlier (rebuilt if memory let it go, in the day's pool for ``batch``);
        None if the station has no such visit."""
        held = self.memory.get(visit_id)
        if held is not None and held.data is not None:
            return held.visit, held.data
        row = self.day.by_visit(visit_id) if self.day else None
        visit = held.visit if held else row.visit if row and row.status == READY else None
        if visit is None:
            return None
        built = await self.renderers.packet(visit, self.needs(visit), batch=batch)
        self.memory.put(visit, built.data, built.pages, built.fallbacks)
        return visit, built.data

    def next_walk_in_id(self, today: dt.date) -> str:
        self._walk_ins += 1
        return f"W{today:%Y%m%d}-{dt.datetime.now():%H%M%S}{self._walk_ins:02d}"

    # --- the day ----------------------------------------------------------------

    def load_day(self, text: str, source: str, user: str) -> Day:
        """Replace the day with a new schedule and start making its packets (in the day's own pool)."""
        day = load_day(text, source, user, self.needs)
        self.clear_day(keep_walk_ins=True)
        self.day = day
        self.store.audit(user, f"loaded a schedule ({len(day.rows)} rows)")
        day.task = self._spawn(self._make_day(day, user))
        return day

    async def _make_day(self, day: Day, user: str) -> None:
        async def make(row: Row, borrowed: bool) -> tuple[int, tuple[str, ...]]:
            assert row.visit is not None
            built = await self.make_packet(row.visit, user, "made", batch=not borrowed, needs=row.needs, log=False)
            return built.pages, built.fallbacks

        try:
            await self.renderers.render_for_day([v for row in day.rows for v in row.needs])
            desk = self.renderers.desk
            makers = Makers(make, self.settings.day_workers, desk.size, desk.idle_and_unwanted)
            await make_packets(day, makers, lambda made: self.store.audit(user, "made (day)", made))
        except Exception as exc:  # a bug: the rows still waiting say so, and the code location goes to the log
            frames = "".join(traceback.format_tb(exc.__traceback__))
            print(f"station: internal error {type(exc).__name__} making the day\n{frames}", file=sys.stderr)
            for row in day.rows:
                if row.status in {WAITING, MAKING}:
                    row.status, row.reasons = FAILED, ["could not be made (internal error); load the schedule again"]

    def clear_day(self, *, keep_walk_ins: bool = False) -> None:
        """Forget the schedule and its packets, and (unless another schedule replaces it) the walk-ins' too."""
        if self.day and self.day.task:
            self.day.task.cancel()
        if keep_walk_ins and self.day:
            for row in self.day.rows:
                if row.visit is not None:
                    self.memory.forget(row.visit.visit_id)
        elif not keep_walk_ins:
            self.memory.clear()
        self.day = None

    def schedule_files(self) -> list[Path]:
        """The CSV files in the configured schedule folder, newest first."""
        folder = self.settings.schedule_dir
        if folder is None or not folder.is_dir():
            return []
        files = [p for p in folder.glob("*.csv") if p.is_file()]
        return sorted(files, key=lambda p: p.stat().st_mtime, reverse=True)[:30]

    def day_row_fixed(self, row_number: int, visit: Visit, built: BuiltPacket) -> None:
        """A walk-in form fixed a bad row (or changed a visit's order): the day shows the new packet."""
        if self.day is None:
            return
        row = self.day.row(row_number) or self.day.by_visit(visit.visit_id)
        if row is None:
            return
        row.visit, row.visit_id, row.status, row.reasons = visit, visit.visit_id, READY, []
        row.pages, row.fallbacks = built.pages, built.fallbacks

    async def day_pdf(self, user: str) -> bytes:
        """Every ready packet of the day, earliest first, as one file for one print job."""
        day = self.day
        if day is None or not day.ready_rows():
            raise HandoutError(Problem("no packets are ready yet"))
        packets = []
        for row in day.ready_rows():
            assert row.visit is not None
            found = await self.packet_bytes(row.visit.visit_id, batch=True)
            if found is not None:
                packets.append(found[1])
        ids = [r.visit_id for r in day.ready_rows()]
        dates = sorted({r.visit.date for r in day.ready_rows() if r.visit})
        title = f"Packets for {', '.join(d.isoformat() for d in dates)}"
        data = await self.renderers.merge(packets, True, title)
        self.store.audit(user, "opened (day's print file)", ids)
        return data
