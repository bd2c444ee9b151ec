"""Assembling a packet with pikepdf: pages in order, stamps on every page, one structure tree, bookmarks."""

from __future__ import annotations

import datetime as dt

import pikepdf
import weasyprint
from pikepdf import Dictionary

from clinic_handouts.i18n import text_direction
from clinic_handouts.packets.forms import draw_artifact
from clinic_handouts.packets.merge import StructureMerger
from clinic_handouts.packets.page_lines import PageLines
from clinic_handouts.packets.parts import TaggedPart
from clinic_handouts.packets.types import PacketItem
from clinic_handouts.pdf.claims import Finished, claim_if_conformant, save
from clinic_handouts.pdf.findings import Finding
from clinic_handouts.pdf.xmp import creation_date, set_dates
from clinic_handouts.render.stamp import StampBox

PRODUCER = f"WeasyPrint {weasyprint.__version__}; pikepdf {pikepdf.__version__}"


def assemble(
    cover_part: TaggedPart,
    identity: pikepdf.Object,
    lines: PageLines,
    items: list[PacketItem],
    parts: list[TaggedPart],
    stamp: StampBox,
    identity_height: float,
    visit_date: dt.date,
) -> Finished:
    """Cover, handouts and blanks in order; stamps on every page; one structure tree; bookmarks.

    The packet claims PDF/A-3u and PDF/UA-1 only if its parts passed the part
    checks, the merge kept every page's marked content in the merged tree, and
    the document checks pass; its XMP is rebuilt from its own document
    information. (Re-checking every merged page here would cost more than the
    rest of the assembly; the tests run the full ``verify`` on packets.)
    """
    out = pikepdf.new()
    cover = cover_part.pdf
    structure = StructureMerger(out)
    width, height = (float(v) for v in cover.pages[0].MediaBox[2:4])
    #: each page's text direction: the stamp goes where its lines end (bottom-left when right-to-left)
    cover_direction = text_direction(str(cover.Root.get("/Lang", "en")))
    directions: list[str] = []
    findings: list[Finding] = list(cover_part.findings)

    def add_tagged(part: TaggedPart, language: str | None) -> None:
        first = len(out.pages)
        for page in part.pdf.pages:
            out.pages.append(page)
        structure.merge(part.pdf, out.pages[first:], language, part.mcids)
        directions.extend([text_direction(language) if language else cover_direction] * len(part.pdf.pages))

    add_tagged(cover_part, None)
    blank_note = out.copy_foreign(lines.blank_note)
    for item, part in zip(items, parts, strict=True):
        while len(out.pages) < item.first_page - 1:
            blank = out.add_blank_page(page_size=(width, height))
            del blank.obj.Contents  # an empty stream would be saved as an empty, invalid Flate stream
            draw_artifact(out, blank, blank_note, 0, 0)
            directions.append(cover_direction)
        add_tagged(part, item.handout.language)
        findings += part.findings

    top = stamp.bottom + stamp.height
    identity = out.copy_foreign(identity)
    for page, direction, line in zip(out.pages, directions, lines.lines, strict=True):
        x = stamp.right if direction == "rtl" else width - stamp.right - stamp.width
        draw_artifact(out, page, identity, x, top - identity_height)
        draw_artifact(out, page, out.copy_foreign(line), x, top - identity_height - stamp.line)

    structure.finish()
    _copy_document_settings(cover, out)
    out.docinfo["/Producer"] = pikepdf.String(PRODUCER)
    set_dates(out, creation_date(visit_date, source_date_epoch=False))
    with out.open_outline() as outline:
        for item in items:
            outline.root.append(pikepdf.OutlineItem(item.title, item.first_page - 1))
    findings += structure.problems
    claimed = claim_if_conformant(out, ("document",), tuple(findings))
    return Finished(save(out), claimed)


def _copy_document_settings(cover: pikepdf.Pdf, out: pikepdf.Pdf) -> None:
    """Title, author, language, viewer settings and the PDF/A output intent come from the cover."""
    for key in ("/Lang", "/ViewerPreferences", "/MarkInfo"):
        if key in cover.Root:
            value = cover.Root[key]
            out.Root[key] = Dictionary(dict(value.items())) if isinstance(value, Dictionary) else value
    if "/OutputIntents" in cover.Root:
        intents = cover.Root.OutputIntents
        out.Root.OutputIntents = out.copy_foreign(intents if intents.is_indirect else cover.make_indirect(intents))
    for key, value in cover.docinfo.items():
        out.docinfo[key] = value
