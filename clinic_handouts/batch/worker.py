"""One batch worker: a packet builder kept warm between packets, and what it does with one variant or visit.

Each worker process holds one ``Worker`` (fonts loaded, stylesheet parsed,
page lines laid out). Any failure becomes a value for the parent: a user's
mistake as its message, a bug as "internal error" with the code location on
stderr (``internal_error``), never a crash of the batch.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from clinic_handouts.batch.schedule import RowResult, ScheduledVisit
from clinic_handouts.content.ids import is_valid
from clinic_handouts.content.library import Project
from clinic_handouts.content.visits import Visit
from clinic_handouts.errors import HandoutError, Problem
from clinic_handouts.files import write_atomic
from clinic_handouts.packets.builder import PacketBuilder
from clinic_handouts.packets.fhir import write_document_reference
from clinic_handouts.packets.parts import RenderedVariant
from clinic_handouts.packets.types import Variant, default_file_name
from clinic_handouts.render.renderer import collect_warnings


@dataclass(frozen=True)
class VariantResult:
    """A variant rendered by a worker, or why it could not be."""

    variant: Variant
    rendered: RenderedVariant | None
    error: str | None
    #: whether WeasyPrint warned (such a rendering is not cached, so strict mode sees it next time)
    warned: bool


def internal_error(where: str, exc: BaseException) -> str:
    """A bug: print where it happened (type and code location, never the exception's text, which could
    quote a patient) and return the one-line reason for the manifest."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    print(f"{where}: internal error {type(exc).__name__}\n{frames}", file=sys.stderr)
    return f"internal error ({type(exc).__name__}); please report it"


def visit_time(visit: Visit) -> str | None:
    return visit.time.strftime("%H:%M") if visit.time else None


def failed(item: ScheduledVisit, out_dir: Path, reason: str) -> RowResult:
    """An error row; a packet left from an earlier run for this visit is removed, so it cannot be printed
    (or, when the folder no longer lets it go, the row says so)."""
    reason += stale_note(out_dir, remove_packets_of(out_dir, item.visit.visit_id))
    return RowResult(item.row, item.visit.visit_id, "error", error=reason, time=visit_time(item.visit))


def remove_packets_of(out_dir: Path, visit_id: str) -> list[Path]:
    """Remove any packet (and FHIR record) an earlier run left for this visit, whatever its date was then;
    returns those that could not be removed (the folder turned read-only), never raises."""
    if not is_valid(visit_id, "visit"):
        return []  # nothing can be named after an invalid id
    stuck = []
    for path in [*out_dir.glob(f"????-??-??_{visit_id}.pdf"), *out_dir.glob(f"????-??-??_{visit_id}.fhir.json")]:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            stuck.append(path)
    return stuck


def stale_note(out_dir: Path, stuck: list[Path]) -> str:
    """What a failed row adds about an earlier run's files it could not remove ("" if none)."""
    if not stuck:
        return ""
    names = ", ".join(sorted(p.name for p in stuck))
    return f"; an earlier run's {names} could not be removed from {out_dir}: do not print it"


def row_message(problem: Problem, out_dir: Path) -> str:
    """A problem as one manifest line: a file the batch could not write is named with its folder."""
    if problem.file is not None and Path(problem.file).parent == out_dir:
        return str(problem)
    return problem.message


class Worker:
    """A packet builder and the batch's settings, alive for the whole batch."""

    def __init__(self, project: Project, *, strict: bool, fhir: bool) -> None:
        self.builder = PacketBuilder(project, strict=strict)
        self.fhir = fhir

    def render(self, variant: Variant) -> VariantResult:
        """One handout variant; a failure is returned, not raised, so the other visits go on."""
        with collect_warnings() as warnings:
            try:
                rendered = self.builder.render_variant(variant)
            except HandoutError as exc:
                return VariantResult(variant, None, "; ".join(p.message for p in exc.problems), bool(warnings))
            except Exception as exc:  # a bug: the visits that need this handout fail, the others go on
                reason = internal_error(f"handout {variant.handout_id} ({variant.language})", exc)
                return VariantResult(variant, None, f"handout {variant.handout_id}: {reason}", bool(warnings))
        if self.builder.strict and warnings:
            return VariantResult(variant, None, f"WeasyPrint: {warnings[0]}", True)
        return VariantResult(variant, rendered, None, bool(warnings))

    def build(
        self, item: ScheduledVisit, out_dir: Path, duplex: bool, rendered: dict[Variant, RenderedVariant]
    ) -> RowResult:
        """Build and write one packet from variants rendered by any worker."""
        visit = item.visit
        started = time.perf_counter()
        try:
            packet = self.builder.build(visit, duplex=duplex, rendered=rendered)
            target = write_atomic(out_dir / default_file_name(visit), packet.data)
            record = (
                write_document_reference(
                    target, visit, self.builder.clinic(visit.clinic), packet.data, packet.title, packet.language
                )
                if self.fhir
                else None
            )
        except HandoutError as exc:
            return failed(item, out_dir, "; ".join(row_message(p, out_dir) for p in exc.problems))
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            return failed(item, out_dir, f"could not write the packet into {out_dir}: {reason}")
        except Exception as exc:  # a bug: keep the other visits going, show where it happened
            return failed(item, out_dir, internal_error(f"row {item.row}, visit {visit.visit_id}", exc))
        return RowResult(
            item.row,
            visit.visit_id,
            "ok",
            file=target.name,
            pages=packet.pages,
            sha256=hashlib.sha256(packet.data).hexdigest(),
            time=visit_time(visit),
            english_fallback=packet.fallbacks,
            warnings=len(packet.warnings),
            fhir_file=record.name if record else None,
            seconds=time.perf_counter() - started,
        )


def _end_with_parent() -> None:
    """Ask Linux to stop this process when its parent dies (a killed batch leaves no workers behind)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() == 1:  # the parent died before the request took effect
        os._exit(1)


# --- in a pool's worker process ---------------------------------------------------
#
# A process pool calls plain functions; each worker process keeps its Worker here.

_worker: Worker | None = None


def start(root: str, strict: bool, fhir: bool) -> None:
    """The pool's initializer: one Worker per process, which ends when the batch's process dies."""
    global _worker
    _end_with_parent()
    _worker = Worker(Project(Path(root)), strict=strict, fhir=fhir)


def render_in_process(variant: Variant) -> VariantResult:
    assert _worker is not None, "worker.start was not called"
    return _worker.render(variant)


def build_in_process(
    item: ScheduledVisit, out_dir: str, duplex: bool, rendered: dict[Variant, RenderedVariant]
) -> RowResult:
    assert _worker is not None, "worker.start was not called"
    return _worker.build(item, Path(out_dir), duplex, rendered)
