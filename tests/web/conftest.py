"""A real print station for the web tests: uvicorn and its renderer processes, on 127.0.0.1, data in tmp."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import pdf_text as poppler_text

from clinic_handouts.web import commands
from clinic_handouts.web.core import Project
from clinic_handouts.web.launch import running_station

ROOT = Path(__file__).resolve().parents[2]
#: the library the station serves: the fixture project's (small handouts, a schedule of its own)
FIXTURE = ROOT / "tests" / "fixtures" / "project"
PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


#: The station answers plain HTTP on 127.0.0.1, yet httpx builds an SSL context for every client it makes
#: (reading the CA bundle: 22 ms each, measured): the tests' clients share one.
SHARED_TLS = httpx.create_ssl_context()


@dataclass(frozen=True)
class Station:
    url: str
    token: str
    data_dir: Path
    log: Path
    project: Project

    def client(self, **options: Any) -> httpx.Client:
        """An HTTP client of the station (close it, or use it in a ``with`` block)."""
        return httpx.Client(base_url=self.url, verify=SHARED_TLS, **options)


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory, shared_renders: Path) -> Iterator[Station]:
    data_dir = tmp_path_factory.mktemp("station-data")
    root = tmp_path_factory.mktemp("station-project")
    for name in ("handouts", "clinics", "examples"):
        shutil.copytree(FIXTURE / name, root / name)
    for name in ("templates", "styles"):
        shutil.copytree(ROOT / name, root / name)
    project = Project(root)
    for name in ("desk", "browser", "throttled", "csrf"):
        commands.add_user(project, name, PASSWORD, data_dir=data_dir)
    token = commands.add_token(project, "ehr", data_dir=data_dir)
    log = tmp_path_factory.mktemp("station-log") / "station.log"
    schedules = tmp_path_factory.mktemp("schedules")  # the folder a practice system drops schedules in
    (schedules / "2026-11-27.csv").write_bytes((FIXTURE / "examples" / "schedule.csv").read_bytes())
    # the day's worker at normal priority: the other tests (xdist) must not starve it
    env = {"CLINIC_HANDOUTS_SCHEDULE_DIR": str(schedules), "CLINIC_HANDOUTS_DAY_NICENESS": "0"}
    # it lays out everything itself, and shares what it lays out with the tests that come later (hooks/)
    hooks = os.pathsep.join(filter(None, [str(ROOT / "tests" / "hooks"), os.environ.get("PYTHONPATH")]))
    env |= {"PYTHONPATH": hooks, "CLINIC_HANDOUTS_TEST_RENDERS": str(shared_renders)}
    with log.open("wb") as sink, running_station(root, data_dir, desk=2, day=1, log=sink, extra_env=env) as url:
        yield Station(url, token, data_dir, log, project)


def sign_in(client: httpx.Client, user: str, password: str = PASSWORD) -> str:
    """Sign in through the form as a browser would; returns the session's CSRF token."""
    form = client.get("/login")
    answer = client.post(
        "/login",
        data={"username": user, "password": password, "csrf_token": CSRF.search(form.text).group(1), "next": "/"},
    )  # type: ignore[union-attr]
    assert answer.status_code == 303, answer.text
    return CSRF.search(client.get("/").text).group(1)  # type: ignore[union-attr]


@pytest.fixture
def desk(station: Station) -> Iterator[tuple[httpx.Client, str]]:
    with station.client(timeout=60) as client:
        yield client, sign_in(client, "desk")


def pdf_text(data: bytes) -> tuple[str, int]:
    """All the text of a PDF (as poppler reads it) and its page count."""
    pages = poppler_text(data)
    return "\n".join(pages), len(pages)
