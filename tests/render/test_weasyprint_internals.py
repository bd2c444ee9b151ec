"""WeasyPrint's private API, used in one module: it refuses untested versions, and does what packets need."""

from __future__ import annotations

import pytest
import weasyprint
from conftest import pdf_text

from clinic_handouts.render import weasyprint_internals
from clinic_handouts.render.weasyprint_internals import (
    TESTED,
    UntestedWeasyPrintError,
    boxes,
    check_version,
    has_class,
    height_of,
    split_by_class,
    text_of,
)

#: a tiny sheet: three lines of known heights, 1 CSS px = 0.75 pt
SHEET = """<!doctype html><html lang="en"><head><style>
@page { size: 200px 300px; margin: 0 }
body { margin: 0; font-size: 10px; line-height: 20px }
p { margin: 0; height: 20px }
p.tall { height: 40px }
</style></head><body><div class="lines">
<p class="line">one</p><p class="line">two</p><p class="line tall">three</p>
</div><p class="after">four</p></body></html>"""


@pytest.fixture(scope="module")
def sheet() -> weasyprint.Document:
    return weasyprint.HTML(string=SHEET).render()


def test_an_untested_major_version_is_refused_naming_the_tested_range():
    with pytest.raises(UntestedWeasyPrintError) as caught:
        check_version("71.0")
    message = str(caught.value)
    tested = f"{TESTED[0]}" if TESTED[0] == TESTED[1] else f"{TESTED[0]} to {TESTED[1]}"
    assert message.startswith("WeasyPrint 71.0 is installed")
    assert f"tested with WeasyPrint {tested};" in message
    assert f"'weasyprint>={TESTED[0]},<{TESTED[1] + 1}'" in message and "CONTRIBUTING.md" in message
    with pytest.raises(UntestedWeasyPrintError):
        check_version(f"{TESTED[0] - 1}.2")
    assert issubclass(UntestedWeasyPrintError, ImportError)  # an import of the package fails, clearly


def test_the_installed_version_is_accepted():
    check_version()
    check_version(weasyprint.__version__)
    assert TESTED[0] <= int(weasyprint.__version__.split(".")[0]) <= TESTED[1]
    assert weasyprint_internals.pango_version() > 0


def test_boxes_and_text_of_a_laid_out_page(sheet):
    [page] = sheet.pages
    found = list(boxes(page))
    assert found[0] is not None and len(found) > 5
    assert [b for b in found if has_class(b, "line")] and not [b for b in found if has_class(b, "nowhere")]
    assert text_of(page) == ["one", "two", "three", "four"]


def test_height_of_the_first_box_of_a_class_in_points(sheet):
    [page] = sheet.pages
    assert height_of(page, "line") == pytest.approx(20 * 0.75)
    assert height_of(page, "tall") == pytest.approx(40 * 0.75)
    assert height_of(page, "lines") == pytest.approx(80 * 0.75)
    with pytest.raises(RuntimeError, match="no box of class 'nowhere'"):
        height_of(page, "nowhere")


def test_split_by_class_gives_one_page_per_box_each_at_the_top(sheet):
    [page] = sheet.pages
    pages = split_by_class(page, "line", 3)
    assert [text_of(p) for p in pages] == [["one"], ["two"], ["three"]]  # each page holds its own box only
    tops = [next(b for b in boxes(p) if has_class(b, "line")).position_y for p in pages]
    assert tops == [tops[0]] * 3  # every box moved up to where the first one was
    assert [height_of(p, "line") for p in pages] == pytest.approx([15, 15, 30])
    assert text_of(page) == ["one", "two", "three", "four"]  # the sheet itself is unchanged
    # the pages write as a document with WeasyPrint's public API
    assert pdf_text(sheet.copy(pages).write_pdf()) == ["one", "two", "three"]
    with pytest.raises(RuntimeError, match="sheet holds 3 boxes of class 'line', expected 2"):
        split_by_class(page, "line", 2)
