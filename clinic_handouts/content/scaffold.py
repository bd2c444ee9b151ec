"""A new handout file with the clinic's outline, ready to fill in.

The file is hand-shaped (comments say what goes where) rather than dumped
from data, and every placeholder starts with ``PLACEHOLDER`` so ``check``
can report any that are left.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from clinic_handouts.content.ids import check_id
from clinic_handouts.content.importing import SCHEMA_LINE, one_year_after
from clinic_handouts.content.library import Project
from clinic_handouts.content.models import DEFAULT_HEADINGS, STANDARD_KEYS
from clinic_handouts.errors import HandoutError, Problem
from clinic_handouts.files import write_atomic

PLACEHOLDER = "[Write here:"

_SECTION_HINTS = {
    "conditions": "which conditions this treatment is used for",
    "procedure": "what happens during the procedure",
    "how_it_helps": "how the treatment helps",
    "benefits": "the main benefit",
    "duration": "how long the procedure takes",
    "results": "what results to expect, and when",
    "if_no_help": "what comes next if it does not help",
    "right_for_me": "who this treatment suits, and who to ask",
}


def _placeholder(hint: str) -> str:
    return f'"{PLACEHOLDER} {hint}]"'


def outline(title: str, today: date) -> str:
    """The text of a new handout: every standard section, the optional parts, the review block."""
    lines = [
        SCHEMA_LINE,
        "# A new handout. Replace every [Write here: ...] text, or remove what you do not need.",
        "# `generate.py check` lists any placeholder left.",
        f"title: {json.dumps(title)}",
        "category: Treatments",
        "review:",
        f"  reviewed_on: {today.isoformat()}",
        f"  reviewed_by: {_placeholder('who reviewed this handout')}",
        f"  next_review_due: {one_year_after(today).isoformat()}",
        "  status: sample  # change to approved once the clinic has reviewed it",
        "sections:",
    ]
    for key in STANDARD_KEYS:
        lines.append(f"  {key}:  # {DEFAULT_HEADINGS[key]}")
        if key == "benefits":  # show the bullet form once
            lines += [
                f"    - label: {_placeholder('a short label')}",
                f"      text: {_placeholder(_SECTION_HINTS[key])}",
            ]
        else:
            lines.append(f"    - {_placeholder(_SECTION_HINTS[key])}")
    lines += [
        "# Sections of your own, printed after the standard ones:",
        "# extra_sections:",
        "#   - heading: Risks and Side Effects",
        "#     content:",
        "#       - ...",
        "key_points:  # three to five",
        *(f"  - {_placeholder(f'key point {n}')}" for n in (1, 2, 3)),
        "before:",
        f"  - {_placeholder('how to prepare')}",
        "after:",
        f"  - {_placeholder('what to do afterwards')}",
        "call_us_if:",
        f"  - {_placeholder('when to call the clinic')}",
        "emergency_if:",
        f"  - {_placeholder('when to call 911 or go to the emergency room')}",
        "terms:",
        f"  - term: {_placeholder('a medical word')}",
        f"    definition: {_placeholder('what it means, in plain words')}",
        "sources:",
        f"  - title: {_placeholder('where the content comes from')}",
        "# web_address: https://...",
    ]
    return "\n".join(lines) + "\n"


def new_handout(project: Project, handout_id: str, *, today: date | None = None) -> Path:
    """Write ``handouts/ID.yaml`` with the outline; refuses a bad id or an existing file."""
    check_id(handout_id, "handout")
    path = project.handouts_dir / f"{handout_id}.yaml"
    if path.exists():
        raise HandoutError(Problem("already exists; not overwritten (choose another id)", file=path))
    title = handout_id.replace("-", " ").replace("_", " ").title()
    try:
        return write_atomic(path, outline(title, today or date.today()).encode("utf-8"), replace=False)
    except FileExistsError:
        raise HandoutError(Problem("already exists; not overwritten (choose another id)", file=path)) from None
