#!/usr/bin/env python3
"""Benchmark: the test suite's time against a baseline checkout's, in one run.

    python bench/suite.py BASELINE_CHECKOUT [--rounds N]

Runs the README's test command (``python -m pytest``, two workers) in this
checkout and in the baseline (for example ``git worktree add /tmp/base
COMMIT`` with this ``.venv`` linked into it), alternately, ``--rounds`` times
each, so that both see the same machine. Reports each run's wall time, the
processor time of the run and every process it started (``perf stat`` where
installed), and a loop of pure Python timed before each run (the machine's
speed at that moment: on a shared machine it varies by half). The last line
is ``ratio: X.XX`` (median wall time of this checkout / the baseline's); the
line before it gives the medians of both times.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def machine_loop() -> float:
    """Seconds for 20 million additions in pure Python (1.4 s on this machine when it is quiet)."""
    start = time.perf_counter()
    total = 0
    for i in range(20_000_000):
        total += i
    return time.perf_counter() - start


def run_suite(checkout: Path) -> tuple[float, float, bool]:
    """Wall and processor seconds of one run of the suite in ``checkout``, and whether it passed.

    The processor time is counted by ``perf stat`` where it is installed: it follows every process the
    run starts, also those nobody waits for (the station's renderers are children of its fork server,
    whose time never reaches ``getrusage``). Without perf, ``getrusage`` of the waited-for children.
    """
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    with tempfile.TemporaryDirectory() as scratch:
        counted = Path(scratch) / "perf.csv"
        if shutil.which("perf"):
            command = ["perf", "stat", "-e", "task-clock", "-x", ",", "-o", str(counted), *command]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, cwd=checkout, capture_output=True, text=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if counted.is_file():  # "milliseconds,msec,task-clock,...": the last line
            cpu = float(counted.read_text().strip().splitlines()[-1].split(",")[0]) / 1000
    if done.returncode != 0:
        print(done.stdout[-2000:], file=sys.stderr)
    return wall, cpu, done.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("baseline", type=Path, help="a checkout of the commit to compare against")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    walls: dict[str, list[float]] = {"baseline": [], "this": []}
    cpus: dict[str, list[float]] = {"baseline": [], "this": []}
    print(f"{'run':<10} {'loop s':>7} {'wall s':>7} {'cpu s':>7}  passed")
    for _ in range(args.rounds):
        for name, checkout in (("baseline", args.baseline.resolve()), ("this", HERE)):
            loop = machine_loop()
            wall, cpu, passed = run_suite(checkout)
            walls[name].append(wall)
            cpus[name].append(cpu)
            print(f"{name:<10} {loop:7.2f} {wall:7.1f} {cpu:7.1f}  {passed}", flush=True)
    base, this = statistics.median(walls["baseline"]), statistics.median(walls["this"])
    median_cpu = {name: statistics.median(times) for name, times in cpus.items()}
    print(
        f"median wall: baseline {base:.1f} s, this {this:.1f} s; "
        f"median CPU: baseline {median_cpu['baseline']:.1f} s, this {median_cpu['this']:.1f} s"
    )
    print(f"ratio: {this / base:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
