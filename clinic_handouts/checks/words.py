"""Words a patient may not know: uncommon words no term defines, abbreviations used before they are spelled out.

PEMAT-P item 4 asks that medical terms be used only to familiarise the
reader and be defined when used. Which words are uncommon is decided by
word frequency (``wordfreq``, offline data from films, books, the web and
more), not by a list kept here: a word rarer than ``UNCOMMON_BELOW`` on the
Zipf scale (3 = about once per million words) needs an entry in the
handout's ``terms``. The clinic's own text cannot be reworded, so its hard
words are defined instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from clinic_handouts.content.parts import PATIENT_ORDER

#: Zipf frequency below which a word counts as uncommon (3.0: once per million words;
#: "musculoskeletal" 2.8, "spasms" 3.0, "injection" 4.0, "pain" 5.0).
UNCOMMON_BELOW = 3.0
#: Languages the frequency test is trusted in. In Spanish and Arabic, inflected and
#: clitic-joined forms of everyday words ("moretón", "enrojecimiento", "أدويتك") are rare in
#: the corpus and were flagged by the dozen; a translation defines what its source defines.
FREQUENCY_LANGUAGES = frozenset({"en"})
#: Parts whose strings are not prose a patient reads as the handout's text.
NOT_PROSE = frozenset({"review", "translation", "sources", "web_address", "kind", "terms"})
#: Keys inside a part that hold file names or numbers, not words.
NOT_WORDS = frozenset({"file", "figure", "x", "y", "align", "rows", "days"})
#: Capital-letter words that are not abbreviations a reader must learn.
NOT_ABBREVIATIONS = frozenset({"AM", "PM", "OK", "I"})

Loc = tuple[str | int, ...]
_ABBREVIATION = re.compile(r"\b([A-Z]{2,6})s?\b")


@dataclass(frozen=True)
class WordFinding:
    loc: Loc
    message: str


def prose(data: Any) -> list[tuple[Loc, str]]:
    """The strings a handout prints, with where they are in the YAML, in the order a patient reads them.

    The clinic's sections take their places among the added parts; a drawing prints with its section.
    """
    if not isinstance(data, dict):
        return []
    rank = {key: float(index) for index, key in enumerate(PATIENT_ORDER)}
    last = float(len(rank))
    placed: list[tuple[float, Loc, str]] = []
    for key, value in data.items():
        if not isinstance(key, str) or key in NOT_PROSE:
            continue
        if key == "sections" and isinstance(value, dict):
            for section, content in value.items():
                placed += [(rank.get(section, last), loc, t) for loc, t in _strings(content, ("sections", section))]
        elif key == "figures" and isinstance(value, list):
            for index, figure in enumerate(value):
                where = rank.get(str(figure.get("section")), last) + 0.5 if isinstance(figure, dict) else last
                placed += [(where, loc, t) for loc, t in _strings(figure, ("figures", index))]
        else:
            where = -1.0 if key in {"title", "category"} else rank.get(key, last)
            placed += [(where, loc, t) for loc, t in _strings(value, (key,))]
    placed.sort(key=lambda entry: entry[0])  # stable: the file's order within a part
    return [(loc, text) for _, loc, text in placed]


def _strings(data: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    if isinstance(data, str):
        yield loc, data
    elif isinstance(data, dict):
        for key, value in data.items():
            if key not in NOT_WORDS:
                yield from _strings(value, (*loc, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, (*loc, index))


def _stem(word: str) -> str:
    """Close enough for matching a word to a term: "spasms" and "spasm", "injected" and "injection"."""
    word = word.lower()
    for suffix in ("ations", "ation", "ing", "ies", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


_ENDINGS = ("ness", "ing", "ies", "es", "ed", "ly", "er", "s", "d", "y")


def familiarity(word: str, language: str) -> float:
    """The Zipf frequency of a word or of its plain form ("relaxes" -> "relax", "numbness" -> "numb").

    Inflected forms are rarer in the corpus than the words people know them by.
    """
    forms = {word, word.removeprefix("re")}
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            base = word[: -len(ending)]
            forms |= {base, base + "e", base + "y", base[:-1] if base[-1:] == base[-2:-1] else base}
    from wordfreq import zipf_frequency  # imported when first needed: it costs every command 0.2 s

    return max(zipf_frequency(form, language) for form in forms)


@cache
def _supported(language: str) -> bool:
    from wordfreq import available_languages

    return language in FREQUENCY_LANGUAGES and language in available_languages()


def uncommon_words(texts: list[tuple[Loc, str]], terms: list[str], language: str) -> list[WordFinding]:
    """Each uncommon word that no term defines, once, at its first use.

    A word always written with a capital letter is a name (a brand, a place)
    and is left alone.
    """
    if not _supported(language):
        return []
    from wordfreq import tokenize

    defined = {_stem(w) for term in terms for w in tokenize(term, language)}
    lower_seen = {w.lower() for _, text in texts for w in re.findall(r"\w+", text) if w[:1].islower()}
    reported: set[str] = set()
    out = []
    for loc, text in texts:
        for word in re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", text):
            key = word.lower()
            if key in reported or (word[:1].isupper() and key not in lower_seen):
                continue
            if _stem(key) in defined or familiarity(key, language) >= UNCOMMON_BELOW:
                continue
            reported.add(key)
            out.append(WordFinding(loc, f"uncommon word '{word}' is not defined: add it to 'terms' in plain words"))
    return out


def early_abbreviations(texts: list[tuple[Loc, str]], terms: list[str]) -> list[WordFinding]:
    """Abbreviations used before they are spelled out ("radiofrequency ablation (RFA)") or defined in ``terms``."""
    explained = {m for term in terms for m in _ABBREVIATION.findall(term)}
    seen: set[str] = set()
    out = []
    for loc, text in texts:
        for match in _ABBREVIATION.finditer(text):
            short = match.group(1)
            if short in seen or short in explained or short in NOT_ABBREVIATIONS:
                continue
            seen.add(short)
            spelled = text[max(0, match.start() - 1) : match.end() + 1] == f"({short})"
            if not spelled:
                out.append(
                    WordFinding(
                        loc,
                        f"abbreviation '{short}' is used before it is spelled out: write the words with "
                        f"'({short})' after them the first time, or add it to 'terms'",
                    )
                )
    return out


def findings(data: Any, terms: list[str], language: str) -> list[WordFinding]:
    """Both word checks over one handout's YAML data."""
    texts = prose(data)
    return uncommon_words(texts, terms, language) + early_abbreviations(texts, terms)
