"""Sessions, CSRF, the login throttle, schedule uploads and what the station leaves behind, over HTTP."""

from __future__ import annotations

import re

import httpx
import pytest

from .conftest import CSRF, PASSWORD, ROOT, Station, sign_in

pytestmark = pytest.mark.xdist_group(name="web")  # one station for all web tests (with --dist loadgroup)

SCHEDULE = (ROOT / "examples" / "schedule.csv").read_bytes()
NAMES = ("José Álvarez-Núñez", "Margaret O'Brien", "Nguyễn Thị Hoa", "王秀英", "فاطمة الزهراء")


def test_session_cookie_is_httponly_lax_and_ends_in_a_working_day(station: Station) -> None:
    with httpx.Client(base_url=station.url) as client:
        form = client.get("/login")
        answer = client.post(
            "/login", data={"username": "desk", "password": PASSWORD, "csrf_token": CSRF.search(form.text).group(1)}
        )  # type: ignore[union-attr]
    cookie = next(v for k, v in answer.headers.multi_items() if k == "set-cookie" and "station_session=" in v)
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    max_age = int(re.search(r"Max-Age=(\d+)", cookie).group(1))  # type: ignore[union-attr]
    assert 8 * 3600 <= max_age <= 12 * 3600


def test_forms_without_the_csrf_token_are_refused(station: Station) -> None:
    with httpx.Client(base_url=station.url) as client:
        csrf = sign_in(client, "csrf")
        for path, data in (("/new", {"patient_name": "X"}), ("/today/clear", {}), ("/logout", {})):
            assert client.post(path, data=data).status_code == 403
            assert client.post(path, data={**data, "csrf_token": "wrong"}).status_code == 403
        upload = client.post("/today/upload", files={"schedule": ("s.csv", SCHEDULE, "text/csv")})
        assert upload.status_code == 403
        # the API, called with the session cookie instead of a token, needs the token in a header
        assert client.post("/api/packets", json={}).status_code == 403
        assert client.post("/today/clear", data={"csrf_token": csrf}).status_code == 303
        # the login form has its own token
        assert client.post("/login", data={"username": "csrf", "password": PASSWORD}).status_code == 403


def test_wrong_passwords_are_slowed_down(station: Station) -> None:
    with httpx.Client(base_url=station.url) as client:
        token = CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
        statuses = [
            client.post(
                "/login", data={"username": "throttled", "password": f"wrong-{n}", "csrf_token": token}
            ).status_code
            for n in range(5)
        ]
        assert statuses == [401] * 5
        # now even the right password waits
        answer = client.post("/login", data={"username": "throttled", "password": PASSWORD, "csrf_token": token})
        assert answer.status_code == 429
        assert "Wait" in answer.text
        assert "station_session" not in answer.headers.get("set-cookie", "")


def test_an_upload_that_is_not_a_schedule_gets_one_clear_message(
    station: Station, desk: tuple[httpx.Client, str]
) -> None:
    client, csrf = desk
    cases = {
        "not UTF-8": ("s.csv", "visit_id,date\nV1,2026-11-27\n".encode("utf-16"), "not UTF-8"),
        "wrong columns": ("s.csv", b"name,phone\nAnn,555\n", "lacks column"),
        "not CSV": ("s.pdf", b"%PDF-1.7\n...", "not a CSV file"),
        "too large": ("s.csv", b"x" * (5 * 1024 * 1024 + 70 * 1024), "larger than 5 MB"),
        "empty": ("s.csv", b"", "empty"),
    }
    for name, (filename, data, expected) in cases.items():
        answer = client.post(
            "/today/upload", data={"csrf_token": csrf}, files={"schedule": (filename, data, "text/csv")}
        )
        assert answer.status_code in {400, 413}, name
        messages = re.findall(r'<p class="alert" role="alert" id="message">(.*?)</p>', answer.text, re.S)
        assert len(messages) == 1 and expected in messages[0], (name, messages)


def test_bad_rows_show_their_reasons_and_good_rows_their_packets(
    station: Station, desk: tuple[httpx.Client, str]
) -> None:
    client, csrf = desk
    text = SCHEDULE.decode() + (
        "V20261127-006,2026-11-27,12:00,example,Dr. Lee,Ann Smith,1950-02-30,,en,no,botox,\n"
        "V20261127-007,2026-11-27,12:30,example,Dr. Lee,Bo Li,1950-02-03,,en,no,botx,\n"
    )
    assert (
        client.post(
            "/today/upload", data={"csrf_token": csrf}, files={"schedule": ("s.csv", text.encode(), "text/csv")}
        ).status_code
        == 303
    )
    page = client.get("/").text
    assert "dob: not a valid date" in page
    assert "did you mean &#39;botox&#39;" in page
    assert page.count("Fix and print") == 2
    fix = client.get("/new", params={"row": 7}).text
    assert 'value="Ann Smith"' in fix and "Row 7 of the schedule" in fix
    assert client.post("/today/clear", data={"csrf_token": csrf}).status_code == 303


def test_no_patient_detail_in_the_log_or_the_data_folder(station: Station, desk: tuple[httpx.Client, str]) -> None:
    client, csrf = desk
    assert (
        client.post(
            "/today/upload", data={"csrf_token": csrf}, files={"schedule": ("s.csv", SCHEDULE, "text/csv")}
        ).status_code
        == 303
    )
    assert client.get("/packets/V20261127-002.pdf").status_code in {200, 404}  # 404 if not made yet
    client.post(
        "/new",
        data={
            "csrf_token": csrf,
            "patient_name": "Zed Unlikelyname",
            "dob": "1950-01-01",
            "clinician": "Dr. Lee",
            "date": "2026-12-01",
            "handouts": "botox",
            "language": "en",
        },
    )
    log = station.log.read_text(encoding="utf-8", errors="replace")
    assert "GET /health" in log  # the access log is there ...
    for name in (*NAMES, "Zed Unlikelyname", "1961-04-03"):
        assert name not in log  # ... without a patient's detail
    files = sorted(p.name for p in station.data_dir.iterdir())
    assert set(files) <= {"station.sqlite3", "station.sqlite3-wal", "station.sqlite3-shm"}
    database = b"".join((station.data_dir / f).read_bytes() for f in files)
    for name in (*NAMES, "Zed Unlikelyname"):
        assert name.encode() not in database
    assert client.post("/today/clear", data={"csrf_token": csrf}).status_code == 303


def test_security_headers(station: Station, desk: tuple[httpx.Client, str]) -> None:
    client, _ = desk
    answer = client.get("/")
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"
    assert "https://" not in answer.text.replace("https://riverside-pain.example", "")


def test_a_schedule_from_the_clinics_folder(station: Station, desk: tuple[httpx.Client, str]) -> None:
    client, csrf = desk
    assert "<option>2026-11-27.csv</option>" in client.get("/").text
    assert client.post("/today/folder", data={"csrf_token": csrf, "file": "../../etc/passwd"}).status_code == 404
    assert client.post("/today/folder", data={"csrf_token": csrf, "file": "2026-11-27.csv"}).status_code == 303
    status = client.get("/today/status").json()
    assert status["loaded"] and len(status["rows"]) == 5
    assert client.post("/today/clear", data={"csrf_token": csrf}).status_code == 303
