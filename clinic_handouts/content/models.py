"""Validated models of the files people edit: handouts and clinics.

The models only describe and check data; they know nothing about files or
rendering. Unknown keys are rejected everywhere (``extra="forbid"``) so a
typo in a YAML file is reported instead of silently ignored.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import AnyHttpUrl, Field, PrivateAttr, field_validator, model_validator

from clinic_handouts.content.fields import Colour, HandoutKind, PaperSize, ReviewStatus, Strict, Text
from clinic_handouts.content.parts import ADDED_LISTS, PATIENT_ORDER, Figure, PartKey, Risks, Worksheet
from clinic_handouts.i18n import N_

# --- handouts --------------------------------------------------------------

#: The outline every treatment page of the clinic follows: key and default heading.
STANDARD_SECTIONS: tuple[tuple[str, str], ...] = (
    ("conditions", N_("Conditions It Treats")),
    ("procedure", N_("Procedure Description")),
    ("how_it_helps", N_("How Does It Help")),
    ("benefits", N_("Procedure Benefits")),
    ("duration", N_("How Long Does It Take")),
    ("results", N_("What Are the Expected Results")),
    ("if_no_help", N_("If It Doesn\u2019t Help, What Is Next")),
    ("right_for_me", N_("Is This Treatment Right for Me")),
)
STANDARD_KEYS = tuple(key for key, _ in STANDARD_SECTIONS)
DEFAULT_HEADINGS = dict(STANDARD_SECTIONS)


class Block(Strict):
    """A paragraph, or a bullet with an optional bold label ("Label: text").

    In YAML a plain string is a paragraph; a mapping with ``text`` (and
    optionally ``label``) is a bullet.
    """

    paragraph: Text | None = None
    label: Text | None = None
    text: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _string_is_paragraph(cls, value: object) -> object:
        if isinstance(value, str):
            return {"paragraph": value}
        if not isinstance(value, dict):
            raise ValueError(
                "write a paragraph as text (in quotes if it looks like a number), or a bullet as 'label:' and 'text:'"
            )
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Block:
        if self.paragraph is not None and (self.text is not None or self.label is not None):
            raise ValueError(
                "a block is either a paragraph (a plain line of text) or a bullet (label: and text:), not both"
            )
        if self.paragraph is None and self.text is None:
            raise ValueError("a bullet needs 'text:' (and may have 'label:')")
        return self

    @property
    def is_bullet(self) -> bool:
        return self.paragraph is None

    @property
    def words(self) -> str:
        """The block as plain text, label included."""
        if self.paragraph is not None:
            return self.paragraph
        return f"{self.label}: {self.text}" if self.label else str(self.text)


class Section(Strict):
    """A standard section: its content, and optionally a heading that overrides the default.

    In YAML the short form is just the list of blocks.
    """

    heading: Text | None = None
    content: list[Block] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _list_is_content(cls, value: object) -> object:
        if isinstance(value, list):
            return {"content": value}
        return value

    def groups(self) -> list[tuple[str, list[Block]]]:
        """Consecutive bullets grouped into one list, paragraphs on their own."""
        out: list[tuple[str, list[Block]]] = []
        for block in self.content:
            kind = "ul" if block.is_bullet else "p"
            if kind == "ul" and out and out[-1][0] == "ul":
                out[-1][1].append(block)
            else:
                out.append((kind, [block]))
        return out


class ExtraSection(Section):
    """A section the clinic adds after the standard ones: it must name its heading."""

    heading: Text


class StandardSections(Strict):
    """The eight questions of the clinic's outline, in order; each is optional."""

    conditions: Section | None = None
    procedure: Section | None = None
    how_it_helps: Section | None = None
    benefits: Section | None = None
    duration: Section | None = None
    results: Section | None = None
    if_no_help: Section | None = None
    right_for_me: Section | None = None

    @model_validator(mode="after")
    def _at_least_one(self) -> StandardSections:
        if not any(getattr(self, key) for key in STANDARD_KEYS):
            raise ValueError("no standard section found; write at least one of: " + ", ".join(STANDARD_KEYS))
        return self

    def present(self) -> list[tuple[str, Section]]:
        """The sections this handout has, in the outline's order."""
        return [(key, s) for key in STANDARD_KEYS if (s := getattr(self, key)) is not None]


class Review(Strict):
    """Who checked the content and when it is due again."""

    reviewed_on: date
    reviewed_by: Text
    next_review_due: date
    #: ``sample``: text we wrote, awaiting the clinic's medical review.
    status: ReviewStatus = "approved"
    #: status of the parts added beside the clinic's text (key points, before, after, ...).
    added_parts: ReviewStatus = "sample"

    @model_validator(mode="after")
    def _due_after_review(self) -> Review:
        if self.next_review_due <= self.reviewed_on:
            raise ValueError(
                f"next_review_due ({self.next_review_due}) must come after reviewed_on ({self.reviewed_on})"
            )
        return self


class Source(Strict):
    """Where the content comes from, printed at the end of the handout."""

    title: Text
    url: AnyHttpUrl | None = None


class Term(Strict):
    """A medical word and its plain-language meaning."""

    term: Text
    definition: Text


class Translation(Strict):
    """For ``ID.LANG.yaml`` files: which review of the English source this translates."""

    source_reviewed_on: date
    translated_by: Text
    status: ReviewStatus = "sample"


class Handout(Strict):
    """One handout, as written in ``handouts/ID.yaml``: a treatment, or a worksheet a patient fills in."""

    kind: HandoutKind = "treatment"
    title: Text
    category: Text
    sections: StandardSections | None = None
    extra_sections: list[ExtraSection] = []
    key_points: list[Text] = Field(default=[], max_length=5)
    before: list[Text] = []
    day_of: list[Text] = []
    after: list[Text] = []
    risks: Risks | None = None
    figures: list[Figure] = []
    worksheet: Worksheet | None = None
    call_us_if: list[Text] = []
    emergency_if: list[Text] = []
    terms: list[Term] = []
    review: Review
    translation: Translation | None = None
    sources: list[Source] = []
    web_address: AnyHttpUrl | None = None

    _id: str = PrivateAttr(default="")
    _language: str = PrivateAttr(default="en")

    @model_validator(mode="after")
    def _parts_of_its_kind(self) -> Handout:
        if self.kind == "treatment" and self.sections is None:
            raise ValueError("a treatment handout needs 'sections:' (the clinic's text)")
        if self.kind == "worksheet" and self.worksheet is None:
            raise ValueError("a worksheet needs 'worksheet:' (instructions, and a log or exercises)")
        if self.kind == "treatment" and self.worksheet is not None:
            raise ValueError("'worksheet:' belongs to worksheets: add 'kind: worksheet', or remove it")
        return self

    def present_sections(self) -> list[tuple[str, Section]]:
        """The clinic's standard sections this handout has (none for a worksheet)."""
        return self.sections.present() if self.sections is not None else []

    def added_lines(self) -> list[str]:
        """Every line written beside the clinic's text, for reading-level and word checks."""
        lines = [line for part in ADDED_LISTS for line in getattr(self, part)]
        if self.risks is not None:
            lines += [*self.risks.common, *self.risks.serious]
        for figure in self.figures:
            lines += [figure.caption, *(label.text for label in figure.labels)]
        if self.worksheet is not None:
            lines += self.worksheet.instructions
            if self.worksheet.exercises is not None:
                lines += [f"{e.name}: {e.how} {e.amount}" for e in self.worksheet.exercises.items]
        return lines

    def named_figures(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Each drawing file the handout names, with the field path that names it."""
        named: list[tuple[tuple[str | int, ...], str]] = [
            (("figures", i, "file"), f.file) for i, f in enumerate(self.figures)
        ]
        items = self.worksheet.exercises.items if self.worksheet and self.worksheet.exercises else []
        return named + [
            (("worksheet", "exercises", "items", i, "figure"), e.figure) for i, e in enumerate(items) if e.figure
        ]

    @property
    def review_state(self) -> Literal["reviewed", "partly", "sample"]:
        """What the clinic has reviewed: all of it, its own text only (``partly``), or nothing yet."""
        if self.review.status == "sample":
            return "sample"
        added = self.added_lines() or self.terms
        return "partly" if added and self.review.added_parts == "sample" else "reviewed"

    @property
    def translation_sample(self) -> bool:
        return self.translation is not None and self.translation.status == "sample"

    @property
    def unreviewed(self) -> bool:
        """True when any printed part still awaits review (the clinic's, or a medical translator's)."""
        return self.review_state != "reviewed" or self.translation_sample

    def printed_parts(self, order: tuple[str, ...] = PATIENT_ORDER) -> list[str]:
        """The parts this handout has, in ``order``."""
        sections = dict(self.present_sections())
        return [key for key in order if key in sections or (key not in STANDARD_KEYS and getattr(self, key))]

    @field_validator("key_points")
    @classmethod
    def _three_to_five(cls, value: list[str]) -> list[str]:
        if value and len(value) < 3:
            raise ValueError("write three to five key points, or leave key_points out")
        return value

    @property
    def id(self) -> str:
        """The file name without ``.yaml`` (and without the language)."""
        return self._id

    @property
    def language(self) -> str:
        return self._language

    def bind(self, handout_id: str, language: str) -> Handout:
        """Attach the id and language that come from the file name."""
        self._id = handout_id
        self._language = language
        return self


# --- clinics ---------------------------------------------------------------


def _luminance(colour: str) -> float:
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_on_white(colour: str) -> float:
    """WCAG contrast ratio of a colour against white paper."""
    return 1.05 / (_luminance(colour) + 0.05)


class Colours(Strict):
    """Brand colours: primary for headings and rules, accent for boxes and highlights."""

    primary: Colour
    accent: Colour

    @field_validator("primary")
    @classmethod
    def _readable_on_white(cls, value: str) -> str:
        ratio = contrast_on_white(value)
        if ratio < 4.5:
            raise ValueError(
                f"{value} is too light to read on white paper (contrast {ratio:.1f}:1, "
                "needs 4.5:1); choose a darker colour"
            )
        return value


class ClinicWording(Strict):
    """The clinic's own sentences in another language, so a translated page is in one language."""

    hours: Text | None = None
    footer_text: Text | None = None
    logo_alt: Text | None = None


class Clinic(Strict):
    """A clinic's name, contacts and branding, from ``clinics/ID/clinic.yaml``."""

    name: Text
    address: list[Text] = Field(min_length=1)
    phone: Text
    after_hours_phone: Text
    hours: Text
    website: AnyHttpUrl
    colours: Colours
    logo: Text
    logo_alt: Text
    footer_text: Text
    paper: PaperSize = "letter"
    language: str = "en"
    reading_grade_target: float = Field(default=8.0, gt=0, le=16)
    #: the order handouts print their parts in; parts not named follow in the patient's order
    order: list[PartKey] = []
    #: print handouts still awaiting medical review in patient packets (``check`` and ``packet`` say which)
    print_unreviewed: bool = False
    #: language code -> hours, footer text and logo description in that language
    translations: dict[str, ClinicWording] = {}

    _id: str = PrivateAttr(default="")
    _folder: str = PrivateAttr(default="")

    @field_validator("order")
    @classmethod
    def _each_part_once(cls, value: list[str]) -> list[str]:
        twice = sorted({key for key in value if value.count(key) > 1})
        if twice:
            raise ValueError("name each part once; named more than once: " + ", ".join(twice))
        return value

    def part_order(self) -> tuple[str, ...]:
        """The clinic's order, then the remaining parts in the patient's order."""
        return (*self.order, *(key for key in PATIENT_ORDER if key not in self.order))

    def in_language(self, language: str) -> Clinic:
        """The clinic with its own sentences in ``language`` where it has them."""
        words = self.translations.get(language)
        if words is None:
            return self
        return self.model_copy(update=words.model_dump(exclude_none=True))

    @field_validator("logo")
    @classmethod
    def _logo_is_a_local_file(cls, value: str) -> str:
        if (
            re.match(r"^[a-z][a-z0-9+.-]*:", value, re.I)
            or value.startswith("/")
            or ".." in value
            or any(ord(c) < 32 for c in value)
        ):
            raise ValueError("write the logo's file name inside the clinic folder, e.g. logo.svg")
        return value

    @property
    def id(self) -> str:
        return self._id

    @property
    def folder(self) -> str:
        return self._folder

    def bind(self, clinic_id: str, folder: str) -> Clinic:
        self._id = clinic_id
        self._folder = folder
        return self
