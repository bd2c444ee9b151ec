"""Rendered handouts kept between batch runs: same packets, new ones when an input changes, never patient details."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest
from conftest import assert_conformant, pdf_text

import clinic_handouts.packets.builder as packets
from clinic_handouts.batch.cache import VariantCache, fingerprint
from clinic_handouts.batch.runner import run_batch
from clinic_handouts.batch.schedule import read_schedule
from clinic_handouts.content.library import Project
from clinic_handouts.packets.types import Variant

HEADER = "visit_id,date,time,clinic,clinician,patient_name,dob,mrn,language,large_print,handouts,note\n"
ROWS = (
    "A1,2026-11-27,09:00,example,Dr. Lee,Ximena Quarantotto,1950-01-02,MRN-77A1,en,no,botox,\n"
    "B2,2026-11-27,09:15,example,Dr. Lee,Wolfgang Zebulon,1961-03-04,MRN-77B2,es,no,botox;physical-therapy,\n"
)
SECRETS = ["Ximena", "Quarantotto", "Wolfgang", "Zebulon", "1950", "1961", "MRN-77"]


@pytest.fixture
def schedule(tmp_path: Path) -> Path:
    path = tmp_path / "schedule.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    return path


def _batch(project: Project, schedule: Path, out: Path, cache: VariantCache | None, jobs: int = 1) -> dict:
    report = run_batch(project, schedule, out, jobs=jobs, cache=cache)
    assert not report.failed, report.failed
    return {r["visit_id"]: r["sha256"] for r in json.loads((out / "manifest.json").read_text())}


def _no_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self, variant):
        raise AssertionError(f"rendered {variant.handout_id} although it was cached")
    monkeypatch.setattr(packets.PacketBuilder, "render_variant", refuse)


def test_second_run_renders_nothing_and_gives_the_same_bytes(scratch_project, schedule, tmp_path, monkeypatch):
    """With or without the cache, in one process or two, and as the packet command: the same packet bytes."""
    cache = VariantCache.for_project(scratch_project, tmp_path / "cache")
    uncached = _batch(scratch_project, schedule, tmp_path / "plain", None)
    first = _batch(scratch_project, schedule, tmp_path / "first", cache, jobs=2)
    assert first == uncached
    assert len(list((tmp_path / "cache").glob("*.pdf"))) == 3  # botox en, botox es, physical-therapy es
    # what the packet command makes for the same visits: the same bytes
    for scheduled in read_schedule(schedule)[0]:
        single = packets.PacketBuilder(scratch_project).build(scheduled.visit)
        assert hashlib.sha256(single.data).hexdigest() == first[scheduled.visit.visit_id]
    _no_rendering(monkeypatch)
    for jobs in (1, 2):
        again = _batch(scratch_project, schedule, tmp_path / f"again{jobs}", cache, jobs=jobs)
        assert again == first
    assert_conformant(tmp_path / "again2" / "2026-11-27_B2.pdf")


def test_a_changed_handout_is_rendered_again(scratch_project, schedule, tmp_path):
    cache = VariantCache.for_project(scratch_project, tmp_path / "cache")
    _batch(scratch_project, schedule, tmp_path / "first", cache)
    path = scratch_project.handouts_dir / "botox.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Botox", "title: Botox injections"), "utf-8")
    _batch(scratch_project, schedule, tmp_path / "second", VariantCache.for_project(scratch_project, cache.folder))
    handout_first_page = pdf_text(tmp_path / "second" / "2026-11-27_A1.pdf")[2]  # after the cover and a blank
    assert "Botox injections" in handout_first_page
    # English and Spanish Botox again (a translation's key covers the English file too), beside the old ones
    assert len(list((tmp_path / "cache").glob("*.pdf"))) == 5


def test_a_changed_template_or_stylesheet_changes_every_key(scratch_project):
    before = fingerprint(scratch_project)
    css = scratch_project.styles_dir / "handout.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* changed */\n", encoding="utf-8")
    assert fingerprint(scratch_project) != before


def test_a_damaged_entry_is_a_miss_not_an_error(scratch_project, schedule, tmp_path):
    cache = VariantCache.for_project(scratch_project, tmp_path / "cache")
    first = _batch(scratch_project, schedule, tmp_path / "first", cache)
    for pdf in (tmp_path / "cache").glob("*.pdf"):
        pdf.write_bytes(pdf.read_bytes()[:1000])
    variant = Variant("botox", "en", "example", "letter", False)
    assert cache.get(variant) is None
    assert _batch(scratch_project, schedule, tmp_path / "second", cache) == first
    assert cache.get(variant) is not None  # rendered again and stored whole


def test_the_cache_holds_no_patient_details(scratch_project, schedule, tmp_path):
    cache = VariantCache.for_project(scratch_project, tmp_path / "cache")
    _batch(scratch_project, schedule, tmp_path / "first", cache)
    files = list((tmp_path / "cache").iterdir())
    assert files
    for path in files:
        assert all(secret not in path.name for secret in SECRETS)
        data = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in data and secret.encode("utf-16-be") not in data, path.name
        if path.suffix == ".pdf":
            assert all(secret not in " ".join(pdf_text(path)) for secret in SECRETS)


def test_entries_unused_for_long_are_pruned(scratch_project, schedule, tmp_path):
    cache = VariantCache.for_project(scratch_project, tmp_path / "cache")
    _batch(scratch_project, schedule, tmp_path / "first", cache)
    stale = sorted((tmp_path / "cache").glob("*.pdf"))[0]
    old = time.time() - 90 * 86400
    os.utime(stale, (old, old))
    assert cache.prune(keep_days=60) == 2
    assert not stale.exists() and not stale.with_suffix(".json").exists()
    assert len(list((tmp_path / "cache").glob("*.pdf"))) == 2


def test_a_rendering_is_not_stored_when_its_files_changed_while_it_was_made(scratch_project, tmp_path):
    cache = VariantCache.for_project(scratch_project, tmp_path / "cache")
    variant = Variant("botox", "en", "example", "letter", False)
    key_before = cache.key(variant)
    rendered = packets.PacketBuilder(scratch_project).render_variant(variant)
    path = scratch_project.handouts_dir / "botox.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# saved while the batch ran\n", encoding="utf-8")
    cache.put(variant, rendered, key_before)
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").iterdir())
    assert cache.get(variant) is None
    cache.put(variant, rendered, cache.key(variant))  # an unchanged key: stored
    assert cache.get(variant) == rendered
