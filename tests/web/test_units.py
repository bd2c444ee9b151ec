"""The station's parts without a server: accounts and tokens, packets in memory, the day's rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from clinic_handouts.web import commands
from clinic_handouts.web.core import HandoutError, Project, Visit
from clinic_handouts.web.day import FAILED, WAITING, load_day
from clinic_handouts.web.packets import PacketMemory
from clinic_handouts.web.store import Store

from .conftest import ROOT


def visit(visit_id: str) -> Visit:
    return Visit.model_validate(
        {
            "visit_id": visit_id,
            "date": "2026-12-01",
            "clinic": "example",
            "clinician": "Dr. A",
            "patient": {"name": "Test Person", "dob": "1950-01-01"},
            "handouts": ["botox"],
        }
    )


def test_accounts_and_tokens(tmp_path: Path) -> None:
    project = Project(ROOT)
    with pytest.raises(HandoutError, match="too short"):
        commands.add_user(project, "desk", "short", data_dir=tmp_path)
    with pytest.raises(HandoutError, match="not a valid user name"):
        commands.add_user(project, "../desk", "long enough password", data_dir=tmp_path)
    commands.add_user(project, "desk", "long enough password", data_dir=tmp_path)
    commands.add_user(project, "desk", "another long password", data_dir=tmp_path)  # a new password
    assert commands.list_users(project, data_dir=tmp_path) == ["desk"]
    token = commands.add_token(project, "ehr", data_dir=tmp_path)
    assert token.startswith("chs_") and len(token) > 40
    store = Store(tmp_path / "station.sqlite3")
    try:
        assert store.verify("desk", "another long password")
        assert not store.verify("desk", "long enough password")
        assert not store.verify("nobody", "another long password")
        assert store.token_user(token) == "ehr"
        assert store.token_user(token + "x") is None
        text = (tmp_path / "station.sqlite3").read_bytes()
        assert token.encode() not in text and b"another long password" not in text
    finally:
        store.close()
    commands.remove_user(project, "desk", data_dir=tmp_path)
    with pytest.raises(HandoutError, match="no user"):
        commands.remove_user(project, "desk", data_dir=tmp_path)
    assert oct((tmp_path / "station.sqlite3").stat().st_mode & 0o777) == "0o600"


def test_sessions_end_when_the_user_goes(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    try:
        store.add_user("desk", "long enough password")
        session_id, session = store.new_session("desk", 10)
        assert store.session(session_id) == session
        store.remove_user("desk")
        assert store.session(session_id) is None
        store.add_user("desk", "long enough password")
        session_id, _ = store.new_session("desk", -1)  # already expired
        assert store.session(session_id) is None
    finally:
        store.close()


def test_login_throttle_waits_longer_after_each_failure(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    try:
        keys = {"user:desk": 3}
        for _ in range(3):
            assert store.wait_seconds(keys, 900) == 0
            store.failed(list(keys))
        assert 25 <= store.wait_seconds(keys, 900) <= 30
        store.failed(list(keys))
        assert 55 <= store.wait_seconds(keys, 900) <= 60
        store.succeeded(list(keys))
        assert store.wait_seconds(keys, 900) == 0
    finally:
        store.close()


def test_packets_in_memory_are_bounded() -> None:
    memory = PacketMemory(max_bytes=250)
    for n in range(5):
        memory.put(visit(f"V{n}"), bytes(100), 2)
    assert memory.size <= 250
    assert memory.get("V0") is not None and memory.get("V0").data is None  # type: ignore[union-attr]
    assert memory.get("V4").data == bytes(100)  # type: ignore[union-attr]
    memory.clear()
    assert memory.get("V4") is None and memory.size == 0
    short = PacketMemory(max_bytes=1000, max_age=-1)
    short.put(visit("W1"), b"x", 1)
    assert short.get("W1") is None


def test_a_day_keeps_each_bad_rows_reasons_apart() -> None:
    text = (ROOT / "examples" / "schedule.csv").read_text(encoding="utf-8") + (
        "V9,2026-11-27,12:00,example,Dr. Lee,Ann Smith,1950-02-30,,en,maybe,botox,\n"
    )
    day = load_day(text, "upload", "desk", lambda v: [])
    assert [r.status for r in day.rows].count(WAITING) == 5
    bad = next(r for r in day.rows if r.status == FAILED)
    assert bad.row == 7 and bad.cells["patient_name"] == "Ann Smith"
    assert len(bad.reasons) == 2 and bad.reasons[0].startswith("dob: not a valid date; write it as YYYY-MM-DD")
    assert [r.time for r in day.rows][:2] == ["08:45", "09:30"]
    with pytest.raises(HandoutError, match="lacks column"):
        load_day("name,phone\nAnn,555\n", "upload", "desk", lambda v: [])
    assert dt.date(2026, 11, 27) == day.rows[0].visit.date  # type: ignore[union-attr]


def test_a_renderer_that_dies_is_replaced() -> None:
    """A worker killed mid-day fails only its own job; the pool starts another and goes on."""
    import asyncio

    from clinic_handouts.web.pool import Pool, RendererError, VariantStore

    async def scenario() -> None:
        pool = Pool("desk", 1, str(ROOT), VariantStore())
        await pool.start()
        try:
            assert await pool.call("ping") == "pong"
            first = pool._all[0].process
            first.kill()
            first.join(5)
            with pytest.raises(RendererError):
                await pool.call("ping")
            assert await pool.call("ping") == "pong"
            assert pool._all[0].process is not first and pool._all[0].process.is_alive()
        finally:
            pool.close()

    asyncio.run(scenario())


def test_a_renderer_lays_out_each_handout_once_and_sends_back_only_what_it_made(project: Project) -> None:
    """A renderer given a handout by another keeps it: its later packets neither lay the handout out
    again nor send it back to the station, which already holds it."""
    from clinic_handouts.web.workers import _Worker

    first, second = _Worker(str(project.root)), _Worker(str(project.root))
    two = visit("V-1").model_copy(update={"handouts": ["botox", "physical-therapy"]})
    built, made = first.packet(two, {}, True)
    assert set(made) == set(first.builder.variants(two))
    laid_out: list[str] = []
    lay_out = second.builder.renderer.write_pdf
    second.builder.renderer.write_pdf = lambda html: laid_out.append(html) or lay_out(html)  # type: ignore[method-assign]
    given = {v: d for v, d in made.items() if v.handout_id == "botox"}
    again, sent = second.packet(two, given, True)  # as the pool does: only what the renderer lacks
    assert again.data == built.data
    assert [v.handout_id for v in sent] == ["physical-therapy"] and len(laid_out) == 1
    for _ in range(2):  # the pool now knows this renderer holds both: it sends nothing
        later, sent = second.packet(two, {}, True)
        assert later.data == built.data and sent == {} and len(laid_out) == 1
