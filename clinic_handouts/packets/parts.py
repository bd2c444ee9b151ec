"""The tagged PDFs a packet is assembled from (handout variants, the cover), checked once each."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pikepdf

from clinic_handouts.pdf.claims import save
from clinic_handouts.pdf.conformance import PART_CHECKS, run_checks
from clinic_handouts.pdf.findings import Finding
from clinic_handouts.pdf.structure import Marked, marked_content


@dataclass(frozen=True)
class TaggedPart:
    """A tagged, repaired and checked PDF that goes into packets: a handout variant, or a cover."""

    pdf: pikepdf.Pdf
    pages: int
    #: each page's MCIDs, read once: the packet copies pages unchanged, so the merge can be checked against them
    mcids: tuple[tuple[int, ...], ...] = ()
    #: what the part checks found in this handout (empty: it may be part of a packet that claims PDF/A and UA)
    findings: tuple[Finding, ...] = ()

    def portable(self) -> RenderedVariant:
        """The same part as plain data, to hand to another process."""
        return RenderedVariant(save(self.pdf), self.mcids, self.findings)


@dataclass(frozen=True)
class RenderedVariant:
    """A rendered, repaired and checked handout variant as plain data (it crosses between processes)."""

    data: bytes
    mcids: tuple[tuple[int, ...], ...]
    findings: tuple[Finding, ...]

    def open(self) -> TaggedPart:
        pdf = pikepdf.open(io.BytesIO(self.data))
        return TaggedPart(pdf, len(pdf.pages), self.mcids, self.findings)


def checked_part(pdf: pikepdf.Pdf) -> TaggedPart:
    """A tagged part of a packet with its MCIDs per page and what the part checks found in it."""
    mcids = tuple(tuple(marked_content(page)[0]) for page in pdf.pages)
    marked: dict[int, Marked] = {index: (list(ids), []) for index, ids in enumerate(mcids)}
    findings = tuple(run_checks(pdf, PART_CHECKS, marked=marked).findings)
    return TaggedPart(pdf, len(pdf.pages), mcids, findings)
