"""``check``'s word rules: uncommon words a term must define, abbreviations spelled out before use."""

from __future__ import annotations

from pathlib import Path

import yaml

from clinic_handouts.checks.checker import check
from clinic_handouts.checks.words import early_abbreviations, familiarity, findings, prose, uncommon_words
from clinic_handouts.content.library import Project


def test_an_uncommon_word_is_reported_once_at_its_first_use():
    texts = [(("sections", "procedure", 0), "The shot may cause wheezing."), (("after", 0), "Wheezing can last.")]
    [finding] = uncommon_words(texts, [], "en")
    assert finding.loc == ("sections", "procedure", 0)
    assert "'wheezing'" in finding.message and "terms" in finding.message


def test_a_word_a_term_defines_is_fine_in_any_form():
    texts = [(("after", 0), "Tell us about any muscle spasms or wheezing.")]
    assert uncommon_words(texts, ["Muscle spasm", "Wheezing"], "en") == []


def test_common_words_and_their_inflections_pass():
    texts = [(("after", 0), "It relaxes the muscles and eases the pain. Rest, and the redness fades.")]
    assert uncommon_words(texts, [], "en") == []
    assert familiarity("relaxes", "en") >= 3 and familiarity("musculoskeletal", "en") < 3


def test_names_always_written_with_a_capital_are_left_alone():
    texts = [(("before", 0), "Tell us if you take Eliquis or Plavix."), (("after", 0), "Call Riverside.")]
    assert uncommon_words(texts, [], "en") == []
    # the same rare word written in lower case somewhere is not a name
    texts.append((("after", 1), "Ask about plavix first."))
    assert [f.message.split("'")[1].lower() for f in uncommon_words(texts, [], "en")] == ["plavix"]


def test_languages_without_a_trusted_frequency_list_are_not_guessed_at():
    texts = [(("after", 0), "El enrojecimiento y el moretón desaparecen.")]
    assert uncommon_words(texts, [], "es") == []


def test_an_abbreviation_must_be_spelled_out_before_use():
    late = [(("key_points", 0), "RFA takes one hour."), (("sections", "procedure", 0), "Radiofrequency ablation (RFA)")]
    [finding] = early_abbreviations(late, [])
    assert finding.loc == ("key_points", 0) and "'RFA'" in finding.message
    spelled = list(reversed(late))
    assert early_abbreviations(spelled, []) == []
    assert early_abbreviations(late, ["Radiofrequency ablation (RFA)"]) == []
    assert early_abbreviations([(("after", 0), "Call at 9 AM. OK?")], []) == []


def test_the_text_is_read_in_the_printed_order_not_the_files():
    data = {
        "title": "Test",
        "call_us_if": ["Later: MRI."],
        "sections": {"results": ["Magnetic resonance imaging (MRI) results."], "conditions": ["First."]},
        "review": {"reviewed_by": "Team ABC"},
        "figures": [{"file": "spine.svg", "caption": "A spine.", "labels": [{"text": "Disc", "x": 1, "y": 2}]}],
    }
    locs = [loc for loc, _ in prose(data)]
    assert locs[0] == ("title",)
    assert (
        locs.index(("sections", "conditions", 0))
        < locs.index(("sections", "results", 0))
        < locs.index(("call_us_if", 0))
    )
    assert ("figures", 0, "file") not in locs and ("figures", 0, "labels", 0, "text") in locs
    assert not any(loc[0] == "review" for loc in locs)
    assert findings(data, [], "en") == []


def test_check_reports_word_findings_with_file_and_line(scratch_project: Project):
    path = scratch_project.handouts_dir / "botox.yaml"
    data = yaml.safe_load(path.read_text())
    data["after"].append("Watch for paresthesia and call us about your TENS unit.")
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    report = check(scratch_project, [path])
    messages = [(f.problem.line, f.problem.message) for f in report.findings]
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "paresthesia" in text)
    assert any(at == line and "'paresthesia'" in m for at, m in messages), messages
    assert any(at == line and "'TENS'" in m for at, m in messages), messages


def test_the_bundled_handouts_define_their_words(tmp_path: Path):
    from conftest import ROOT

    report = check(Project(ROOT), [ROOT / "handouts"])
    words = [
        f.problem
        for f in report.findings
        if "uncommon word" in f.problem.message or "abbreviation" in f.problem.message
    ]
    assert words == []
