"""Offline checks of what a handout or packet claims: PDF/A-3u and PDF/UA-1.

veraPDF, the reference validator, is not available here. Each function below
checks one requirement we can decide ourselves and returns located findings
(``where`` names the page, object or metadata field). ``verify`` runs them
all; ``NOT_CHECKED`` says what remains for a full validator. The cheap checks
(``RUNTIME_CHECKS``) also run when a file is built: a file that fails one is
written without the claims.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pikepdf
from pikepdf import Array, Dictionary, Name

from clinic_handouts.pdf.actions import check_actions
from clinic_handouts.pdf.findings import CheckResult, Finding, Report
from clinic_handouts.pdf.structure import (
    Marked,
    child_elements,
    elements_in_order,
    kids,
    marked_content,
    parent_tree_entries,
)
from clinic_handouts.pdf.xmp import PDFA_CONFORMANCE, PDFA_PART, PDFUA_PART, parse_pdf_date, xmp_values

HEADING = re.compile(r"^/H([1-6])$")
_TAG_RULES = {"/H1", "/H2", "/H3", "/H4", "/H5", "/H6", "/L", "/LI", "/Figure"}

# --- helpers -------------------------------------------------------------------


def _resources(pdf: pikepdf.Pdf) -> Iterator[tuple[str, pikepdf.Object]]:
    """(where, resources dictionary) of every page and every Form XObject drawn on it, each once."""
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[str, pikepdf.Object]] = []
    for number, page in enumerate(pdf.pages, start=1):
        if "/Resources" in page.obj:
            stack.append((f"page {number}", page.obj.Resources))
    while stack:
        where, resources = stack.pop()
        if resources.is_indirect:
            if resources.objgen in seen:
                continue
            seen.add(resources.objgen)
        yield where, resources
        for name, xobject in resources.get("/XObject", Dictionary()).items():
            if xobject.get("/Subtype") == Name.Form and "/Resources" in xobject:
                stack.append((f"{where} form {name}", xobject.Resources))


# --- checks ----------------------------------------------------------------------


def check_syntax(pdf: pikepdf.Pdf) -> list[Finding]:
    """qpdf's own consistency check of the file's syntax and streams."""
    return [Finding("file", problem) for problem in pdf.check_pdf_syntax()]


def check_claims(pdf: pikepdf.Pdf) -> list[Finding]:
    """XMP names PDF/A-3 (U or A) and PDF/UA-1, and agrees with the document information."""
    out: list[Finding] = []
    values = xmp_values(pdf)
    if not values:
        return [Finding("catalog /Metadata", "no readable XMP metadata")]
    if values.get("pdfaid:part") != PDFA_PART or values.get("pdfaid:conformance") not in (PDFA_CONFORMANCE, "A"):
        out.append(
            Finding(
                "XMP pdfaid",
                f"expected part {PDFA_PART} conformance U or A, found "
                f"{values.get('pdfaid:part')}/{values.get('pdfaid:conformance')}",
            )
        )
    if values.get("pdfuaid:part") != PDFUA_PART:
        out.append(Finding("XMP pdfuaid:part", f"expected {PDFUA_PART}, found {values.get('pdfuaid:part')}"))
    info = pdf.docinfo
    pairs = (
        ("/Title", "dc:title"),
        ("/Author", "dc:creator"),
        ("/Subject", "dc:description"),
        ("/Producer", "pdf:Producer"),
        ("/Creator", "xmp:CreatorTool"),
        ("/Keywords", "pdf:Keywords"),
    )
    for key, prop in pairs:
        if (key in info) != (prop in values) or (key in info and str(info[key]) != values[prop]):
            out.append(
                Finding(
                    f"docinfo {key} / XMP {prop}",
                    f"differ: {str(info[key]) if key in info else None!r} vs {values.get(prop)!r}",
                )
            )
    for key, prop in (("/CreationDate", "xmp:CreateDate"), ("/ModDate", "xmp:ModifyDate")):
        docinfo_date = parse_pdf_date(str(info[key])) if key in info else None
        xmp_date = values.get(prop)
        if docinfo_date is None or xmp_date is None:
            out.append(Finding(f"docinfo {key} / XMP {prop}", "missing"))
        elif docinfo_date.strftime("%Y-%m-%dT%H:%M:%SZ") != xmp_date:
            out.append(Finding(f"docinfo {key} / XMP {prop}", f"differ: {info[key]} vs {xmp_date}"))
    if pdf.pdf_version < "1.7":
        out.append(Finding("header", f"PDF version {pdf.pdf_version}; PDF/A-3 needs 1.7"))
    if "/ID" not in pdf.trailer:
        out.append(Finding("trailer", "no /ID"))
    intents = [i for i in pdf.Root.get("/OutputIntents", Array()) if i.get("/S") == Name.GTS_PDFA1]
    if len(intents) != 1 or "/DestOutputProfile" not in intents[0]:
        out.append(Finding("catalog /OutputIntents", "needs exactly one GTS_PDFA1 intent with an ICC profile"))
    if "/Encrypt" in pdf.trailer:
        out.append(Finding("trailer", "encrypted"))
    return out


def check_pdfa_rules(pdf: pikepdf.Pdf) -> list[Finding]:
    """pikepdf's allowlist validator for PDF/A-3b (the "u" level adds Unicode, checked with the fonts).

    The validator does not know the PDF/A extension schema that declares
    ``pdfuaid`` (which PDF/A requires for it), nor level U; those two findings
    are set aside here, everything else counts.
    """
    from pikepdf import pdfa

    report = pdfa.check(pdf, "3b")
    out = []
    for finding in report.findings:
        message = finding.message
        if finding.rule.endswith("6.6.4-3") and "expected 'B'" in message:
            continue
        if finding.rule.endswith("6.6.2.3.1-1") and re.search(r"pdfa(Extension|Schema|Property)|pdfuaid", message):
            continue
        out.append(Finding(f"{finding.where} [{finding.rule}]", f"{finding.kind}: {message}"))
    return out


def check_structure(
    pdf: pikepdf.Pdf, marked: dict[int, Marked] | None = None, elements: list[pikepdf.Dictionary] | None = None
) -> list[Finding]:
    """Every marked-content sequence with an MCID on every page is reachable from the StructTreeRoot.

    Page -> /StructParents -> parent tree array -> element at index MCID; that
    element must be reachable from the root through /K and list the MCID in
    its own /K, for that page. No element may refer to marked content on a page
    the file does not have (left behind when a page is removed). Content is
    either tagged or an artifact: nothing painted outside a marked-content
    sequence, no MCID inside an artifact. ``marked`` may give
    pages' ``marked_content`` results already known (the packet builder knows
    them for the handout pages it copies unchanged).
    """
    out: list[Finding] = []
    if pdf.Root.get("/MarkInfo", Dictionary()).get("/Marked") is not True:
        out.append(Finding("catalog /MarkInfo", "Marked is not true"))
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return [*out, Finding("catalog", "no StructTreeRoot")]
    if elements is None:
        elements = elements_in_order(root)
    linked = {element.objgen for element in elements}
    tree = parent_tree_entries(root)
    for number, page in enumerate(pdf.pages, start=1):
        where = f"page {number}"
        mcids, loose = marked[number - 1] if marked and number - 1 in marked else marked_content(page)
        out += [Finding(where, problem) for problem in loose]
        if not mcids:
            continue
        key = page.obj.get("/StructParents")
        entry = tree.get(int(key)) if key is not None else None
        if not isinstance(entry, Array):
            out.append(Finding(where, f"{len(mcids)} MCIDs but no parent tree entry (StructParents {key})"))
            continue
        for mcid in mcids:
            element = entry[mcid] if mcid < len(entry) else None
            if not isinstance(element, Dictionary):
                out.append(Finding(f"{where} MCID {mcid}", "not in the parent tree"))
            elif element.objgen not in linked:
                out.append(
                    Finding(
                        f"{where} MCID {mcid}",
                        f"its {element.get('/S')} element is not reachable from the StructTreeRoot",
                    )
                )
            elif not _lists_mcid(element, mcid, page.obj):
                out.append(
                    Finding(
                        f"{where} MCID {mcid}", f"its {element.get('/S')} element does not list it in /K for this page"
                    )
                )
    pages = {page.obj.objgen for page in pdf.pages}
    for element in elements:
        own_page = element.get("/Pg")
        for kid in kids(element):
            on = own_page if isinstance(kid, int) else kid.get("/Pg", own_page) if _is_mcr(kid) else None
            if (isinstance(kid, int) or _is_mcr(kid)) and (on is None or on.objgen not in pages):
                out.append(Finding(f"{element.get('/S')} element", "refers to marked content on no page of the file"))
                break
    return out


def _is_mcr(kid: object) -> bool:
    return isinstance(kid, Dictionary) and kid.get("/Type") == Name.MCR


def _lists_mcid(element: pikepdf.Object, mcid: int, page: pikepdf.Object) -> bool:
    """The element lists the MCID as content of ``page`` (its own /Pg, or the reference's)."""
    own_page = element.get("/Pg")
    for kid in kids(element):
        if isinstance(kid, int) and int(kid) == mcid and own_page is not None and own_page.objgen == page.objgen:
            return True
        if _is_mcr(kid) and int(kid.get("/MCID", -1)) == mcid:
            on = kid.get("/Pg", own_page)
            if on is not None and on.objgen == page.objgen:
                return True
    return False


def check_document(pdf: pikepdf.Pdf) -> list[Finding]:
    """/Lang, a /Title shown as the window title (DisplayDocTitle), dc:title in XMP."""
    out = []
    if not str(pdf.Root.get("/Lang", "")).strip():
        out.append(Finding("catalog /Lang", "missing or empty"))
    if not str(pdf.docinfo.get("/Title", "")).strip():
        out.append(Finding("docinfo /Title", "missing or empty"))
    if not xmp_values(pdf).get("dc:title", "").strip():
        out.append(Finding("XMP dc:title", "missing or empty"))
    if pdf.Root.get("/ViewerPreferences", Dictionary()).get("/DisplayDocTitle") is not True:
        out.append(Finding("catalog /ViewerPreferences", "DisplayDocTitle is not true"))
    return out


def check_fonts(pdf: pikepdf.Pdf) -> list[Finding]:
    """Every font is embedded (FontFile, FontFile2 or FontFile3) and maps to Unicode (ToUnicode)."""
    out = []
    seen: set[tuple[int, int]] = set()
    for where, resources in _resources(pdf):
        for name, font in resources.get("/Font", Dictionary()).items():
            if font.is_indirect:
                if font.objgen in seen:
                    continue
                seen.add(font.objgen)
            label = f"{where} font {name} ({font.get('/BaseFont', '?')})"
            if font.get("/Subtype") == Name.Type3:
                continue
            descendants = font.get("/DescendantFonts", Array([font]))
            for descendant in descendants:
                descriptor = descendant.get("/FontDescriptor")
                if descriptor is None or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    out.append(Finding(label, "not embedded"))
            if "/ToUnicode" not in font:
                out.append(Finding(label, "no ToUnicode map"))
    return out


def check_tags(pdf: pikepdf.Pdf, elements: list[pikepdf.Dictionary] | None = None) -> list[Finding]:
    """Headings are H1..H6 starting at H1 without skipped levels; lists are L > LI > Lbl/LBody; figures have /Alt."""
    out = []
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return [Finding("catalog", "no StructTreeRoot")]
    previous = 0
    headings = 0
    for element in elements if elements is not None else elements_in_order(root):
        kind = str(element.S)
        if kind not in _TAG_RULES:
            continue
        where = f"{kind} element (object {element.objgen[0]})"
        if match := HEADING.match(kind):
            level = int(match.group(1))
            headings += 1
            if level > previous + 1:
                out.append(Finding(where, f"heading level {level} follows level {previous}"))
            previous = level
        elif kind == "/L":
            bad = {str(k.get("/S")) for k in child_elements(element)} - {"/LI", "/L", "/Caption"}
            if bad:
                out.append(Finding(where, f"list holds {', '.join(sorted(bad))}; only LI, L, Caption"))
        elif kind == "/LI":
            bad = {str(k.get("/S")) for k in child_elements(element)} - {"/Lbl", "/LBody"}
            if bad:
                out.append(Finding(where, f"list item holds {', '.join(sorted(bad))}; only Lbl, LBody"))
        elif kind == "/Figure" and not str(element.get("/Alt", element.get("/ActualText", ""))).strip():
            out.append(Finding(where, "figure without alternative text (/Alt)"))
    if headings == 0:
        out.append(Finding("structure tree", "no headings (H1..H6)"))
    return out


CheckFunction = Callable[[pikepdf.Pdf], list[Finding]]
CHECKS: tuple[tuple[str, CheckFunction], ...] = (
    ("syntax", check_syntax),
    ("claims", check_claims),
    ("pdfa-rules", check_pdfa_rules),
    ("structure", check_structure),
    ("document", check_document),
    ("fonts", check_fonts),
    ("actions", check_actions),
    ("tags", check_tags),
)
#: Checked before a file is written with its claims (cheap enough to run on every file).
RUNTIME_CHECKS = ("structure", "document", "fonts", "actions", "tags")
#: Checked on each part of a packet (a handout once, the cover per visit) before assembly.
PART_CHECKS = ("structure", "fonts", "actions", "tags")


def first_line(function: CheckFunction) -> str:
    return (function.__doc__ or "").strip().splitlines()[0]


def run_checks(
    pdf: pikepdf.Pdf,
    names: tuple[str, ...] | None = None,
    file: str = "<memory>",
    marked: dict[int, Marked] | None = None,
) -> Report:
    """Run the named checks (all by default) on an open PDF."""
    root = pdf.Root.get("/StructTreeRoot")
    walk = root is not None and (names is None or {"structure", "tags"} & set(names))
    elements = elements_in_order(root) if walk and root is not None else None  # one walk for both tree checks
    results = []
    for name, function in CHECKS:
        if names is None or name in names:
            if function is check_structure:
                findings = check_structure(pdf, marked, elements)
            elif function is check_tags:
                findings = check_tags(pdf, elements)
            else:
                findings = function(pdf)
            results.append(CheckResult(name, first_line(function), findings))
    return Report(file, results)
