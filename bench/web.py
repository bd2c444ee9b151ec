#!/usr/bin/env python3
"""Benchmark of the print station (not a test): a warm server on 127.0.0.1, measured from outside.

    python bench/web.py [--duration 60] [--clients 10] [--samples 50] [--day 0]

Starts a station (``clinic_handouts.web.launch``: uvicorn, 2 desk renderers, 1
for the day's batch, the library rendered at start) with a throwaway API token
in a temporary folder, then measures:

1. time to first byte of one packet of three handouts, asked for one after
   another (``--samples`` times): p50 and p95 (target: p95 under 0.3 s);
2. ``--clients`` clients asking for such packets at once, each for a new
   visit, for ``--duration`` seconds: requests per second, p50, p95 and errors
   (target: 0). With ``--day N`` a schedule of N visits is loaded first, so
   the desks are measured while the day's batch is being made;
3. the memory of the server and its renderers (RSS) at the end.

Every loop is bounded (by time and by count); it talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clinic_handouts.web import commands  # noqa: E402
from clinic_handouts.web.core import Project  # noqa: E402
from clinic_handouts.web.launch import running_station  # noqa: E402

VISIT = {
    "visit_id": "BENCH-0",
    "date": "2026-12-01",
    "time": "09:30",
    "clinic": "example",
    "clinician": "Dr. Ana Morales",
    "patient": {"name": "José Álvarez-Núñez", "dob": "1961-04-03", "mrn": "RPS-004512", "language": "en"},
    "handouts": ["botox", "physical-therapy", "facet-joint-injection"],
    "note": "Your next visit is in 12 weeks.",
}
MAX_REQUESTS_PER_CLIENT = 100_000
PASSWORD = "benchmark only 1"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def ttfb(client: httpx.Client, visit_id: str) -> tuple[float, float, int]:
    """Seconds to the first byte of the answer and to its last, and the status."""
    started = time.perf_counter()
    with client.stream("POST", "/api/packets", json={**VISIT, "visit_id": visit_id}) as answer:
        chunks = answer.iter_raw()
        next(chunks, b"")
        first = time.perf_counter() - started
        for _ in chunks:
            pass
    return first, time.perf_counter() - started, answer.status_code


def rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MiB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        found = re.search(r"VmRSS:\s+(\d+) kB", status)
        total += int(found.group(1)) if found else 0
    return total / 1024


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) used so far by a process, and by its descendants together."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(stat.parent.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    descendants, todo = 0.0, [p for p, (parent, _) in stats.items() if parent == pid]
    while todo:
        current = todo.pop()
        descendants += stats[current][1]
        todo += [p for p, (parent, _) in stats.items() if parent == current]
    return stats.get(pid, (0, 0.0))[1], descendants


def server_pid(port: int) -> int | None:
    """The pid of the process listening on the port (to measure its memory)."""
    for stat in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = stat.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"clinic_handouts.web.launch" in command and str(port).encode() in command:
            return int(stat.parent.name)
    return None


def day_csv(visits: int) -> bytes:
    handouts = [
        "botox",
        "epidural-steroid-injection",
        "facet-joint-injection",
        "physical-therapy",
        "radiofrequency-ablation",
        "spinal-cord-stimulation",
    ]
    rows = ["visit_id,date,time,clinic,clinician,patient_name,dob,mrn,language,large_print,handouts,note"]
    for n in range(visits):
        chosen = ";".join(handouts[(n + k) % len(handouts)] for k in range(1 + n % 4))
        language = ("en", "es", "en", "vi")[n % 4]
        rows.append(
            f"DAY{n:04d},2026-12-01,{7 + n // 30:02d}:{(n % 30) * 2:02d},example,Dr. Lee,Patient Number {n},"
            f"1950-01-{1 + n % 28:02d},,{language},{'yes' if n % 9 == 0 else 'no'},{chosen},"
        )
    return "\n".join(rows).encode()


def load_day(url: str, data_dir: Path, visits: int) -> httpx.Client:
    """Sign in as a desk and load a day of ``visits``; returns the signed-in client."""
    commands.add_user(Project(ROOT), "bench", PASSWORD, data_dir=data_dir)
    client = httpx.Client(base_url=url, timeout=60)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)  # type: ignore[union-attr]
    answer = client.post(
        "/today/upload", data={"csrf_token": csrf}, files={"schedule": ("day.csv", day_csv(visits), "text/csv")}
    )
    if answer.status_code != 303:
        raise SystemExit(f"could not load the day: {answer.status_code}")
    return client


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--day", type=int, default=0, help="load a schedule of N visits before the load test")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        token = commands.add_token(Project(ROOT), "bench", data_dir=data_dir)
        started = time.perf_counter()
        with running_station(ROOT, data_dir, desk=2, day=1, prewarm=True) as url:
            print(f"station ready in {time.perf_counter() - started:.1f} s at {url}")
            headers = {"authorization": f"Bearer {token}"}
            with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
                # warm: the library is rendered in the background at start; wait for it, then a few packets
                deadline = time.monotonic() + 180
                while time.monotonic() < deadline and not client.get("/health").json().get("library_rendered"):
                    time.sleep(0.5)
                print(f"library rendered {time.perf_counter() - started:.1f} s after start")
                for n in range(5):
                    ttfb(client, f"BENCH-W{n}")
                samples = [ttfb(client, f"BENCH-T{n}") for n in range(args.samples)]
            firsts = [s[0] for s in samples]
            wholes = [s[1] for s in samples]
            bad = sum(1 for s in samples if s[2] != 200)
            print(
                f"time to first byte, one 3-handout packet, warm ({args.samples} in a row): "
                f"p50 {statistics.median(firsts) * 1000:.0f} ms, p95 {percentile(firsts, 0.95) * 1000:.0f} ms "
                f"(whole answer p95 {percentile(wholes, 0.95) * 1000:.0f} ms); errors: {bad}"
            )

            desk = load_day(url, data_dir, args.day) if args.day else None
            loaded = time.perf_counter()
            if desk is not None:
                print(f"loaded a day of {args.day} visits; its batch is made while {args.clients} clients ask")
            latencies: list[float] = []
            errors: list[str] = []
            lock = threading.Lock()
            stop_at = time.monotonic() + args.duration

            def client_loop(number: int) -> None:
                with httpx.Client(base_url=url, headers=headers, timeout=120) as own:
                    for n in range(MAX_REQUESTS_PER_CLIENT):
                        if time.monotonic() >= stop_at:
                            return
                        try:
                            _, whole, status = ttfb(own, f"BENCH-C{number}-{n}")
                        except httpx.HTTPError as exc:
                            with lock:
                                errors.append(type(exc).__name__)
                            continue
                        with lock:
                            latencies.append(whole)
                            if status != 200:
                                errors.append(str(status))

            threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(args.clients)]
            pid = server_pid(int(url.rsplit(":", 1)[1]))
            cpu_before = cpu_seconds(pid) if pid else (0.0, 0.0)
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - began
            if latencies:
                print(
                    f"{args.clients} clients for {elapsed:.0f} s: {len(latencies) / elapsed:.1f} requests/s, "
                    f"p50 {statistics.median(latencies) * 1000:.0f} ms, "
                    f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
                    f"errors: {len(errors)}{' (' + ', '.join(sorted(set(errors))) + ')' if errors else ''}"
                )
            if pid and latencies:
                server_cpu, workers_cpu = (
                    after - before for after, before in zip(cpu_seconds(pid), cpu_before, strict=True)
                )
                print(
                    f"CPU meanwhile: server process {server_cpu:.1f} s, renderer processes {workers_cpu:.1f} s "
                    f"(of {elapsed * (os.cpu_count() or 1):.0f} core-seconds; the clients use the rest)"
                )
            if desk is not None:
                counts = desk.get("/today/status").json()["counts"]
                print(
                    f"the day's batch meanwhile: {counts['ready']} of {args.day} packets made, {counts['error']} failed"
                )
                deadline = time.monotonic() + 900  # then the rest of the day, with the desks quiet
                while time.monotonic() < deadline and desk.get("/today/status").json()["building"]:
                    time.sleep(0.25)
                counts = desk.get("/today/status").json()["counts"]
                print(
                    f"the whole day: {counts['ready']} of {args.day} packets made {time.perf_counter() - loaded:.1f} s "
                    f"after loading, {counts['error']} failed"
                )
                desk.close()
            if pid:
                print(f"memory: {rss_mib(pid):.0f} MiB for the server and its renderer processes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
