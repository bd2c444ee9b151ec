"""The renderer processes: each keeps one warm ``PacketBuilder`` and answers jobs over a pipe.

Why processes: WeasyPrint takes a core per render and 0.5 s to import, and a
builder that has laid out a clinic's covers and opened its handouts makes the
next packet in well under 100 ms. Why a pipe per worker (not a pool
executor): the parent knows which handout variants each worker already holds,
sends only the missing ones, and can replace a worker that died without
failing the others. Nothing here writes a file or logs a patient detail: an
unexpected error is reported by type and code location only.
"""

from __future__ import annotations

import io
import logging
import os
import sys
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pikepdf

from .core import HandoutError, PacketBuilder, Project, RenderedVariant, Variant, Visit, render_handout


@dataclass(frozen=True)
class BuiltPacket:
    """A packet as the pages need it: the bytes, and what the page shows about it (no patient detail)."""

    data: bytes
    pages: int
    title: str
    language: str
    fallbacks: tuple[str, ...]
    warnings: int


@dataclass(frozen=True)
class BuiltHandout:
    data: bytes
    pages: int


class _Worker:
    """The state one renderer process keeps between jobs."""

    def __init__(self, root: str) -> None:
        self.builder = PacketBuilder(Project(Path(root)))
        self.builder.renderer.stylesheet  # noqa: B018 - load the stylesheet and fonts before the first job

    def packet(
        self, visit: Visit, given: dict[Variant, RenderedVariant], duplex: bool
    ) -> tuple[BuiltPacket, dict[Variant, RenderedVariant]]:
        """One visit's packet, and the handout variants this worker rendered for it (for the others).

        What the builder held before this job, the station has already: it gave it, or this worker sent it.
        """
        new = [v for v in self.builder.variants(visit) if v not in given and not self.builder.holds(v)]
        packet = self.builder.build(visit, duplex=duplex, rendered=given)
        made = {v: self.builder.render_variant(v) for v in new}
        built = BuiltPacket(
            packet.data, packet.pages, packet.title, packet.language, tuple(packet.fallbacks), len(packet.warnings)
        )
        return built, made

    def variant(self, variant: Variant) -> RenderedVariant:
        return self.builder.render_variant(variant)

    def handout(self, handout_id: str, language: str, clinic_id: str) -> BuiltHandout:
        """A handout on its own, as the ``handout`` command makes it (no patient detail in it)."""
        handout = self.builder.handout(handout_id, language)[0]
        rendered = render_handout(
            self.builder.project, handout, self.builder.clinic(clinic_id), renderer=self.builder.renderer
        )
        return BuiltHandout(rendered.data, rendered.pages)

    @staticmethod
    def merge(packets: list[bytes], duplex: bool, title: str) -> bytes:
        """The day's packets as one print job; with duplex printing each packet starts on a new sheet.

        The result claims no PDF/A or PDF/UA (it is for the printer, not the record): merged
        pages keep their look but not one structure tree, so claiming would be false.
        """
        out = pikepdf.new()
        for data in packets:
            with pikepdf.open(io.BytesIO(data)) as source:
                out.pages.extend(source.pages)
                if duplex and len(source.pages) % 2:
                    width, height = (float(v) for v in source.pages[-1].mediabox[2:4])
                    out.add_blank_page(page_size=(width, height))
        out.docinfo["/Title"] = pikepdf.String(title)
        buffer = io.BytesIO()
        out.save(buffer, compress_streams=True, deterministic_id=True)
        return buffer.getvalue()


def _dispatch(worker: _Worker, job: str, args: tuple[Any, ...]) -> Any:
    if job == "packet":
        return worker.packet(*args)
    if job == "variant":
        return worker.variant(*args)
    if job == "handout":
        return worker.handout(*args)
    if job == "merge":
        return worker.merge(*args)
    if job == "ping":
        return "pong"
    raise ValueError(f"unknown job {job!r}")


def worker_main(connection: Connection, root: str, niceness: int = 0) -> None:
    """A renderer process: say "ready", then answer (job, args) messages until the pipe closes.

    Answers: ("ok", result), ("problems", [(message, field)]) for a user-facing problem, or
    ("error", type name) for a bug, whose code location (never its message, which could quote
    a patient) goes to standard error.
    """
    if niceness:
        os.nice(niceness)  # the day's batch yields the cores to the desks' packets
    # WeasyPrint's warnings are collected per packet and counted, never printed: they could quote the cover.
    logging.getLogger("weasyprint").propagate = False
    try:
        worker = _Worker(root)
    except Exception as exc:
        connection.send(("error", type(exc).__name__))
        return
    connection.send(("ready", None))
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if message is None:
            return
        job, args = message
        try:
            answer: tuple[str, Any] = ("ok", _dispatch(worker, job, args))
        except HandoutError as exc:
            answer = ("problems", [(p.message, p.field) for p in exc.problems])
        except Exception as exc:
            frames = "".join(traceback.format_tb(exc.__traceback__))
            print(f"renderer: internal error {type(exc).__name__} in job {job}\n{frames}", file=sys.stderr)
            answer = ("error", type(exc).__name__)
        try:
            connection.send(answer)
        except (OSError, ValueError):
            return
