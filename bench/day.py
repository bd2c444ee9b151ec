#!/usr/bin/env python3
"""Benchmark: a day's batch against a naive baseline, in one run.

    python bench/day.py [--visits N] [--seed S] [--jobs J]

Builds a seeded synthetic schedule (N visits, 1 to 5 handouts each from the
library, patient names with accents and non-Latin scripts), then measures
(a) the batch as built (``run_batch``), twice: "cold", with an empty cache of
rendered handouts (the first run after any change to the library, templates,
code or fonts), then "warm", on the next day's schedule with the handouts kept
from the cold run (every other morning), and (b) a naive baseline that renders
each handout of each visit separately with WeasyPrint and merges the PDFs
with pypdf. It checks a sample of batch packets against the ``packet``
command's output (same pages, same text). The last line is
``speedup: X.XX`` (baseline wall time / cold batch wall time).
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader, PdfWriter

from clinic_handouts.batch.cache import VariantCache
from clinic_handouts.batch.runner import run_batch
from clinic_handouts.batch.schedule import COLUMNS
from clinic_handouts.build import render_handout
from clinic_handouts.content.library import Project
from clinic_handouts.content.loading import load_clinic, load_handout
from clinic_handouts.content.visits import Visit
from clinic_handouts.packets.builder import PacketBuilder

GIVEN = [
    "José",
    "Zoë",
    "Łukasz",
    "Nguyễn Thị",
    "Ana",
    "Søren",
    "Françoise",
    "Mehmet",
    "王",
    "محمد",
    "Aoife",
    "Dvořák",
    "Björn",
    "Иван",
    "Lê Văn",
    "李",
    "فاطمة",
    "Chloé",
    "Grace",
    "Ngozi",
]
FAMILY = [
    "Álvarez-Núñez",
    "Hoa",
    "Brzęczyszczykiewicz",
    "O'Brien",
    "Øster",
    "Müller",
    "Yılmaz",
    "小明",
    "العلي",
    "Nakamura",
    "Đặng",
    "Kowalski",
    "Smith",
    "Петров",
    "Tâm",
    "秀英",
    "Haddad",
    "García",
    "Okafor",
    "Lefèvre",
]


def make_schedule(path: Path, visits: int, handout_ids: list[str], seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*COLUMNS, "time"])
        for n in range(visits):
            chosen = rng.sample(handout_ids, k=min(len(handout_ids), rng.randint(1, 5)))
            writer.writerow(
                [
                    f"V{n + 1:04d}",
                    "2026-11-27",
                    "example",
                    rng.choice(["Dr. Ana Morales", "Dr. Sam Lee"]),
                    f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
                    f"{rng.randint(1930, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    f"MRN-{rng.randint(100000, 999999)}",
                    "en",
                    "yes" if rng.random() < 0.1 else "no",
                    ";".join(chosen),
                    "Bring this packet to your next visit." if rng.random() < 0.3 else "",
                    f"{8 + n * 8 // visits:02d}:{rng.choice(['00', '15', '30', '45'])}",
                ]
            )


def naive_baseline(project: Project, schedule: Path, out_dir: Path) -> list[float]:
    """Each handout of each visit rendered on its own with WeasyPrint, merged with pypdf."""
    clinic = load_clinic(project.clinic_folder("example"))
    seconds = []
    with schedule.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            started = time.perf_counter()
            writer = PdfWriter()
            for handout_id in row["handouts"].split(";"):
                handout = load_handout(project.handout_path(handout_id))
                rendered = render_handout(project, handout, clinic)
                writer.append(io.BytesIO(rendered.data), outline_item=handout.title)
            with (out_dir / f"{row['visit_id']}.pdf").open("wb") as out:
                writer.write(out)
            seconds.append(time.perf_counter() - started)
    return seconds


def same_as_packet_command(project: Project, schedule: Path, out_dir: Path, sample: int, seed: int) -> tuple[int, int]:
    """Rebuild a sample of visits the way the ``packet`` command does; compare pages and text, and bytes.

    Returns how many were compared and how many were byte for byte the same.
    """
    rows = list(csv.DictReader(schedule.open(encoding="utf-8")))
    checked = identical = 0
    for row in random.Random(seed).sample(rows, k=min(sample, len(rows))):
        visit = Visit.model_validate(
            {
                "visit_id": row["visit_id"],
                "date": row["date"],
                "time": row["time"] or None,
                "clinic": row["clinic"],
                "clinician": row["clinician"],
                "patient": {
                    "name": row["patient_name"],
                    "dob": row["dob"],
                    "mrn": row["mrn"],
                    "language": row["language"],
                    "large_print": row["large_print"] == "yes",
                },
                "handouts": row["handouts"].split(";"),
                "note": row["note"] or None,
            }
        )
        single = PacketBuilder(project).build(visit)
        batch = (out_dir / f"{row['date']}_{row['visit_id']}.pdf").read_bytes()
        text = [p.extract_text() for p in PdfReader(io.BytesIO(single.data)).pages]
        if text != [p.extract_text() for p in PdfReader(io.BytesIO(batch)).pages]:
            raise SystemExit(f"visit {row['visit_id']}: batch packet differs from the packet command's")
        checked += 1
        identical += single.data == batch
    return checked, identical


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--check", type=int, default=5, help="packets compared with the packet command")
    parser.add_argument("--root", type=Path, default=None, help="project folder (default: this checkout)")
    args = parser.parse_args()

    project = Project(args.root.resolve()) if args.root else Project()
    handout_ids = project.handout_ids()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        tmp_path = Path(tmp)
        schedule = tmp_path / "schedule.csv"
        make_schedule(schedule, args.visits, handout_ids, args.seed)
        print(
            f"library: {len(handout_ids)} handouts ({', '.join(handout_ids)}); visits: {args.visits}; jobs: {args.jobs}"
        )

        walls = {}
        for run, seed in (("cold", args.seed), ("warm", args.seed + 1)):
            if run == "warm":
                make_schedule(schedule.with_name("next-day.csv"), args.visits, handout_ids, seed)
            cache = VariantCache.for_project(project, tmp_path / "cache")  # one per run, as the command does
            started = time.perf_counter()
            report = run_batch(
                project,
                schedule if run == "cold" else schedule.with_name("next-day.csv"),
                tmp_path / run,
                jobs=args.jobs,
                cache=cache,
            )
            walls[run] = time.perf_counter() - started
            if report.failed:
                raise SystemExit(f"{len(report.failed)} rows failed: {report.failed[0].error}")
            per_packet = [r.seconds for r in report.results]
            pages = sum(r.pages or 0 for r in report.results)
            peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(
                f"batch ({run}): {walls[run]:6.2f} s wall, {args.visits / walls[run]:6.1f} visits/s, {pages} pages, "
                f"p50 {percentile(per_packet, 50):.3f} s, p95 {percentile(per_packet, 95):.3f} s per packet, "
                f"peak worker memory {peak_children:.0f} MiB"
            )
        batch_wall = walls["cold"]

        (tmp_path / "naive").mkdir()
        started = time.perf_counter()
        naive = naive_baseline(project, schedule, tmp_path / "naive")
        naive_wall = time.perf_counter() - started
        peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"baseline: {naive_wall:6.2f} s wall, {args.visits / naive_wall:6.1f} visits/s, "
            f"p50 {percentile(naive, 50):.3f} s, p95 {percentile(naive, 95):.3f} s per packet, "
            f"peak memory {peak_self:.0f} MiB"
        )

        checked, identical = same_as_packet_command(project, schedule, tmp_path / "cold", args.check, args.seed)
        print(
            f"checked: {checked} batch packets have the same pages and text as the packet command's; "
            f"{identical} of them the same bytes"
        )
        for run, wall in walls.items():
            verdict = "met" if wall < 10 and args.visits >= 200 else "not met" if args.visits >= 200 else "n/a"
            print(f"target 200 visits in under 10 s ({run}): {verdict}")
        print(f"speedup: {naive_wall / batch_wall:.2f}")


if __name__ == "__main__":
    main()
