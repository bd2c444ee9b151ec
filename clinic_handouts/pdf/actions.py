"""No PDF we write may run code or reach out: the actions PDF/A forbids, wherever they hide."""

from __future__ import annotations

from collections.abc import Iterator

import pikepdf
from pikepdf import Array, Dictionary

from clinic_handouts.pdf.findings import Finding


def _action_chain(action: pikepdf.Object) -> Iterator[pikepdf.Object]:
    """An action and the actions it triggers next (/Next), each once."""
    seen: set[tuple[int, int]] = set()
    stack = [action]
    while stack:
        item = stack.pop()
        if not isinstance(item, Dictionary) or (item.is_indirect and item.objgen in seen):
            continue
        if item.is_indirect:
            seen.add(item.objgen)
        yield item
        following = item.get("/Next")
        if following is not None:
            stack.extend(following if isinstance(following, Array) else [following])


def _triggers(pdf: pikepdf.Pdf) -> Iterator[tuple[str, pikepdf.Object]]:
    """(where, action) for every place a viewer runs an action from: catalog, pages, annotations, outlines."""
    root = pdf.Root
    if "/OpenAction" in root and isinstance(root.OpenAction, Dictionary):
        yield "catalog /OpenAction", root.OpenAction
    for key, action in root.get("/AA", Dictionary()).items():
        yield f"catalog /AA {key}", action
    for number, page in enumerate(pdf.pages, start=1):
        for key, action in page.obj.get("/AA", Dictionary()).items():
            yield f"page {number} /AA {key}", action
        for index, annotation in enumerate(page.obj.get("/Annots", Array())):
            if "/A" in annotation:
                yield f"page {number} annotation {index}", annotation.A
            for key, action in annotation.get("/AA", Dictionary()).items():
                yield f"page {number} annotation {index} /AA {key}", action
    outlines = root.get("/Outlines")
    stack = [outlines.get("/First")] if outlines is not None else []
    while stack:
        item = stack.pop()
        if item is None:
            continue
        if "/A" in item:
            yield f"outline {item.get('/Title', '')}", item.A
        stack += [item.get("/Next"), item.get("/First")]


FORBIDDEN_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/GoToR",
    "/GoToE",
    "/ImportData",
    "/SubmitForm",
    "/ResetForm",
    "/Movie",
    "/Sound",
    "/Rendition",
    "/Hide",
    "/SetOCGState",
    "/Trans",
    "/GoTo3DView",
}


def check_actions(pdf: pikepdf.Pdf) -> list[Finding]:
    """No JavaScript, no launch or import actions, no links to other files, no file: URIs, no attached files."""
    out = []
    names = pdf.Root.get("/Names", Dictionary())
    for key in ("/JavaScript", "/EmbeddedFiles"):
        if key in names:
            out.append(Finding(f"catalog /Names {key}", "present"))
    for where, trigger in _triggers(pdf):
        for action in _action_chain(trigger):
            kind = str(action.get("/S", ""))
            if kind in FORBIDDEN_ACTIONS:
                out.append(Finding(where, f"{kind[1:]} action"))
            if "/JS" in action:
                out.append(Finding(where, "JavaScript"))
            if kind == "/URI" and str(action.get("/URI", "")).lower().startswith("file:"):
                out.append(Finding(where, f"link to a file: {action.URI}"))
    return out
