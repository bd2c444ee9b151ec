"""Every use of WeasyPrint's private API, in one place, checked against the versions it was tested with.

WeasyPrint's public API lays out and writes documents; packets also need to
look inside a laid-out page (how tall is the patient's name?) and to cut one
laid-out sheet into many small pages. Both use the box tree behind
``Page._page_box``, which WeasyPrint may change in any release. So this module
refuses to load on a version outside ``TESTED``: upgrading WeasyPrint means
running the test suite, then widening the range here and in ``pyproject.toml``
(CONTRIBUTING.md says how). ``render/libraries.py`` only names the module that opens WeasyPrint's
C libraries, to open them without running a compiler; it imports nothing from WeasyPrint.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import weasyprint
from weasyprint.text.ffi import pango

from clinic_handouts.pdf.accessibility import PT_PER_PX

#: the WeasyPrint releases whose box tree this module was tested with: [first, last] major versions
TESTED = (70, 70)


class UntestedWeasyPrintError(ImportError):
    """Raised at import: the installed WeasyPrint is outside the tested range."""


def check_version(version: str = weasyprint.__version__) -> None:
    """Refuse a WeasyPrint whose major version was not tested (its private API may differ)."""
    major = int(version.split(".")[0])
    if not TESTED[0] <= major <= TESTED[1]:
        tested = f"{TESTED[0]}" if TESTED[0] == TESTED[1] else f"{TESTED[0]} to {TESTED[1]}"
        raise UntestedWeasyPrintError(
            f"WeasyPrint {version} is installed, but clinic-handouts was tested with WeasyPrint {tested}; "
            f"install a tested version (pip install 'weasyprint>={TESTED[0]},<{TESTED[1] + 1}') or follow "
            "'Upgrading WeasyPrint' in CONTRIBUTING.md"
        )


check_version()


def pango_version() -> int:
    """The Pango library WeasyPrint loaded (it changes line breaking, so it keys the variant cache)."""
    return int(pango.pango_version())


def boxes(page: weasyprint.Page) -> Iterator[object]:
    """Every box of a laid-out page, breadth first."""
    queue = [page._page_box]
    while queue:
        box = queue.pop(0)
        yield box
        queue.extend(getattr(box, "children", ()))


def has_class(box: object, name: str) -> bool:
    """Whether the box was made for an HTML element with class ``name``."""
    element = getattr(box, "element", None)
    return element is not None and name in (element.get("class") or "").split()


def height_of(page: weasyprint.Page, name: str) -> float:
    """Height in points of the first box of class ``name`` on a laid-out page."""
    for box in boxes(page):
        if has_class(box, name):
            return float(box.margin_height()) * PT_PER_PX  # type: ignore[attr-defined]
    raise RuntimeError(f"no box of class {name!r} on the page")


def text_of(page: weasyprint.Page) -> list[str]:
    """The text of every text box on a laid-out page, in box order (for tests and checks)."""
    return [box.text for box in page._page_box.descendants() if type(box).__name__ == "TextBox"]


def split_by_class(sheet: weasyprint.Page, name: str, count: int) -> list[weasyprint.Page]:
    """Cut a laid-out sheet into one page per box of class ``name``, each box moved to the top.

    Laying out one sheet costs a fraction of laying out one page per line;
    giving each line a page of its own keeps each page's text its own.
    """
    path = [sheet._page_box]
    while not any(has_class(child, name) for child in path[-1].children):
        path.append(next(c for c in path[-1].children if getattr(c, "children", None)))
    lines = [c for c in path[-1].children if has_class(c, name)]
    if len(lines) != count:
        raise RuntimeError(f"sheet holds {len(lines)} boxes of class {name!r}, expected {count}")
    pages = []
    for line in lines:
        line = line.deepcopy()
        line.translate(dy=lines[0].position_y - line.position_y)
        node = line
        for parent in reversed(path):
            node = parent.copy_with_children([node])
        page = copy.copy(sheet)
        page._page_box = node
        pages.append(page)
    return pages
