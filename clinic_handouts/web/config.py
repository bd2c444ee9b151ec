"""The station's settings: where its data lives, which clinic it serves, how many renderers it keeps.

Read once at start from arguments, else environment variables (so a service
unit or a container can set them), else defaults that suit one front desk
computer. Nothing here holds patient data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .core import Project

#: The account store and audit log live here unless told otherwise (must never be committed: see .gitignore).
DEFAULT_DATA_DIR = ".station"
ENV_DATA_DIR = "CLINIC_HANDOUTS_DATA_DIR"
ENV_SCHEDULE_DIR = "CLINIC_HANDOUTS_SCHEDULE_DIR"
ENV_SECURE_COOKIES = "CLINIC_HANDOUTS_SECURE_COOKIES"
ENV_DESK_WORKERS = "CLINIC_HANDOUTS_DESK_WORKERS"
ENV_DAY_WORKERS = "CLINIC_HANDOUTS_DAY_WORKERS"
ENV_PREWARM = "CLINIC_HANDOUTS_PREWARM"
ENV_DAY_NICENESS = "CLINIC_HANDOUTS_DAY_NICENESS"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def data_dir_for(project: Project, data_dir: Path | None = None) -> Path:
    """The folder of the account store: the argument, else $CLINIC_HANDOUTS_DATA_DIR, else <root>/.station."""
    if data_dir is not None:
        return Path(data_dir)
    from_env = os.environ.get(ENV_DATA_DIR)
    return Path(from_env) if from_env else project.root / DEFAULT_DATA_DIR


def _env_int(name: str, default: int, lowest: int = 1) -> int:
    try:
        return max(lowest, int(os.environ.get(name, default)))
    except ValueError:
        return default


@dataclass
class Settings:
    """One station: its project, clinic, data folder and limits."""

    project: Project
    clinic: str = "example"
    data_dir: Path | None = None
    #: a folder the clinic's system drops the day's schedule CSV into (optional)
    schedule_dir: Path | None = None
    #: set behind the clinic's TLS proxy, so the session cookie is sent over HTTPS only
    secure_cookies: bool = False
    session_hours: float = 10.0
    #: worker processes for single packets (desks, walk-ins, the API) and, apart, for the day's batch
    desk_workers: int = 2
    day_workers: int = 1
    #: the day's workers' CPU priority (``nice``): on a small machine the desks' packets get the cores first
    day_niceness: int = 10
    #: render every handout in the background at start, so the first packets are fast too
    prewarm: bool = True
    #: packets kept in memory for the pages (rebuilt on demand when pushed out)
    packet_memory_bytes: int = 256 * 1024 * 1024
    #: requests that may wait for a desk renderer before the station answers "busy"
    max_waiting: int = 100
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    #: login throttle: the longest a try waits after repeated failures (see ``security.throttle_keys``)
    login_max_wait_seconds: int = 15 * 60

    def __post_init__(self) -> None:
        self.data_dir = data_dir_for(self.project, self.data_dir)

    @property
    def store_path(self) -> Path:
        assert self.data_dir is not None
        return self.data_dir / "station.sqlite3"

    @classmethod
    def from_env(cls, project: Project, clinic: str = "example", data_dir: Path | None = None) -> Settings:
        """Settings for ``serve``: arguments first, then the environment."""
        schedule = os.environ.get(ENV_SCHEDULE_DIR)
        return cls(
            project=project,
            clinic=clinic,
            data_dir=data_dir,
            schedule_dir=Path(schedule) if schedule else None,
            secure_cookies=os.environ.get(ENV_SECURE_COOKIES, "").lower() in {"1", "yes", "true"},
            desk_workers=_env_int(ENV_DESK_WORKERS, 2),
            day_workers=_env_int(ENV_DAY_WORKERS, 1),
            prewarm=os.environ.get(ENV_PREWARM, "1").lower() not in {"0", "no", "false"},
            day_niceness=min(19, _env_int(ENV_DAY_NICENESS, 10, lowest=0)),
        )
