"""Packets held in memory for the pages, and only as long as needed.

Why memory and a bound: a packet carries the patient's name and date of
birth, so it is never written to disk; a day of 200 packets must not grow
the server without limit either. The least recently used packets are
dropped past the bound; a page that asks for one again gets it rebuilt from
the visit (the same bytes: packets are deterministic). A walk-in's packet is
forgotten after a working day; clearing the day drops everything.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from .core import Visit


@dataclass(frozen=True)
class Held:
    """A visit and, while it fits, its packet's bytes."""

    visit: Visit
    data: bytes | None
    pages: int
    fallbacks: tuple[str, ...] = ()


class PacketMemory:
    """Visits by id (small) and their packets' bytes (large, bounded, least recently used dropped first)."""

    def __init__(self, max_bytes: int, max_age: float = 10 * 3600) -> None:
        self.max_bytes = max_bytes
        self.max_age = max_age
        self._visits: dict[str, Held] = {}
        self._made: dict[str, float] = {}
        self._bytes: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def put(self, visit: Visit, data: bytes, pages: int, fallbacks: tuple[str, ...] = ()) -> None:
        key = visit.visit_id
        with self._lock:
            self._expire()
            self._drop_bytes(key)
            self._visits[key] = Held(visit, None, pages, fallbacks)
            self._made[key] = time.monotonic()
            if len(data) <= self.max_bytes:
                self._bytes[key] = data
                self._size += len(data)
                while self._size > self.max_bytes:
                    oldest = next(iter(self._bytes))
                    self._drop_bytes(oldest)

    def get(self, visit_id: str) -> Held | None:
        with self._lock:
            self._expire()
            held = self._visits.get(visit_id)
            if held is None:
                return None
            data = self._bytes.get(visit_id)
            if data is not None:
                self._bytes.move_to_end(visit_id)
            return Held(held.visit, data, held.pages, held.fallbacks)

    def forget(self, visit_id: str) -> None:
        with self._lock:
            self._drop_bytes(visit_id)
            self._visits.pop(visit_id, None)
            self._made.pop(visit_id, None)

    def clear(self) -> None:
        with self._lock:
            self._visits.clear()
            self._made.clear()
            self._bytes.clear()
            self._size = 0

    @property
    def size(self) -> int:
        return self._size

    def _expire(self) -> None:
        cutoff = time.monotonic() - self.max_age
        for key in [k for k, made in self._made.items() if made < cutoff]:
            self._drop_bytes(key)
            self._visits.pop(key, None)
            self._made.pop(key, None)

    def _drop_bytes(self, key: str) -> None:
        data = self._bytes.pop(key, None)
        if data is not None:
            self._size -= len(data)
