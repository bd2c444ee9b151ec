"""Rendering HTML: escaping, gettext, template overrides, branding."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import pdf_text

from clinic_handouts.build import build_handout
from clinic_handouts.content.library import Project
from clinic_handouts.content.loading import load_clinic, load_handout
from clinic_handouts.render.html import counter_content, css_string, handout_html


def test_markup_in_content_prints_as_typed(scratch_project: Project, tmp_path: Path):
    path = scratch_project.handouts_dir / "botox.yaml"
    text = path.read_text().replace("title: Botox", 'title: "Botox <b>& friends</b> {{ 7*7 }}"')
    path.write_text(text)
    out = tmp_path / "x.pdf"
    build_handout(scratch_project, "botox", output=out)
    joined = " ".join(pdf_text(out))
    assert "Botox <b>& friends</b> {{ 7*7 }}" in joined
    assert "49" not in joined


def test_css_strings_cannot_break_out_of_the_style_element():
    quoted = str(css_string('a"b</style><script>\\'))
    assert "</style>" not in quoted and '"b' not in quoted[1:-1]
    assert quoted.startswith('"') and quoted.endswith('"')


def test_page_counter_follows_the_translation_order():
    assert str(counter_content("Página {page} de {pages}")) == '"Página " counter(page) " de " counter(pages)'
    assert str(counter_content("{page}/{pages}")) == 'counter(page) "/" counter(pages)'


def test_clinic_can_override_one_template(scratch_project: Project, tmp_path: Path):
    folder = scratch_project.clinics_dir / "example"
    (folder / "templates").mkdir()
    (folder / "templates" / "_contact.html").write_text(
        '<section class="contact"><h2>{{ _("Questions? Call us") }}</h2>'
        "<p>Front desk: {{ clinic.phone }}. Ask for Maria.</p></section>"
    )
    out = tmp_path / "x.pdf"
    build_handout(scratch_project, "botox", output=out)
    text = " ".join(pdf_text(out))
    assert "Ask for Maria." in text
    assert "Procedure Benefits" in text  # the rest still comes from the project's templates


def test_branding_changes_the_look_without_touching_templates(scratch_project: Project):
    path = scratch_project.clinics_dir / "example" / "clinic.yaml"
    path.write_text(
        path.read_text()
        .replace('"#1F4E79"', '"#6B2C91"')
        .replace("Riverside Pain & Spine Center", "Hillside Pain Clinic")
    )
    clinic = load_clinic(path.parent)
    html = handout_html(scratch_project, load_handout(scratch_project.handout_path("botox")), clinic)
    assert "--primary: #6B2C91" in html
    assert "Hillside Pain Clinic" in html


def test_unknown_template_variable_is_an_error(scratch_project: Project):
    from clinic_handouts.errors import HandoutError

    template = scratch_project.templates_dir / "handout.html"
    template.write_text(template.read_text().replace("{{ handout.category }}</p>", "{{ handout.colour }}</p>"))
    with pytest.raises(HandoutError, match="unknown value"):
        handout_html(
            scratch_project,
            load_handout(scratch_project.handout_path("botox")),
            load_clinic(scratch_project.clinic_folder("example")),
        )
