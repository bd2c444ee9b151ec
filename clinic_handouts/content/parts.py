"""The parts added beside a clinic's text that are more than lines: figures, risks, worksheets."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, Field, model_validator

from clinic_handouts.content.fields import Percent, Strict, Text, is_plain_file_name

#: Every part a handout can print, in the order a patient lives it: what it is,
#: is it right for me, before, the day of, after, results, risks, when to call,
#: the emergency signs, what next. A worksheet's table comes last, so it follows the
#: instructions and can be copied. A clinic may set its own order (``Clinic.order``).
PartKey = Literal[
    "key_points",
    "terms",
    "conditions",
    "procedure",
    "how_it_helps",
    "benefits",
    "right_for_me",
    "before",
    "day_of",
    "duration",
    "after",
    "results",
    "risks",
    "call_us_if",
    "emergency_if",
    "if_no_help",
    "extra_sections",
    "worksheet",
]
PATIENT_ORDER: tuple[str, ...] = get_args(PartKey)
#: The parts written beside the clinic's own text (plain language, reviewed separately).
ADDED_LISTS = ("key_points", "before", "day_of", "after", "call_us_if", "emergency_if")


def _figure_file(value: str) -> str:
    if not is_plain_file_name(value) or not value.lower().endswith((".svg", ".png")):
        raise ValueError("write the file name of an SVG or PNG in handouts/figures/, e.g. spine.svg")
    return value


#: a drawing's file name inside ``handouts/figures/``
FigureFile = Annotated[Text, AfterValidator(_figure_file)]


class FigureLabel(Strict):
    """A word printed over a drawing, so labels are in the handout's language, not baked into the file."""

    text: Text
    #: where the label sits, in percent of the picture's width and height
    x: Percent
    y: Percent
    #: which end of the label sits at (x, y)
    align: Literal["start", "end"] = "start"


class Figure(Strict):
    """A picture (SVG or PNG in ``handouts/figures/``) printed with the part it belongs to."""

    file: FigureFile
    section: PartKey
    caption: Text
    #: what the picture shows, for a reader who cannot see it (the PDF's Figure /Alt)
    alt: Text
    labels: list[FigureLabel] = []


class Risks(Strict):
    """Side effects: the common and expected ones, and the rare but serious ones."""

    common: list[Text] = Field(min_length=1)
    #: each should match a line of ``emergency_if``; the page points there
    serious: list[Text] = []


class Log(Strict):
    """A diary table: one row per day, with columns to write in, and optionally a filled-in example row."""

    columns: list[Text] = Field(min_length=2, max_length=8)
    rows: int = Field(default=14, ge=1, le=62)
    #: one made-up entry per column, printed first (in italics, marked "Example") to show how to fill it in
    example: list[Text] = []

    @model_validator(mode="after")
    def _example_fills_each_column(self) -> Log:
        if self.example and len(self.example) != len(self.columns):
            raise ValueError(
                f"the example row needs one entry per column ({len(self.columns)}), not {len(self.example)}"
            )
        return self


class Exercise(Strict):
    """One exercise of a home plan, with a box to tick for each day."""

    name: Text
    how: Text
    amount: Text
    #: boxes to tick each day (2 for "2 times a day")
    times_per_day: int = Field(default=1, ge=1, le=3)
    figure: FigureFile | None = None


class ExercisePlan(Strict):
    days: int = Field(default=14, ge=1, le=31)
    items: list[Exercise] = Field(min_length=1, max_length=8)


class Worksheet(Strict):
    """What a patient fills in: a diary (``log``) or an exercise plan (``exercises``), with how to use it."""

    instructions: list[Text] = Field(min_length=1)
    log: Log | None = None
    exercises: ExercisePlan | None = None

    @model_validator(mode="after")
    def _one_tool(self) -> Worksheet:
        if (self.log is None) == (self.exercises is None):
            raise ValueError("a worksheet has either 'log:' (a diary) or 'exercises:' (a home plan)")
        return self
