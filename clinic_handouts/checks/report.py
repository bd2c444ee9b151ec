"""Showing a ``CheckReport``: a table for people, JSON for programs.

JSON (``check --json``) has these keys, stable from version 1 on; new keys
may be added, none renamed or removed:

- ``version`` (1), ``ok`` (bool: the exit status is 0), ``strict``, ``today``,
  ``clinic``, ``reading_grade_target``
- ``counts``: ``files``, ``errors``, ``warnings``
- ``files``: list of ``path``, ``kind`` (handout, translation, clinic, visit,
  unknown), ``valid``
- ``problems``: list of ``severity`` (error, warning), ``file``, ``line``,
  ``column``, ``field``, ``message``, ``text`` (the ``FILE:LINE:COL: ...`` line)
- ``handouts``: list of ``path``, ``id``, ``language``, ``title``,
  ``review`` (``status``, ``reviewed_on``, ``next_review_due``, ``overdue``),
  ``reading`` (``sections`` and ``added_parts``, each null or ``formula``,
  ``score``, ``grade``, ``words``, ``sentences``, ``words_per_sentence``),
  ``hardest_sentences`` (list of ``text``, ``grade``), ``translations`` (null
  for a translation file, else ``present``, ``missing``, ``outdated``: lists
  of language codes)

Paths are shown relative to the current folder when they are inside it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from clinic_handouts.checks.checker import CheckReport, Finding, HandoutReport
from clinic_handouts.checks.readability import Reading

JSON_VERSION = 1


def shown(path: Path | str | None) -> str | None:
    """A path relative to the current folder when inside it, else as it is."""
    if path is None:
        return None
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def finding_text(finding: Finding) -> str:
    """``FILE:LINE:COL: field: message``, the path shown relative."""
    return str(dataclasses.replace(finding.problem, file=shown(finding.problem.file)))


def finding_line(finding: Finding) -> str:
    """``warning: FILE:LINE:COL: field: message``."""
    return f"{finding.severity}: {finding_text(finding)}"


def _reading(reading: Reading | None) -> dict[str, Any] | None:
    if reading is None:
        return None
    return {
        "formula": reading.formula,
        "score": reading.score,
        "grade": reading.grade,
        "words": reading.words,
        "sentences": reading.sentences,
        "words_per_sentence": round(reading.words_per_sentence, 1),
    }


def _handout(item: HandoutReport) -> dict[str, Any]:
    t = item.translations
    return {
        "path": shown(item.path),
        "id": item.id,
        "language": item.language,
        "title": item.title,
        "review": {
            "status": item.review.status,
            "reviewed_on": item.review.reviewed_on.isoformat(),
            "next_review_due": item.review.next_review_due.isoformat(),
            "overdue": item.review.overdue,
        },
        "reading": {"sections": _reading(item.sections), "added_parts": _reading(item.added)},
        "hardest_sentences": [{"text": s.text, "grade": s.grade} for s in item.hardest],
        "translations": None
        if t is None
        else {
            "present": list(t.present),
            "missing": list(t.missing),
            "outdated": list(t.outdated),
        },
    }


def as_json(report: CheckReport, strict: bool = False) -> dict[str, Any]:
    """The report as JSON-ready data with the documented keys."""
    problems = []
    for finding in report.findings:
        p = finding.problem
        problems.append(
            {
                "severity": finding.severity,
                "file": shown(p.file),
                "line": p.line,
                "column": p.column,
                "field": p.field,
                "message": p.message,
                "text": finding_text(finding),
            }
        )
    return {
        "version": JSON_VERSION,
        "ok": not report.failed(strict),
        "strict": strict,
        "today": report.today.isoformat(),
        "clinic": report.clinic,
        "reading_grade_target": report.grade_target,
        "counts": {"files": len(report.files), "errors": report.count("error"), "warnings": report.count("warning")},
        "files": [{"path": shown(f.path), "kind": f.kind, "valid": f.valid} for f in report.files],
        "problems": problems,
        "handouts": [_handout(h) for h in report.handouts],
    }


def _grade(reading: Reading | None, target: float) -> str:
    if reading is None:
        return "—"
    text = f"{reading.grade:g}"
    return f"[bold red]{text}[/]" if reading.grade > target else f"[green]{text}[/]"


def _print_translations(report: CheckReport, console: Console) -> None:
    """Per source handout: the languages it is in, those it lacks, those behind its review."""
    sources = [item for item in report.handouts if item.translations is not None]
    if not sources:
        return
    table = Table(title="Translations")
    for column in ("handout", "present", "missing", "outdated"):
        table.add_column(column, no_wrap=column == "handout")
    for item in sources:
        t = item.translations
        assert t is not None
        table.add_row(
            item.id,
            ", ".join(t.present) or "—",
            f"[yellow]{', '.join(t.missing)}[/]" if t.missing else "—",
            f"[bold red]{', '.join(t.outdated)}[/]" if t.outdated else "—",
        )
    console.print(table)


def print_report(report: CheckReport, console: Console, strict: bool = False) -> None:
    """Problems one per line, then a table of the handouts, their hardest sentences, and a summary."""
    for finding in report.findings:
        style = "red" if finding.severity == "error" else "yellow"
        console.print(finding_line(finding), style=style, markup=False, highlight=False, soft_wrap=True)
    if report.handouts:
        table = Table(title=f"Handouts (reading grade target {report.grade_target:g}, clinic {report.clinic})")
        for column in ("handout", "status", "review\ndue", "grade\ntext", "grade\nadded", "words/\nsentence"):
            table.add_column(column, no_wrap=True)
        for item in report.handouts:
            due = item.review.next_review_due.isoformat()
            reading = item.sections or item.added
            name = item.id if item.language == "en" else f"{item.id} ({item.language})"
            table.add_row(
                name,
                item.review.status,
                f"[bold red]{due}\noverdue[/]" if item.review.overdue else due,
                _grade(item.sections, report.grade_target),
                _grade(item.added, report.grade_target),
                f"{reading.words_per_sentence:.1f}" if reading else "—",
            )
        console.print(table)
        _print_translations(report, console)
        formulas = sorted({r.formula for h in report.handouts for r in (h.sections, h.added) if r})
        console.print(f"Formulas: {', '.join(formulas) or 'none'}", highlight=False)
        for item in report.handouts:
            if item.hardest:
                console.print(f"Hardest sentences in {item.id} ({item.language}):", highlight=False)
                for sentence in item.hardest:
                    console.print(Padding(Text(f"grade {sentence.grade:g}: {sentence.text}"), (0, 0, 0, 2)))
    verdict = "FAILED" if report.failed(strict) else "ok"
    console.print(
        f"{verdict}: {len(report.files)} files, {report.count('error')} errors, "
        f"{report.count('warning')} warnings{' (strict: warnings fail)' if strict else ''}",
        highlight=False,
    )
