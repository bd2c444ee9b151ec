"""The library as the Library page and ``GET /api/handouts`` show it.

Grades, languages and review dates come from the same ``check`` the command
line runs, so the page and ``generate.py check`` never disagree. Handout
PDFs and their first-page thumbnails hold no patient detail; they are kept in
memory and made again when a handout file changes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field

from .core import HandoutReport, Project, report_handouts
from .images import page_png
from .pool import Renderers

MAX_KEPT = 256


@dataclass(frozen=True)
class Entry:
    """One handout with every language it is in."""

    id: str
    title: str
    languages: tuple[str, ...]
    titles: dict[str, str]
    reading_grade: float | None
    added_grade: float | None
    review_status: str
    reviewed_on: dt.date
    next_review_due: dt.date
    overdue: bool
    missing: tuple[str, ...] = ()
    outdated: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "languages": list(self.languages),
            "reading_grade": self.reading_grade,
            "added_parts_grade": self.added_grade,
            "review_status": self.review_status,
            "reviewed_on": self.reviewed_on.isoformat(),
            "next_review_due": self.next_review_due.isoformat(),
            "review_overdue": self.overdue,
            "missing_languages": list(self.missing),
        }


def _entries(reports: list[HandoutReport]) -> list[Entry]:
    sources = [r for r in reports if r.language == "en"]
    titles: dict[str, dict[str, str]] = {}
    for report in reports:
        titles.setdefault(report.id, {})[report.language] = report.title
    entries = []
    for report in sorted(sources, key=lambda r: r.title.lower()):
        translations = report.translations
        languages = ("en", *sorted(lang for lang in titles[report.id] if lang != "en"))
        entries.append(
            Entry(
                report.id,
                report.title,
                languages,
                titles[report.id],
                round(report.sections.grade, 1) if report.sections else None,
                round(report.added.grade, 1) if report.added else None,
                report.review.status,
                report.review.reviewed_on,
                report.review.next_review_due,
                report.review.overdue,
                translations.missing if translations else (),
                translations.outdated if translations else (),
            )
        )
    return entries


@dataclass
class Catalog:
    """The handouts of one clinic's station, checked when a file changes."""

    project: Project
    clinic: str
    renderers: Renderers
    _signature: tuple[tuple[str, float], ...] = ()
    _entries: list[Entry] = field(default_factory=list)
    _pdfs: dict[tuple[str, str, float], tuple[bytes, int]] = field(default_factory=dict)
    _thumbs: dict[tuple[str, str, float], bytes] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def _files(self) -> tuple[tuple[str, float], ...]:
        return tuple(sorted((p.name, p.stat().st_mtime) for p in self.project.handouts_dir.glob("*.yaml")))

    async def entries(self) -> list[Entry]:
        """Every handout, checked again only when a file in handouts/ changed."""
        async with self._lock:
            signature = await asyncio.to_thread(self._files)
            if signature != self._signature:
                reports = await asyncio.to_thread(report_handouts, self.project, self.clinic)
                self._entries, self._signature = _entries(reports), signature
            return self._entries

    async def entry(self, handout_id: str) -> Entry | None:
        return next((e for e in await self.entries() if e.id == handout_id), None)

    def _mtime(self, handout_id: str, language: str) -> float:
        name = f"{handout_id}.yaml" if language == "en" else f"{handout_id}.{language}.yaml"
        return (self.project.handouts_dir / name).stat().st_mtime

    async def pdf(self, handout_id: str, language: str) -> tuple[bytes, int]:
        """The handout as the ``handout`` command makes it (the caller checked the id and language exist)."""
        key = (handout_id, language, self._mtime(handout_id, language))
        if key not in self._pdfs:
            built = await self.renderers.handout(handout_id, language, self.clinic)
            if len(self._pdfs) >= MAX_KEPT:
                self._pdfs.clear()
            self._pdfs[key] = (built.data, built.pages)
        return self._pdfs[key]

    async def thumbnail(self, handout_id: str, language: str = "en") -> bytes:
        key = (handout_id, language, self._mtime(handout_id, language))
        if key not in self._thumbs:
            data, _ = await self.pdf(handout_id, language)
            if len(self._thumbs) >= MAX_KEPT:
                self._thumbs.clear()
            self._thumbs[key] = await page_png(data, 1, 240)
        return self._thumbs[key]
