"""Start a print station in a child process on a free local port, for the tests, the benchmark and screenshots.

Why a real server rather than an in-process client: what the browser and the
benchmark see (uvicorn, the renderer processes, the access log) is what a
clinic runs. ``python -m clinic_handouts.web.launch ROOT DATA_DIR PORT`` runs
``commands.serve``; settings come from the environment as in production.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .config import ENV_DAY_WORKERS, ENV_DESK_WORKERS, ENV_PREWARM


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the station stopped at start (exit status {process.returncode})")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
            if answer.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("the station did not become ready in time")


@contextlib.contextmanager
def running_station(
    root: Path,
    data_dir: Path,
    *,
    desk: int = 2,
    day: int = 1,
    prewarm: bool = False,
    log: IO[bytes] | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[str]:
    """A station on 127.0.0.1 for the duration of the block; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        ENV_DESK_WORKERS: str(desk),
        ENV_DAY_WORKERS: str(day),
        ENV_PREWARM: "1" if prewarm else "0",
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "clinic_handouts.web.launch", str(root), str(data_dir), str(port)],
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def main(argv: list[str]) -> int:
    from .commands import serve
    from .core import Project

    root, data_dir, port = argv
    return serve(Project(Path(root)), "127.0.0.1", int(port), data_dir=Path(data_dir))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
