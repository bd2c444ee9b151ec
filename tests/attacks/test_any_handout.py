"""Any handout the schema accepts renders without an exception, and every word of it reaches the PDF;
and the PDF details an attacker found wrong: figure boxes, padding pages, outside checkers.
"""

from __future__ import annotations

import io
import re
import string
from pathlib import Path

import pikepdf
import pytest
import yaml
from conftest import ROOT, assert_conformant, normalise, pdf_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from validators import assert_independently_valid

from clinic_handouts.build import build_handout
from clinic_handouts.content.library import Project
from clinic_handouts.content.models import STANDARD_KEYS
from clinic_handouts.content.visits import Visit
from clinic_handouts.packets.builder import PacketBuilder
from clinic_handouts.pdf.structure import elements_in_order

pytestmark = pytest.mark.attack

LETTERS = string.ascii_letters + "áéíóúñüçøåßăđơư"
WORD = st.text(alphabet=LETTERS, min_size=2, max_size=12)
#: text with what templates and YAML treat specially: markup, braces, quotes, ampersands, colons
TRICKY = st.sampled_from(["<b>", "{{ 7*7 }}", "{% raw %}", "&amp;", '"quoted"', "it's", "a: b", "#1", "100%"])
SENTENCE = st.lists(st.one_of(WORD, WORD, WORD, TRICKY), min_size=1, max_size=14).map(" ".join)
BLOCK = st.one_of(
    SENTENCE, st.fixed_dictionaries({"text": SENTENCE}), st.fixed_dictionaries({"label": WORD, "text": SENTENCE})
)


@st.composite
def handouts(draw: st.DrawFn) -> dict:
    keys = draw(st.lists(st.sampled_from(STANDARD_KEYS), min_size=1, max_size=4, unique=True))
    data = {
        "title": draw(SENTENCE),
        "category": draw(WORD),
        "sections": {key: draw(st.lists(BLOCK, min_size=1, max_size=3)) for key in keys},
        "review": {"reviewed_on": "2026-11-01", "reviewed_by": "Test clinic", "next_review_due": "2027-11-01"},
    }
    if draw(st.booleans()):
        data["before"] = draw(st.lists(SENTENCE, min_size=1, max_size=3))
    if draw(st.booleans()):
        data["terms"] = [{"term": draw(WORD), "definition": draw(SENTENCE)}]
    return data


def _words(data: object) -> set[str]:
    if isinstance(data, dict):
        return {w for key, value in data.items() if key != "review" for w in _words(value)}
    if isinstance(data, list):
        return {w for value in data for w in _words(value)}
    return {w for w in re.findall(r"[^\W\d_]{2,}", str(data))}


@settings(max_examples=6, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=handouts())
def test_any_valid_handout_renders_and_every_word_reaches_the_pdf(data: dict, scratch_project: Project, tmp_path):
    (scratch_project.handouts_dir / "random.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    out = tmp_path / "random.pdf"
    build_handout(scratch_project, "random", output=out)
    text = normalise(" ".join(pdf_text(out))).replace("- ", "").replace("-", "")
    missing = {w for w in _words(data) if w.replace("-", "") not in text}
    assert not missing, missing
    assert_conformant(out)


def test_figure_boxes_are_in_points_on_the_page(tmp_path: Path):
    out = tmp_path / "botox.pdf"
    build_handout(Project(ROOT), "botox", output=out)
    with pikepdf.open(out) as pdf:
        figures = [e for e in elements_in_order(pdf.Root.StructTreeRoot) if e.get("/S") == "/Figure"]
        assert figures
        for figure in figures:
            page = figure.Pg if "/Pg" in figure else next(k.Pg for k in figure.K if "/Pg" in k)
            width, height = float(page.MediaBox[2]), float(page.MediaBox[3])
            left, bottom, right, top = (float(v) for v in figure.A.BBox)
            assert 0 <= left < right <= width and 0 <= bottom < top <= height, (
                str(figure.get("/Alt")),
                left,
                bottom,
                right,
                top,
            )
        logo = next(f for f in figures if "logo" in str(f.get("/Alt")))
        assert float(logo.A.BBox[1]) > height / 2, "the logo is in the running header, at the top of the page"


def test_padding_pages_have_no_empty_compressed_stream_and_outside_checkers_pass():
    visit = Visit.model_validate(
        {
            "visit_id": "V-9",
            "date": "2026-11-27",
            "clinic": "example",
            "clinician": "Dr. Lee",
            "patient": {"name": "Zoë Quinn", "dob": "1950-01-02"},
            "handouts": ["botox", "physical-therapy"],
            "note": "Keep a diary of your headaches.",
        }
    )
    packet = PacketBuilder(Project(ROOT)).build(visit)
    with pikepdf.open(io.BytesIO(packet.data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream) and obj.get("/Filter") == pikepdf.Name.FlateDecode:
                assert len(obj.read_raw_bytes()) > 0, f"empty Flate stream {obj.objgen}"
    assert any("intentionally left blank" in page for page in pdf_text(packet.data))
    assert_independently_valid(packet.data)
