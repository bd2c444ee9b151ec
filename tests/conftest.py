"""Shared fixtures: the project, its example clinic, and WeasyPrint's log watched.

Any WeasyPrint warning logged during a test fails that test (as in
WeasyPrint's own suite): a missing image or glyph must never pass unnoticed.
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from clinic_handouts.content.library import Project
from clinic_handouts.content.loading import load_clinic
from clinic_handouts.content.models import DEFAULT_HEADINGS

HEADINGS = set(DEFAULT_HEADINGS.values())

ROOT = Path(__file__).resolve().parent.parent
#: A copy of ../shared/seeds/botox-treatment-page.txt, the clinic's page as published.
SEED = ROOT / "examples" / "pages" / "botox-treatment-page.txt"


class _WeasyPrintWatch(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def fail_on_weasyprint_warnings(request: pytest.FixtureRequest):
    """Fail the test if WeasyPrint logged a warning (unless it expects some)."""
    watch = _WeasyPrintWatch()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(watch)
    yield watch
    logger.removeHandler(watch)
    if watch.records and "weasyprint_warnings_expected" not in request.keywords:
        messages = "; ".join(r.getMessage() for r in watch.records)
        pytest.fail(f"WeasyPrint logged warnings: {messages}")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "weasyprint_warnings_expected: the test provokes WeasyPrint warnings on purpose"
    )


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(ROOT)


@pytest.fixture(scope="session")
def clinic(project: Project):
    return load_clinic(project.clinic_folder("example"))


@pytest.fixture
def scratch_project(tmp_path: Path) -> Project:
    """A copy of the project's content folders to break on purpose."""
    for name in ("handouts", "clinics", "templates", "styles"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return Project(tmp_path)


def normalise(text: str) -> str:
    """Whitespace folded, hyphenation and typographic quotes evened out, for text comparison."""
    text = text.replace("\u2019", "'").replace("\u00ad", "")
    return re.sub(r"\s+", " ", text).strip()


def pdf_text(path_or_bytes) -> list[str]:
    """The normalised text of each page of a PDF."""
    import io

    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    return [normalise(page.extract_text() or "") for page in PdfReader(source).pages]


def assert_conformant(path_or_bytes) -> None:
    """Every PDF a test produces goes through the full offline check (``generate.py verify``)."""
    from clinic_handouts.pdf.verify import verify

    source = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes)
    report = verify(source)
    assert report.passed, "\n".join(str(f) for f in report.findings)


def seed_sentences() -> list[str]:
    """Every sentence and bullet of the clinic's Botox page, minus the page residue."""
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line and line != "texture"]
    sentences: list[str] = []
    for line in lines:
        line = line.lstrip("•").strip()
        if line.endswith(":") and line[:-1] in HEADINGS:
            line = line[:-1]  # the web page puts a colon after each question
        sentences += [s for s in re.split(r"(?<=[.!?])\s+", line) if s]
    return [normalise(s) for s in sentences]
