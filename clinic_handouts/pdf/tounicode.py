"""Every glyph of every font maps to Unicode text, as PDF/A-3u requires.

WeasyPrint 70 gives the text of a shaped cluster to one of its glyphs and
writes the others as ``<code> <>`` in the font's ToUnicode CMap (Bengali and
Devanagari conjuncts, for example). An empty destination is malformed for
outside checkers (page-validation: PDFA3U-UNICODE-MAPPING-001) and leaves
the glyph without Unicode. Such a glyph adds nothing to the text, so it maps
to U+200D ZERO WIDTH JOINER, the character Indic text itself uses inside
clusters: extraction reads the same words, and every code has a value.
"""

from __future__ import annotations

import re

import pikepdf

_EMPTY_TARGET = re.compile(rb"(<[0-9A-Fa-f]+>\s*)<>")
ZERO_WIDTH_JOINER = b"<200D>"


def fill_empty_mappings(pdf: pikepdf.Pdf) -> int:
    """Give every ``<code> <>`` entry of every ToUnicode CMap a value; returns how many were filled."""
    filled = 0
    seen: set[tuple[int, int]] = set()
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != pikepdf.Name.Font:
            continue
        stream = obj.get("/ToUnicode")
        if not isinstance(stream, pikepdf.Stream) or stream.objgen in seen:
            continue
        seen.add(stream.objgen)
        data = stream.read_bytes()
        fixed, count = _EMPTY_TARGET.subn(lambda m: m.group(1) + ZERO_WIDTH_JOINER, data)
        if count:
            stream.write(fixed)
            filled += count
    return filled
