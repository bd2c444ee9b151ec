"""Replacement text (/ActualText) for text whose glyphs do not read back as the words they show.

WeasyPrint 70 maps each glyph of a font to one Unicode string, the first it
was drawn for, and writes glyphs in visual order. Scripts that reorder or
merge glyphs then read back wrongly from the text layer: in Devanagari the
reph of "शर्मा" is drawn after the letter it sits on and its vowel sign keeps
the mapping it had in "राहुल", so ``pdftotext`` gives "श ार्मा"; Bengali
pre-base vowel signs split words. No ToUnicode map can fix that, since one
glyph stands for different text in different words.

PDF 32000 §14.9.4 gives the way out: a marked-content sequence whose property
list has /ActualText is read as that text instead of its glyphs. Poppler
(``pdftotext``) honours it only on a ``/Span`` sequence in the content stream,
so each text box that needs it gets a nested ``/Span <</ActualText (UTF-16BE
with BOM)>> BDC ... EMC`` just inside its own marked-content sequence (tagged
with an MCID, or an artifact). Nothing painted changes, nor the structure tree.

The caller knows the text as laid out (one string per WeasyPrint text box)
and which of those strings need help; this module finds the marked-content
sequence that draws each one by decoding the glyphs through the fonts'
ToUnicode maps: sequences that decode exactly need nothing, and a wanted text
goes to the closest of the sequences left over, or to none when no sequence
is close enough (the text then stays as the glyphs say).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import pikepdf
from pikepdf import Dictionary, Name, Operator

#: the text-showing operators; TJ's array mixes strings and positioning numbers
SHOWING = {"Tj", "TJ", "'", '"'}
#: how close the glyphs' own reading must be to a text for that text to be given to them
MIN_SIMILARITY = 0.6

_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_HEX = re.compile(rb"<([0-9A-Fa-f\s]*)>")
_RANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f\s]*>|\[[^\]]*\])")


#: one instruction of a content stream, as pikepdf parses it
Instruction = pikepdf.ContentStreamInstruction | pikepdf.ContentStreamInlineImage


@dataclass(frozen=True)
class DrawnText:
    """One marked-content sequence that shows text: where it starts and ends, and what its glyphs decode to."""

    begin: int
    end: int
    text: str


def _utf16(data: bytes) -> str:
    return bytes.fromhex(data.decode("ascii")).decode("utf-16-be", errors="replace")


def to_unicode_map(font: pikepdf.Object) -> dict[int, str]:
    """A font's ToUnicode CMap as {character code: text} (bfchar and bfrange entries)."""
    stream = font.get("/ToUnicode")
    if not isinstance(stream, pikepdf.Stream):
        return {}
    data = stream.read_bytes()
    mapping: dict[int, str] = {}
    for block in _BFCHAR.findall(data):
        values = _HEX.findall(block)
        for source, target in zip(values[::2], values[1::2], strict=False):
            mapping[int(source, 16)] = _utf16(re.sub(rb"\s", b"", target))
    for block in _BFRANGE.findall(data):
        for low, high, target in _RANGE.findall(block):
            first, last = int(low, 16), int(high, 16)
            if target.startswith(b"["):
                for code, value in zip(range(first, last + 1), _HEX.findall(target), strict=False):
                    mapping[code] = _utf16(re.sub(rb"\s", b"", value))
                continue
            start = bytes.fromhex(re.sub(rb"\s", b"", target[1:-1]).decode("ascii"))
            for offset in range(min(last - first + 1, 0x10000)):
                value = start[:-2] + (int.from_bytes(start[-2:], "big") + offset).to_bytes(2, "big")
                mapping[first + offset] = value.decode("utf-16-be", errors="replace")
    return mapping


class _Font:
    def __init__(self, font: pikepdf.Object) -> None:
        self.width = 2 if font.get("/Subtype") == Name.Type0 else 1
        self.mapping = to_unicode_map(font)

    def decode(self, data: bytes) -> str:
        codes = (int.from_bytes(data[i : i + self.width], "big") for i in range(0, len(data), self.width))
        return "".join(self.mapping.get(code, "") for code in codes)


def _shown(operands: list[pikepdf.Object], operator: str) -> list[bytes]:
    if operator == "TJ":
        return [bytes(item) for item in operands[0] if isinstance(item, pikepdf.String)]
    return [bytes(operands[-1])] if operands and isinstance(operands[-1], pikepdf.String) else []


def drawn_texts(instructions: list[Instruction], resources: pikepdf.Object | None) -> list[DrawnText]:
    """Every innermost marked-content sequence that shows text, in content order, with its decoded text."""
    fonts: dict[str, _Font] = {}
    font_resources = resources.get("/Font", Dictionary()) if resources is not None else Dictionary()
    current: _Font | None = None
    #: open sequences: the index of their BDC/BMC and the text shown directly inside them
    stack: list[tuple[int, list[str]]] = []
    found: list[DrawnText] = []
    for index, instruction in enumerate(instructions):
        operator = str(instruction.operator)
        if operator in ("BDC", "BMC"):
            stack.append((index, []))
        elif operator == "EMC" and stack:
            begin, parts = stack.pop()
            if parts:
                found.append(DrawnText(begin, index, "".join(parts)))
        elif operator == "Tf" and instruction.operands:
            key = str(instruction.operands[0])
            if key not in fonts and key in font_resources:
                fonts[key] = _Font(font_resources[key])
            current = fonts.get(key)
        elif operator in SHOWING and stack and current is not None:
            stack[-1][1].extend(current.decode(data) for data in _shown(list(instruction.operands), operator))
    found.sort(key=lambda drawn: drawn.begin)
    return found


def similarity(drawn: str, text: str) -> float:
    """How alike the glyphs' reading and a text are, 0 to 1, either way round (right-to-left runs are
    drawn in visual order)."""
    drawn, text = drawn.strip(), text.strip()
    return max(
        difflib.SequenceMatcher(None, drawn, text, autojunk=False).ratio(),
        difflib.SequenceMatcher(None, drawn[::-1], text, autojunk=False).ratio(),
    )


def right_to_left(text: str) -> bool:
    """Whether a text holds right-to-left letters (Arabic, Hebrew...)."""
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)


def assign(drawn: list[str], laid_out: list[str], wanted: Callable[[str], bool]) -> dict[int, str]:
    """Which drawn sequence (by index) should read as which wanted laid-out text.

    A glyph run can decode exactly and still read back wrongly (Bengali: "সু মিত্রা", the pre-base
    vowel sign drawn first splits the word), so every wanted text gets one: first a sequence that
    decodes as it, else the most similar one that no other laid-out text decodes as, if similar
    enough. Right-to-left text is left alone: readers order its glyphs themselves and read them
    right, while poppler would reverse an /ActualText given in logical order.
    """
    wanted_here = [wanted(text) and not right_to_left(text) for text in laid_out]
    by_text: dict[str, list[int]] = {}
    for index, text in enumerate(drawn):
        by_text.setdefault(text, []).append(index)
    taken: set[int] = set()
    chosen: dict[int, str] = {}
    unmatched = []
    for text, want in zip(laid_out, wanted_here, strict=True):
        exact = by_text.get(text)
        if exact:
            index = exact.pop(0)
            taken.add(index)
            if want:
                chosen[index] = text
        elif want:
            unmatched.append(text)
    for text in unmatched:
        scored = sorted(((similarity(drawn[i], text), i) for i in range(len(drawn)) if i not in taken), reverse=True)
        if scored and scored[0][0] >= MIN_SIMILARITY:
            taken.add(scored[0][1])
            chosen[scored[0][1]] = text
    return chosen


def actual_text_string(text: str) -> pikepdf.String:
    """A PDF text string in UTF-16BE with a byte order mark, as §7.9.2.2 allows for any text."""
    return pikepdf.String(b"\xfe\xff" + text.encode("utf-16-be"))


def add_actual_text(pdf: pikepdf.Pdf, page: pikepdf.Page, laid_out: list[str], wanted: Callable[[str], bool]) -> int:
    """Give each wanted text of ``laid_out`` (the page's text boxes, as laid out) to the sequence drawing it.

    Returns how many sequences got an /ActualText span. The page's content is rewritten only then.
    """
    instructions = list(pikepdf.parse_content_stream(page))
    drawn = drawn_texts(instructions, page.obj.get("/Resources"))
    chosen = assign([d.text for d in drawn], laid_out, wanted)
    if not chosen:
        return 0
    opening: dict[int, str] = {drawn[i].begin: text for i, text in chosen.items()}
    closing = {drawn[i].end for i in chosen}
    rewritten: list[Instruction] = []
    for index, instruction in enumerate(instructions):
        if index in closing:
            rewritten.append(pikepdf.ContentStreamInstruction([], Operator("EMC")))
        rewritten.append(instruction)
        if index in opening:
            properties = Dictionary(ActualText=actual_text_string(opening[index]))
            rewritten.append(pikepdf.ContentStreamInstruction([Name.Span, properties], Operator("BDC")))
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(rewritten))
    return len(chosen)
