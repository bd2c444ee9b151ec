"""Rendered handouts kept between batch runs: same packets, new ones when an input changes, never patient details."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
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


@dataclass(frozen=True)
class FirstRun:
    """The day's first batch with an empty cache (two processes): its manifest's hashes and the cache it filled."""

    hashes: dict
    cache: Path
    out: Path
    #: the run's fingerprint of the project (the same for every copy of the fixture project)
    stamp: str


@pytest.fixture(scope="module")
def first_run(project: Project, tmp_path_factory: pytest.TempPathFactory) -> FirstRun:
    """Made once for the module. A cache's entries depend on the files' contents, not on where the
    project is, so a copy of this cache serves any copy of the fixture project."""
    folder = tmp_path_factory.mktemp("first-run")
    path = folder / "schedule.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    cache = VariantCache.for_project(project, folder / "cache")
    hashes = _batch(project, path, folder / "out", cache, jobs=2)
    return FirstRun(hashes, folder / "cache", folder / "out", cache.stamp)


def cache_copy(first_run: FirstRun, project: Project, folder: Path) -> VariantCache:
    """A copy of the first run's cache, to change, for ``project`` (a copy of the fixture project: the same
    fingerprint, kept from the first run so that a package file saved meanwhile does not change it)."""
    shutil.copytree(first_run.cache, folder)
    return VariantCache(project, folder, first_run.stamp)


def _batch(project: Project, schedule: Path, out: Path, cache: VariantCache | None, jobs: int = 1) -> dict:
    report = run_batch(project, schedule, out, jobs=jobs, cache=cache)
    assert not report.failed, report.failed
    return {r["visit_id"]: r["sha256"] for r in json.loads((out / "manifest.json").read_text())}


def _no_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self, variant):
        raise AssertionError(f"rendered {variant.handout_id} although it was cached")

    monkeypatch.setattr(packets.PacketBuilder, "render_variant", refuse)


def test_second_run_renders_nothing_and_gives_the_same_bytes(
    scratch_project, schedule, first_run, tmp_path, monkeypatch
):
    """With or without the cache, in one process or two, and as the packet command: the same packet bytes."""
    uncached = _batch(scratch_project, schedule, tmp_path / "plain", None)
    first = first_run.hashes
    assert first == uncached
    assert len(list(first_run.cache.glob("*.pdf"))) == 3  # botox en, botox es, physical-therapy es
    cache = cache_copy(first_run, scratch_project, tmp_path / "cache")
    # what the packet command makes for the same visits: the same bytes
    for scheduled in read_schedule(schedule)[0]:
        single = packets.PacketBuilder(scratch_project).build(scheduled.visit)
        assert hashlib.sha256(single.data).hexdigest() == first[scheduled.visit.visit_id]
    _no_rendering(monkeypatch)
    for jobs in (1, 2):
        again = _batch(scratch_project, schedule, tmp_path / f"again{jobs}", cache, jobs=jobs)
        assert again == first
    assert_conformant(tmp_path / "again2" / "2026-11-27_B2.pdf")


def test_a_changed_handout_is_rendered_again(scratch_project, schedule, first_run, tmp_path):
    cache = cache_copy(first_run, scratch_project, tmp_path / "cache")
    path = scratch_project.handouts_dir / "botox.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Botox", "title: Botox injections"), "utf-8")
    _batch(scratch_project, schedule, tmp_path / "second", VariantCache(scratch_project, cache.folder, cache.stamp))
    handout_first_page = pdf_text(tmp_path / "second" / "2026-11-27_A1.pdf")[2]  # after the cover and a blank
    assert "Botox injections" in handout_first_page
    # English and Spanish Botox again (a translation's key covers the English file too), beside the old ones
    assert len(list((tmp_path / "cache").glob("*.pdf"))) == 5


def test_a_changed_template_or_stylesheet_changes_every_key(scratch_project, project):
    before = fingerprint(scratch_project)
    assert before == fingerprint(project)  # where the project is does not matter, only its files
    css = scratch_project.styles_dir / "handout.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* changed */\n", encoding="utf-8")
    assert fingerprint(scratch_project) != before


def test_a_damaged_entry_is_a_miss_not_an_error(scratch_project, schedule, first_run, tmp_path):
    cache = cache_copy(first_run, scratch_project, tmp_path / "cache")
    first = first_run.hashes
    for pdf in (tmp_path / "cache").glob("*.pdf"):
        pdf.write_bytes(pdf.read_bytes()[:1000])
    variant = Variant("botox", "en", "example", "letter", False)
    assert cache.get(variant) is None
    assert _batch(scratch_project, schedule, tmp_path / "second", cache) == first
    assert cache.get(variant) is not None  # rendered again and stored whole


def test_the_cache_holds_no_patient_details(first_run):
    files = list(first_run.cache.iterdir())
    assert files
    for path in files:
        # named by a hash alone (whose hex digits may by chance spell a year of birth, so its form is checked)
        assert re.fullmatch(r"[0-9a-f]{64}\.(pdf|json)", path.name), path.name
        data = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in data and secret.encode("utf-16-be") not in data, path.name
        if path.suffix == ".pdf":
            text = " ".join(pdf_text(path))
            assert all(secret not in text for secret in SECRETS)


def test_entries_unused_for_long_are_pruned(scratch_project, first_run, tmp_path):
    cache = cache_copy(first_run, scratch_project, tmp_path / "cache")
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
