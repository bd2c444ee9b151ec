"""Reading a tagged PDF: its structure elements, its parent tree, and each page's marked content."""

from __future__ import annotations

from collections.abc import Iterator

import pikepdf
from pikepdf import Array, Dictionary

PAINTING = {"Tj", "TJ", "'", '"', "Do", "f", "F", "f*", "B", "B*", "b", "b*", "S", "s", "sh", "BI"}
#: a page's MCIDs, and what is wrong with its marked content
Marked = tuple[list[int], list[str]]


def kids(element: pikepdf.Object) -> list[pikepdf.Object]:
    """An element's /K as a list (it may be a single object)."""
    value = element.get("/K")
    if value is None:
        return []
    return list(value) if isinstance(value, Array) else [value]


def child_elements(element: pikepdf.Object) -> Iterator[pikepdf.Dictionary]:
    """The structure elements among an element's kids (not MCIDs, MCRs or OBJRs)."""
    for kid in kids(element):
        if isinstance(kid, Dictionary) and "/S" in kid:  # marked-content and object references have no /S
            yield kid


def reachable(root: pikepdf.Object) -> set[tuple[int, int]]:
    """Object ids of every structure element reachable from ``root`` through /K."""
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        element = stack.pop()
        for kid in child_elements(element):
            if kid.is_indirect:
                if kid.objgen in seen:
                    continue
                seen.add(kid.objgen)
            stack.append(kid)
    return seen


def parent_tree_entries(root: pikepdf.Object) -> dict[int, pikepdf.Object]:
    """The parent tree as {StructParents key: value}, flat or with /Kids."""
    out: dict[int, pikepdf.Object] = {}
    stack = [root.get("/ParentTree", Dictionary())]
    while stack:
        node = stack.pop()
        nums = node.get("/Nums", Array())
        for index in range(0, len(nums) - 1, 2):
            out[int(nums[index])] = nums[index + 1]
        stack.extend(node.get("/Kids", Array()))
    return out


def elements_in_order(root: pikepdf.Object) -> list[pikepdf.Dictionary]:
    """Every structure element reachable from ``root`` through /K, in document order, each once."""
    out = []
    seen: set[tuple[int, int]] = set()
    stack = list(reversed(list(child_elements(root))))
    while stack:
        element = stack.pop()
        if element.is_indirect:
            if element.objgen in seen:
                continue
            seen.add(element.objgen)
        out.append(element)
        stack.extend(reversed(list(child_elements(element))))
    return out


def marked_content(page: pikepdf.Page) -> Marked:
    """MCIDs of a page's content, and problems: painting outside marked content, MCIDs inside artifacts."""
    mcids: list[int] = []
    problems: list[str] = []
    stack: list[tuple[str, int | None]] = []
    outside = 0
    for instruction in pikepdf.parse_content_stream(page):
        operands, operator = instruction.operands, instruction.operator
        op = str(operator)
        if op in ("BDC", "BMC"):
            tag = str(operands[0])
            mcid = None
            if op == "BDC" and isinstance(operands[1], Dictionary) and "/MCID" in operands[1]:
                mcid = int(operands[1].MCID)
                if any(t == "/Artifact" for t, _ in stack):
                    problems.append(f"MCID {mcid} inside an artifact")
                mcids.append(mcid)
            stack.append((tag, mcid))
        elif op == "EMC":
            if stack:
                stack.pop()
        elif op in PAINTING and not stack:
            outside += 1
    if outside:
        problems.append(
            f"{outside} painting operators outside any marked-content sequence (neither tagged nor artifact)"
        )
    if stack:
        problems.append("unbalanced BDC/EMC")
    return mcids, problems
