"""Checkers nobody here wrote, run on every PDF the tests produce: page-validation and Ghostscript.

``verify`` is our own reading of PDF/A-3u and PDF/UA-1; these two are the
outside opinion. ``page-validation`` (a PDF/A and PDF/UA checker from PyPI)
checks both profiles; Ghostscript in its strict mode must read every page
without error.

One finding of page-validation is its own error, and is accepted only when
the file proves it so: ``PDFA3U-STREAM-LENGTH-001`` ("a stream /Length does
not match its raw content length") is reported for a stream whose compressed
data happens to end in a carriage return. qpdf writes such a stream as
``stream LF <Length bytes> LF endstream``, which is what ISO 19005-3 6.1.7.1
asks for; the checker reads the data's last CR and the LF as one CR LF
end-of-line and so counts one byte fewer. ``_stream_lengths_are_exact``
checks every stream's bytes in the file before the finding is set aside.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import page
import pikepdf

MISREAD_LENGTH = "PDFA3U-STREAM-LENGTH-001"


def _stream_lengths_are_exact(data: bytes) -> bool:
    """Every stream's /Length bytes are followed by LF (or CR LF) and endstream, and one ends in CR."""
    ends_in_cr = False
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Stream):
                continue
            raw = obj.read_raw_bytes()
            ends_in_cr |= raw.endswith(b"\r")
    for match in re.finditer(rb"/Length (\d+)(?: [^>]*)?>>\s*stream(\r\n|\n)", data):
        start = match.end()
        length = int(match.group(1))
        tail = data[start + length : start + length + 12]
        if not (tail.startswith(b"\nendstream") or tail.startswith(b"\r\nendstream")):
            return False
    return ends_in_cr


def page_validation_findings(data: bytes) -> list[str]:
    """page-validation's findings for PDF/A-3u and PDF/UA-1, less its documented misreading."""
    findings = []
    for profile in ("3u", "ua1"):
        report = page.validate_pdf_bytes(data, profile=profile)
        for failure in report.failures:
            if failure.rule_id == MISREAD_LENGTH and _stream_lengths_are_exact(data):
                continue
            findings.append(f"{profile}: {failure.rule_id}: {failure.message}")
    return findings


GHOSTSCRIPT_STRICT = ("-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-dPDFSTOPONERROR", "-sDEVICE=nullpage")


def _ghostscript(paths: list[Path]) -> str | None:
    """None when Ghostscript reads every page of every file with -dPDFSTOPONERROR; else what it said."""
    gs = shutil.which("gs")
    assert gs, "Ghostscript (gs) is not installed; scripts/setup.sh installs it"
    done = subprocess.run(
        [gs, *GHOSTSCRIPT_STRICT, *map(str, paths)], capture_output=True, text=True, timeout=120 * len(paths)
    )
    return None if done.returncode == 0 and not done.stdout.strip() else (done.stdout + done.stderr)[-2000:]


def ghostscript_errors(data: bytes) -> str | None:
    """None when Ghostscript reads every page with -dPDFSTOPONERROR; else what it said."""
    return ghostscript_errors_each([data])[0]


def ghostscript_errors_each(files: list[bytes]) -> list[str | None]:
    """``ghostscript_errors`` of each file, with one Ghostscript run for all of them when all are clean."""
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / f"{n}.pdf" for n in range(len(files))]
        for path, data in zip(paths, files, strict=True):
            path.write_bytes(data)
        return _ghostscript_each(paths)


def _ghostscript_each(paths: list[Path]) -> list[str | None]:
    """Ghostscript reads the files one after the other in one process; any error (it stops there) or any
    message makes every file be read again on its own, so that each file gets its own verdict."""
    if len(paths) > 1 and _ghostscript(paths) is None:
        return [None] * len(paths)
    return [_ghostscript([path]) for path in paths]


def assert_independently_valid(data: bytes) -> None:
    findings = page_validation_findings(data)
    assert not findings, "page-validation: " + "; ".join(findings[:10])
    errors = ghostscript_errors(data)
    assert errors is None, f"Ghostscript (strict): {errors}"


#: what every finished handout and packet declares in its XMP: PDF/A-3u (and PDF/UA-1)
CLAIM = b"<pdfaid:part>3</pdfaid:part>"


def check_produced(root: Path) -> tuple[int, list[str]]:
    """Every distinct PDF under ``root`` (the run's temporary folders) that claims PDF/A, by both checkers.

    Only files that claim conformance are judged: every handout and packet the product finishes does
    (``verify`` fails any that does not), while the files tests make broken on purpose (a truncated
    packet, a stand-in for an old one, WeasyPrint's raw output, the variant cache's parts) do not.
    """
    seen: dict[str, Path] = {}
    for path in sorted(root.rglob("*.pdf")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if not data.startswith(b"%PDF-") or CLAIM not in data:
            continue
        seen.setdefault(hashlib.sha256(data).hexdigest(), path)
    paths = list(seen.values())
    failures = []
    for start in range(0, len(paths), 40):  # one Ghostscript for 40 files; each on its own if it complains
        chunk = paths[start : start + 40]
        for path, verdict in zip(chunk, _ghostscript_each(chunk), strict=True):
            if verdict is not None:
                failures.append(f"{path}: Ghostscript: {verdict.strip()[:300]}")
    for path in paths:
        try:
            findings = page_validation_findings(path.read_bytes())
        except page.ParseError as error:
            findings = [f"unreadable: {error}"]
        if findings:
            failures.append(f"{path}: page-validation: {'; '.join(findings[:3])}")
    return len(paths), failures
