"""Checking every content file before it prints: validity, reading level, review, translations.

Files -> models -> a ``CheckReport``; nothing is printed here (see
``check_report``). Errors are files that would not build; warnings are
handouts that would build but need attention (hard to read, overdue, a
translation behind its source, a placeholder left, no "what to do next").
Every finding is a located ``Problem``, all of them at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from clinic_handouts import i18n
from clinic_handouts.checks import readability, words
from clinic_handouts.checks.readability import HardSentence, Reading
from clinic_handouts.content.kinds import MODELS
from clinic_handouts.content.library import Project
from clinic_handouts.content.loading import (
    Loc,
    YamlDocument,
    handout_name,
    load_clinic,
    read_yaml,
    split_handout_name,
    validate,
)
from clinic_handouts.content.models import Handout
from clinic_handouts.content.scaffold import PLACEHOLDER
from clinic_handouts.errors import HandoutError, Problem

Severity = Literal["error", "warning"]
Warn = Callable[[Loc, str], None]
DEFAULT_GRADE_TARGET = 8.0
#: Parts that tell a patient what to do; a handout without one gets a warning.
ACTION_PARTS: dict[str, str] = {
    "before": "say how to prepare",
    "after": "say what to do afterwards",
    "call_us_if": "say when to call the clinic",
    "emergency_if": "say when to call 911 or go to the emergency room",
}
#: The parts written beside the clinic's own text, graded separately.
ADDED_PARTS = ("key_points", "before", "day_of", "after", "risks", "call_us_if", "emergency_if", "terms", "worksheet")


@dataclass(frozen=True)
class Finding:
    severity: Severity
    problem: Problem


@dataclass(frozen=True)
class CheckedFile:
    """A file looked at: its kind (handout, translation, clinic, visit, unknown) and whether it passed."""

    path: Path
    kind: str
    valid: bool


@dataclass(frozen=True)
class ReviewState:
    status: str
    reviewed_on: date
    next_review_due: date
    overdue: bool


@dataclass(frozen=True)
class Translations:
    """Of a source handout: languages present, missing, and behind its review.

    A language is missing when the project prints in it (the templates have a
    catalog for it) or another handout has a translation into it.
    """

    present: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    outdated: tuple[str, ...] = ()


@dataclass(frozen=True)
class HandoutReport:
    path: Path
    id: str
    language: str
    title: str
    review: ReviewState
    sections: Reading | None  #: the clinic's own text (standard and extra sections)
    added: Reading | None  #: key points, before, after, call us if, emergency if, terms
    hardest: tuple[HardSentence, ...]
    translations: Translations | None  #: None for a translation file itself


@dataclass
class CheckReport:
    today: date
    clinic: str
    grade_target: float
    #: the clinic's ``print_unreviewed``: when False, unreviewed handouts are named as kept out of packets
    print_unreviewed: bool = True
    files: list[CheckedFile] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    handouts: list[HandoutReport] = field(default_factory=list)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def failed(self, strict: bool = False) -> bool:
        """Errors always fail; warnings only in strict mode."""
        return self.count("error") > 0 or (strict and self.count("warning") > 0)


# --- finding files -----------------------------------------------------------


def default_paths(project: Project) -> list[Path]:
    """The content folders that exist (examples/ may not)."""
    return [p for p in (project.handouts_dir, project.clinics_dir, project.root / "examples") if p.is_dir()]


def yaml_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every YAML file named or inside a named folder, each once, in order."""
    seen: set[Path] = set()
    for path in paths:
        found = sorted(p for p in path.rglob("*") if p.suffix in {".yaml", ".yml"}) if path.is_dir() else [path]
        for item in found:
            if item.resolve() not in seen:
                seen.add(item.resolve())
                yield item


def kind_of(path: Path, data: Any) -> str:
    """What a file is, from its name and top-level keys."""
    if path.name == "clinic.yaml":
        return "clinic"
    if isinstance(data, dict) and "visit_id" in data:
        return "visit"
    if path.parent.name == "handouts" or (isinstance(data, dict) and ("sections" in data or "worksheet" in data)):
        return "handout" if split_handout_name(path)[1] == "en" else "translation"
    return "unknown"


# --- the check -----------------------------------------------------------------


def check(
    project: Project,
    paths: Iterable[Path] | None = None,
    *,
    clinic_ref: str = "example",
    today: date | None = None,
    models: Mapping[str, type[BaseModel]] = MODELS,
) -> CheckReport:
    """Check every file under ``paths`` (default: handouts/, clinics/, examples/)."""
    report = CheckReport(today or date.today(), clinic_ref, DEFAULT_GRADE_TARGET)
    try:
        clinic = load_clinic(project.clinic_folder(clinic_ref))
        report.grade_target, report.print_unreviewed = clinic.reading_grade_target, clinic.print_unreviewed
    except HandoutError as exc:
        report.findings += [Finding("error", p) for p in exc.problems]
    for path in yaml_files(default_paths(project) if paths is None else paths):
        kind, valid = _check_file(path, report, models)
        report.files.append(CheckedFile(path, kind, valid))
    report.findings = list(dict.fromkeys(report.findings))  # the clinic may fail twice: as target and as file
    return report


def _check_file(path: Path, report: CheckReport, models: Mapping[str, type[BaseModel]]) -> tuple[str, bool]:
    try:
        document = read_yaml(path)
    except HandoutError as exc:
        report.findings += [Finding("error", p) for p in exc.problems]
        return kind_of(path, None), False
    kind = kind_of(path, document.data)
    try:
        if kind == "clinic":
            load_clinic(path.parent)
        elif kind in {"handout", "translation"}:
            name = handout_name(path)
            handout = validate(Handout, document).bind(*name)
            report.handouts.append(_handout_report(handout, document, report))
        elif kind in models:
            validate(models[kind], document)
        else:
            what = "not a handout, clinic or visit file" if kind == "unknown" else "no model for this kind of file"
            report.findings.append(Finding("warning", Problem(f"not checkable: {what}", file=path, line=1, column=1)))
            return kind, False
    except HandoutError as exc:
        report.findings += [Finding("error", p) for p in exc.problems]
        return kind, False
    return kind, True


def _handout_report(handout: Handout, document: YamlDocument, report: CheckReport) -> HandoutReport:
    path, language = document.path, handout.language
    clinic_text = [b.words for _, s in handout.present_sections() for b in s.content]
    clinic_text += [b.words for extra in handout.extra_sections for b in extra.content]
    added_text = [*handout.added_lines(), *(f"{t.term}: {t.definition}" for t in handout.terms)]
    clinic_text, added_text = _written(clinic_text), _written(added_text)  # placeholders are not prose
    sections = readability.assess(clinic_text, language)
    added = readability.assess(added_text, language)
    review = handout.review
    overdue = report.today > review.next_review_due
    state = ReviewState(review.status, review.reviewed_on, review.next_review_due, overdue)

    warn = _warner(document, report)
    for name, reading, loc in (
        ("the clinic's text", sections, ("sections",)),
        ("the added parts", added, _first_present(document, ADDED_PARTS)),
    ):
        if reading is not None and reading.grade > report.grade_target:
            warn(
                loc,
                f"{name} reads at {_level(reading)}; the clinic's target is grade "
                f"{report.grade_target:g}: use shorter sentences and words",
            )
    if state.overdue:
        warn(
            ("review", "next_review_due"),
            f"review overdue since {review.next_review_due}; review the content and update review:",
        )
    for part, advice in ACTION_PARTS.items():
        if not getattr(handout, part) and not (handout.kind == "worksheet" and part in {"before", "after"}):
            warn((part,), f"missing; {advice} (patients need to know what to do next)")
    for loc in _placeholders(document.data, ()):
        warn(loc, "placeholder text left; write the real text or remove it")
    for finding in words.findings(document.data, [t.term for t in handout.terms], language):
        warn(finding.loc, finding.message)
    if handout.unreviewed and not report.print_unreviewed:
        warn(
            ("review", "status"),
            f"not yet reviewed: clinic '{report.clinic}' keeps it out of patient packets "
            "(print_unreviewed is false in its clinic.yaml)",
        )
    _check_figures(handout, document, report)

    translations = None
    if language == "en":
        translations = _translations_of(handout, path)
        elsewhere = _translated_languages(path)
        for lang in translations.missing:
            why = "other handouts have one" if lang in elsewhere else "the templates print in it"
            warn((), f"no '{lang}' translation ({why}): add {handout.id}.{lang}.yaml")
    else:
        _check_against_source(handout, document, warn)
        if not i18n.has_catalog(language):
            report.findings.append(
                Finding(
                    "error",
                    Problem(
                        f"no catalog for '{language}': the headings and labels the templates print would be in "
                        f"English inside a '{language}' handout; add clinic_handouts/locale/{language}/LC_MESSAGES/"
                        "messages.po (see README, 'Translations')",
                        document.path,
                        1,
                        1,
                    ),
                )
            )
    return HandoutReport(
        path,
        handout.id,
        language,
        handout.title,
        state,
        sections,
        added,
        tuple(readability.hardest(clinic_text + added_text, language)),
        translations,
    )


def _check_figures(handout: Handout, document: YamlDocument, report: CheckReport) -> None:
    """Every drawing a handout names must be a file in handouts/figures (else it cannot build)."""
    folder = document.path.parent / "figures"
    for loc, name in handout.named_figures():
        if not (folder / name).is_file():
            line, column = document.locate(loc)
            message = f"no figure '{name}' in {folder}: add the file, or correct the name"
            where = ".".join(map(str, loc))
            report.findings.append(Finding("error", Problem(message, document.path, line, column, where)))


def _written(texts: list[str]) -> list[str]:
    return [text for text in texts if PLACEHOLDER not in text]


def _level(reading: Reading) -> str:
    if reading.formula == readability.FLESCH_KINCAID:
        return f"{reading.formula} {reading.grade:g}"
    return f"grade {reading.grade:g} ({reading.formula} {reading.score:g})"


def _warner(document: YamlDocument, report: CheckReport) -> Warn:
    """A function that adds a warning located at a path of this document."""

    def warn(loc: Loc, message: str) -> None:
        line, column = document.locate(loc)
        field_path = ".".join(str(p) for p in loc) or None
        report.findings.append(Finding("warning", Problem(message, document.path, line, column, field_path)))

    return warn


def _first_present(document: YamlDocument, keys: Iterable[str]) -> Loc:
    return next(((key,) for key in keys if (key,) in document.positions), ())


def _placeholders(data: Any, loc: Loc) -> Iterator[Loc]:
    """Paths of every string that still holds the new-handout placeholder."""
    if isinstance(data, str) and PLACEHOLDER in data:
        yield loc
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _placeholders(value, (*loc, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _placeholders(value, (*loc, index))


def _translation_source(path: Path) -> tuple[Path, list[Path]]:
    """The English source beside a handout file, and every translation file beside it."""
    handout_id, _ = split_handout_name(path)
    siblings = [p for p in sorted(path.parent.glob("*.*.yaml")) if _is_translation(p)]
    return path.parent / f"{handout_id}.yaml", siblings


def _is_translation(path: Path) -> bool:
    """A file named ID.LANG.yaml with a real language (a wrong one is reported when that file is checked)."""
    language = split_handout_name(path)[1]
    return language != "en" and i18n.is_known_language(language)


def _translated_languages(path: Path) -> set[str]:
    """Languages any handout beside this one is translated into."""
    _, siblings = _translation_source(path)
    return {split_handout_name(p)[1] for p in siblings}


def _translations_of(handout: Handout, path: Path) -> Translations:
    _, siblings = _translation_source(path)
    languages = _translated_languages(path) | set(i18n.available_languages()) - {"en"}
    present: dict[str, Path] = {split_handout_name(p)[1]: p for p in siblings if split_handout_name(p)[0] == handout.id}
    outdated = []
    for language, file in present.items():
        translated = _quiet_load(file)
        if (
            translated
            and translated.translation
            and (translated.translation.source_reviewed_on < handout.review.reviewed_on)
        ):
            outdated.append(language)
    return Translations(tuple(sorted(present)), tuple(sorted(languages - set(present))), tuple(sorted(outdated)))


def _check_against_source(handout: Handout, document: YamlDocument, warn: Warn) -> None:
    source_path, _ = _translation_source(document.path)
    if handout.translation is None:
        warn((), "a translation needs 'translation:' with source_reviewed_on and translated_by")
    if not source_path.is_file():
        warn((), f"translation of a handout that does not exist: {source_path.name}")
        return
    source = _quiet_load(source_path)
    if source is None or handout.translation is None:
        return
    if handout.translation.source_reviewed_on < source.review.reviewed_on:
        warn(
            ("translation", "source_reviewed_on"),
            f"outdated: translates the review of {handout.translation.source_reviewed_on}, but "
            f"{source_path.name} was reviewed again on {source.review.reviewed_on}; update the translation",
        )


def _quiet_load(path: Path) -> Handout | None:
    """A related file, for comparison only: its own problems are reported when it is checked."""
    try:
        return validate(Handout, read_yaml(path))
    except HandoutError:
        return None
