"""The ``verify`` command's report: every conformance check on one file, and what a full validator would add."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf

from clinic_handouts.pdf.conformance import check_syntax, first_line, run_checks
from clinic_handouts.pdf.findings import CheckResult, Finding, Report


def verify(source: Path | bytes, names: tuple[str, ...] | None = None) -> Report:
    """Open a PDF file (or bytes) and run the checks on it."""
    label = str(source) if isinstance(source, Path) else "<memory>"
    try:
        pdf = pikepdf.open(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (pikepdf.PdfError, OSError) as exc:
        return Report(label, [CheckResult("syntax", first_line(check_syntax), [Finding("file", str(exc))])])
    with pdf:
        return run_checks(pdf, names, label)


def print_verify_report(report: Report) -> None:
    """Plain text: each check with its result and findings, then what was not checked."""
    print(f"{report.file}: {'passed' if report.passed else 'FAILED'}")
    for check in report.checks:
        print(f"  [{'ok' if check.passed else 'FAIL'}] {check.name}: {check.description}")
        for finding in check.findings:
            print(f"      {finding}")
    print("  not checked here (needs a full validator such as veraPDF):")
    for item in report.not_checked:
        print(f"    - {item}")
