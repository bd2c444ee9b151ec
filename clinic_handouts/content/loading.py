"""Reading YAML files into validated models, with every problem located.

YAML is parsed with PyYAML's SafeLoader (what ``yaml.safe_load`` uses), but
in two steps so that the node tree's line and column of every key and item
are kept. Pydantic's errors are then mapped back to those positions and put
into plain words, all of them at once.
"""

from __future__ import annotations

import copy
import difflib
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from clinic_handouts.content.confine import confine
from clinic_handouts.content.models import Clinic, Handout
from clinic_handouts.content.yaml_limits import MAX_BYTES, MAX_DEPTH, check_graph
from clinic_handouts.errors import HandoutError, Problem
from clinic_handouts.files import read_bytes
from clinic_handouts.i18n import is_known_language

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass
class YamlDocument:
    """Parsed YAML data plus the (line, column) of every path in it, 1-based."""

    path: Path
    data: Any
    positions: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def locate(self, loc: Loc) -> tuple[int, int]:
        """The position of the deepest part of ``loc`` found in the file.

        Parts the file does not spell out (``content`` in a section's short
        form, for instance) are skipped rather than ending the search.
        """
        found: tuple[int, int] = (1, 1)
        current: Loc = ()
        for part in loc:
            if (*current, part) in self.positions:
                current = (*current, part)
                found = self.positions[current]
        return found

    def place(self, problem: Problem) -> Problem:
        """Give a problem found after loading (it names a field, e.g. ``handouts.1``) this file and line."""
        if problem.file is not None:
            return problem
        loc = tuple(int(p) if p.isdigit() else p for p in (problem.field or "").split(".") if p)
        line, column = self.locate(loc)
        return Problem(problem.message, file=self.path, line=line, column=column, field=problem.field)


class _TooDeep(yaml.MarkedYAMLError):
    """Raised while scanning, before the parser's recursion can exhaust the stack or take seconds."""


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text (pydantic parses them and can say where a bad one is), and
    stops scanning at the first value nested deeper than ``MAX_DEPTH``."""

    def fetch_flow_collection_start(self, TokenClass: type) -> None:  # noqa: N803 (PyYAML's name)
        if self.flow_level >= MAX_DEPTH:
            raise _TooDeep(problem="too deep", problem_mark=self.get_mark())
        super().fetch_flow_collection_start(TokenClass)

    def add_indent(self, column: int) -> bool:
        if len(self.indents) >= MAX_DEPTH:
            raise _TooDeep(problem="too deep", problem_mark=self.get_mark())
        return bool(super().add_indent(column))


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _record_positions(node: yaml.Node, loc: Loc, positions: dict[Loc, tuple[int, int]]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*loc, key_node.value)
            positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _record_positions(value_node, child, positions)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*loc, index)
            positions[child] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _record_positions(item, child, positions)


class _RefusedError(Exception):
    """The node tree breaks a limit of ``yaml_limits`` (raised before any value is built)."""

    def __init__(self, refusals: list) -> None:
        self.refusals = refusals


@lru_cache(maxsize=256)
def _parse(text: str) -> tuple[Any, dict[Loc, tuple[int, int]]]:
    """The data and positions of one YAML text, parsed once per process: a command that checks the library
    and then prints it, or a batch that reads a handout for every visit, reads each file's text again but
    scans it once (PyYAML's pure-Python scanner is the slow part). Callers get a copy (``read_yaml``)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        refusals = check_graph(node) if node is not None else []
        if refusals:
            raise _RefusedError(refusals)
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    positions: dict[Loc, tuple[int, int]] = {}
    if node is not None:
        _record_positions(node, (), positions)
    return data, positions


def read_yaml(path: Path) -> YamlDocument:
    """Parse one YAML file safely and within limits (``yaml_limits``); every refusal is a located problem."""
    text = _read_text(path)
    try:
        data, positions = _parse(text)
    except _RefusedError as exc:
        raise HandoutError(
            [Problem(r.message, file=path, line=r.line, column=r.column) for r in exc.refusals]
        ) from None
    except (_TooDeep, RecursionError) as exc:
        mark = exc.problem_mark if isinstance(exc, _TooDeep) else None
        raise HandoutError(
            Problem(
                f"values nest more than {MAX_DEPTH} levels deep; a handout needs only a few",
                file=path,
                line=mark.line + 1 if mark else None,
            )
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "invalid YAML"
        if exc.context:
            what = f"{exc.context}, {what}"
        raise HandoutError(
            Problem(
                f"YAML syntax error: {what}; check indentation, colons and quotes",
                file=path,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            )
        ) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise HandoutError(
            Problem(
                f"the file holds a control character (U+{exc.character:04X}) that YAML does not allow; "
                "delete it or retype the line",
                file=path,
                line=line,
            )
        ) from None
    return YamlDocument(path, copy.deepcopy(data), dict(positions))


def _read_text(path: Path) -> str:
    """The file's text, refused before reading when it is far larger than any handout."""
    data = read_bytes(path, "YAML file", MAX_BYTES, "a handout is a few kilobytes of YAML")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HandoutError(Problem(f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", file=path)) from None


# --- turning pydantic errors into plain words -----------------------------


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation such as ``list[X]`` or ``X | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) is typing.Annotated:
        return _model_in(typing.get_args(annotation)[0])
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _model_at(root: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model that holds the last key of ``loc``."""
    model: type[BaseModel] | None = root
    for part in loc[:-1]:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        model = _model_in(info.annotation) if info else None
    return model


def plain_message(root: type[BaseModel], error: Mapping[str, Any]) -> str:
    kind = error["type"]
    loc: Loc = tuple(error["loc"])
    if kind == "missing":
        return f"required but missing; add '{loc[-1]}:' here"
    if kind == "extra_forbidden":
        model = _model_at(root, loc)
        allowed = sorted(model.model_fields) if model else []
        guess = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean '{guess[0]}'? " if guess else ""
        return f"unknown key; {hint}allowed here: {', '.join(allowed)}"
    if kind in {"date_from_datetime_parsing", "date_parsing", "date_type"}:
        return "not a valid date; write it as YYYY-MM-DD, for example 2026-11-01"
    if kind == "string_type":
        return "should be text; put it in quotes if it looks like a number or date"
    if kind == "string_too_short":
        return "is empty; write some text or remove the key"
    if kind == "list_type":
        return "should be a list: one item per line, each starting with '- '"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return "should be a set of 'key: value' lines, indented under this key"
    if kind == "too_short":
        return "needs at least one item"
    if kind == "string_too_long":
        limit = error["ctx"].get("max_length")
        return f"longer than {limit} characters; shorten it (for a name, initials for middle names)"
    if kind == "too_long":
        return f"has too many items (at most {error['ctx'].get('max_length')})"
    if kind == "string_pattern_mismatch":
        if "#" in str(error.get("ctx", {}).get("pattern", "")):
            return "should be a colour as #RRGGBB, for example '#1F4E79' (in quotes)"
        return "has characters that are not allowed here; use letters, digits, '-' and '_' only"
    if kind in {"bool_parsing", "bool_type"}:
        return "write yes or no"
    if kind in {"time_parsing", "time_type"}:
        return "not a valid time; write it as HH:MM, for example 09:30"
    if kind == "url_parsing" or kind == "url_scheme":
        return "should be a web address starting with https://"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    return str(error["msg"])


def validate(model: type[M], document: YamlDocument) -> M:
    """Validate parsed YAML against a model, reporting every problem at once."""
    if not isinstance(document.data, dict):
        raise HandoutError(
            Problem(
                "expected 'key: value' lines at the top of the file",
                file=document.path,
                line=1,
                column=1,
            )
        )
    try:
        return model.model_validate(document.data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            line, column = document.locate(loc)
            problems.append(
                Problem(
                    plain_message(model, error),
                    file=document.path,
                    line=line,
                    column=column,
                    field=".".join(str(p) for p in loc) or None,
                )
            )
        problems.sort(key=lambda p: (p.line or 0, p.column or 0))
        raise HandoutError(problems) from None


# --- the project's files ---------------------------------------------------


def split_handout_name(path: Path) -> tuple[str, str]:
    """``botox.yaml`` -> (``botox``, ``en``); ``botox.es.yaml`` -> (``botox``, ``es``)."""
    stem = path.name.removesuffix(".yaml").removesuffix(".yml")
    handout_id, _, language = stem.partition(".")
    return handout_id, language or "en"


def handout_name(path: Path) -> tuple[str, str]:
    """``split_handout_name`` with the language checked: an unknown code is a problem, not a crash later on."""
    handout_id, language = split_handout_name(path)
    if not is_known_language(language):
        raise HandoutError(
            Problem(
                f"'{language}' is not a known language code; name translations ID.LANG.yaml, e.g. botox.es.yaml",
                file=path,
            )
        )
    return handout_id, language


def load_handout(path: Path) -> Handout:
    """Read and validate ``handouts/ID.yaml`` or ``handouts/ID.LANG.yaml``."""
    handout_id, language = handout_name(path)
    return validate(Handout, read_yaml(path)).bind(handout_id, language)


#: href="...", xlink:href='...', url(...) in an SVG file
_SVG_REFERENCE = re.compile(r"""(?:href\s*=\s*["']([^"']*)["']|url\(\s*["']?([^"')]*))""", re.I)


def _outside_references(logo: Path) -> str | None:
    """An SVG logo must be self-contained: a reference to another file or the network would be refused
    when it prints (and the logo lost). Only ``#fragment`` and ``data:`` references are allowed."""
    if logo.suffix.lower() != ".svg":
        return None
    text = logo.read_text(encoding="utf-8", errors="replace")
    for match in _SVG_REFERENCE.finditer(text):
        target = (match.group(1) or match.group(2) or "").strip()
        if target and not target.startswith(("#", "data:")):
            return (
                f"the logo refers to another file or address ('{target[:60]}'); save it as a self-contained "
                "SVG (images embedded, fonts as outlines)"
            )
    return None


def load_clinic(folder: Path) -> Clinic:
    """Read and validate ``clinics/ID/clinic.yaml``; the logo file must exist."""
    path = confine(folder / "clinic.yaml", folder)
    document = read_yaml(path)
    clinic = validate(Clinic, document)
    logo = folder / clinic.logo
    wrong: str | None
    if not logo.resolve().is_relative_to(folder.resolve()):
        wrong = f"logo file '{clinic.logo}' is outside {folder}; put the logo itself in the clinic's folder"
    elif not logo.is_file():
        wrong = f"logo file '{clinic.logo}' not found in {folder}; put the file there or fix the name"
    elif logo.suffix.lower() not in {".svg", ".png", ".jpg", ".jpeg"}:
        wrong = "the logo must be an .svg, .png or .jpg file"
    else:
        wrong = _outside_references(logo)
    if wrong:
        line, column = document.locate(("logo",))
        raise HandoutError(Problem(wrong, file=path, line=line, column=column, field="logo"))
    return clinic.bind(folder.name, str(folder))
