"""The print station through one real server: the API as the medical record uses it, the pages over HTTP,
and the pages in a real browser (Debian's chromium-headless-shell, driven by Playwright).

One module, so that pytest-xdist (``--dist loadfile``) runs every test here on one worker and one station
(uvicorn and its renderer processes) serves them all; a second station would cost about 17 s of CPU.
Each PDF a page or the API offers is checked: it is the packet or handout that was asked for (its text,
its pages, its identifiers).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import playwright.sync_api as playwright_api
import pytest
import yaml

from clinic_handouts.content.library import Project
from clinic_handouts.web.core import PacketBuilder, Visit

from .conftest import CSRF, FIXTURE, PASSWORD, Station, pdf_text, sign_in


def in_chromium(test):
    """A test that drives Debian's chromium-headless-shell (``pytest -m "not browser"`` leaves these out)."""
    return pytest.mark.browser(test)


# --- the API, as the medical record uses it: tokens, PDF and FHIR answers, problems by field ---------------
VISIT: dict[str, Any] = yaml.safe_load((FIXTURE / "examples" / "visit-botox.yaml").read_text(encoding="utf-8"))
THREE = {
    **copy.deepcopy(VISIT),
    "visit_id": "API-3",
    "handouts": ["botox", "physical-therapy", "epidural-steroid-injection"],
}


def api(station: Station) -> httpx.Client:
    return station.client(timeout=60, headers={"authorization": f"Bearer {station.token}"})


def as_json(data: dict[str, Any]) -> dict[str, Any]:
    return Visit.model_validate(data).model_dump(mode="json", exclude_none=True)


def test_health_needs_no_sign_in(station: Station) -> None:
    with station.client() as client:
        answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ready"


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer chs_not-a-token"}, {"authorization": "Basic eDp5"}])
def test_api_refuses_without_a_valid_token(station: Station, headers: dict[str, str]) -> None:
    for method, path in (("POST", "/api/packets"), ("GET", "/api/handouts"), ("GET", "/openapi.json")):
        with station.client() as client:
            answer = client.request(method, path, headers=headers, json=as_json(VISIT))
        assert answer.status_code == 401, path
        assert answer.headers["www-authenticate"] == "Bearer"
        assert "Traceback" not in answer.text


@pytest.mark.parametrize("path", ["/", "/new", "/library", "/docs", "/packets/V20261127-001.pdf", "/today/all.pdf"])
def test_pages_redirect_to_login(station: Station, path: str) -> None:
    with station.client() as client:
        answer = client.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/login?next={path}"


@pytest.mark.fresh_renders  # laid out here too, not replayed from what the station shared
def test_packet_is_the_packet_commands_bytes(station: Station) -> None:
    with api(station) as client:
        answer = client.post("/api/packets", json=as_json(THREE))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == 'inline; filename="2026-11-27_API-3.pdf"'
    assert answer.headers["cache-control"] == "no-store"
    expected = PacketBuilder(station.project).build(Visit.model_validate(THREE), duplex=True)
    assert answer.content == expected.data
    text, pages = pdf_text(answer.content)
    assert pages == expected.pages
    assert "José Álvarez-Núñez" in text
    for title in ("Botox", "Physical Therapy", "Epidural Steroid Injection"):
        assert title in text


def test_packet_as_fhir_document_reference(station: Station) -> None:
    with api(station) as client:
        answer = client.post("/api/packets", json=as_json(VISIT), headers={"accept": "application/fhir+json"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/fhir+json")
    resource = answer.json()
    assert resource["resourceType"] == "DocumentReference"
    assert resource["status"] == "current"
    assert resource["subject"]["display"] == "José Álvarez-Núñez"
    assert resource["context"]["encounter"][0]["identifier"]["value"] == VISIT["visit_id"]
    attachment = resource["content"][0]["attachment"]
    pdf = base64.b64decode(attachment["data"])
    assert attachment["contentType"] == "application/pdf"
    assert attachment["size"] == len(pdf)
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(pdf).digest()).decode()
    assert "José Álvarez-Núñez" in pdf_text(pdf)[0]


def test_bad_visit_answers_422_with_every_field(station: Station) -> None:
    bad = as_json(VISIT)
    bad["patient"]["dob"] = "1961-13-03"
    bad["handouts"] = ["botox", "no-such-handout"]
    del bad["clinician"]
    bad["visit_id"] = "has spaces"
    with api(station) as client:
        answer = client.post("/api/packets", json=bad)
        fields = {p["field"] for p in answer.json()["problems"]}
        assert answer.status_code == 422
        assert fields == {"patient.dob", "clinician", "visit_id"}
        # references are checked once the fields are valid: every unknown handout is named by its place
        answer = client.post("/api/packets", json=as_json(VISIT) | {"handouts": ["botx", "nope"]})
        assert answer.status_code == 422
        problems = answer.json()["problems"]
        assert [p["field"] for p in problems] == ["handouts.0", "handouts.1"]
        assert "did you mean 'botox'" in problems[0]["message"]
        answer = client.post("/api/packets", content=b"{not json", headers={"content-type": "application/json"})
        assert answer.status_code == 422
        assert answer.json()["problems"][0]["field"] == "body"
    for text in (answer.text, str(problems)):
        assert "Traceback" not in text
        assert "José" not in text


def test_handouts_list(station: Station) -> None:
    with api(station) as client:
        answer = client.get("/api/handouts")
    assert answer.status_code == 200
    handouts = {h["id"]: h for h in answer.json()["handouts"]}
    assert set(handouts) == set(station.project.handout_ids())
    botox = handouts["botox"]
    assert botox["title"] == "Botox"
    assert set(botox["languages"]) == {"en", "es", "vi", "ar"}
    assert isinstance(botox["reading_grade"], float)
    assert botox["review_status"] in {"approved", "sample"}
    assert botox["next_review_due"]


def test_ten_desks_at_once_while_a_day_is_made(station: Station, desk: tuple[httpx.Client, str]) -> None:
    """Ten packets asked for at once are all answered while a day of 120 visits is still being made."""
    client, csrf = desk
    rows = ["visit_id,date,time,clinic,clinician,patient_name,dob,mrn,language,large_print,handouts,note"]
    handouts = THREE["handouts"]  # rendered by the tests above: the day is all packets, no handout to render
    for n in range(120):
        chosen = ";".join(handouts[(n + k) % len(handouts)] for k in range(1 + n % 3))
        rows.append(
            f"D{n:03d},2026-12-02,{8 + n // 20:02d}:{(n % 20) * 3:02d},example,Dr. Lee,Test Person {n},"
            f"1960-01-{1 + n % 28:02d},,en,no,{chosen},"
        )
    upload = client.post(
        "/today/upload",
        data={"csrf_token": csrf},
        files={"schedule": ("day.csv", "\n".join(rows).encode(), "text/csv")},
    )
    assert upload.status_code == 303, upload.text

    def one(n: int) -> int:
        with api(station) as api_client:
            visit = {**as_json(VISIT), "visit_id": f"DESK-{n}"}
            return api_client.post("/api/packets", json=visit).status_code

    with ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(one, range(10)))
    status = client.get("/today/status").json()
    assert statuses == [200] * 10
    assert status["building"], "the desks' packets should not have waited for the day's batch"
    clear = client.post("/today/clear", data={"csrf_token": csrf})
    assert clear.status_code == 303


# --- sessions, CSRF, the login throttle, schedule uploads and what the station leaves behind ---------------
SCHEDULE = (FIXTURE / "examples" / "schedule.csv").read_bytes()
NAMES = ("José Álvarez-Núñez", "Margaret O'Brien", "Nguyễn Thị Hoa", "王秀英", "فاطمة الزهراء")


def test_session_cookie_is_httponly_lax_and_ends_in_a_working_day(station: Station) -> None:
    with station.client() as client:
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
    with station.client() as client:
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
    with station.client() as client:
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


# --- the pages in a real browser ------------------------------------------------------------------------------
#: Chromium's headless shell (what Playwright itself runs headless): the same Blink and V8 as Debian's chromium,
#: without the desktop browser around them. The four browser tests took 7 to 11 s less CPU than with chromium.
#: Where only chromium is installed, the tests run on it.
CHROMIUM = shutil.which("chromium-headless-shell") or shutil.which("chromium") or "/usr/bin/chromium-headless-shell"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: object, station: Station) -> Iterator[object]:
    context = browser.new_context(base_url=station.url, viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


def sign_in_page(page: object, user: str = "browser") -> None:
    page.goto("/")  # type: ignore[attr-defined]
    assert "/login" in page.url  # type: ignore[attr-defined]
    page.get_by_label("User name").fill(user)  # type: ignore[attr-defined]
    page.get_by_label("Password").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r"/$"))  # type: ignore[attr-defined]


def fetch_pdf(page: object, href: str) -> tuple[str, int]:
    answer = page.request.get(href)  # type: ignore[attr-defined]
    assert answer.status == 200, href
    assert answer.headers["content-type"] == "application/pdf"
    return pdf_text(answer.body())


@in_chromium
def test_load_the_day_and_open_packets(page: object) -> None:
    sign_in_page(page)
    page.get_by_label(re.compile("Schedule file")).set_input_files(str(FIXTURE / "examples" / "schedule.csv"))  # type: ignore[attr-defined]
    page.get_by_role("button", name="Load schedule").click()  # type: ignore[attr-defined]
    page.get_by_text("5 of 5 packets ready").wait_for()  # type: ignore[attr-defined]
    rows = page.locator("table.visits tbody tr")  # type: ignore[attr-defined]
    assert rows.count() == 5
    assert rows.nth(0).locator("td").nth(0).inner_text() == "08:45"  # earliest first
    row = page.locator("tr", has_text="V20261127-003")  # type: ignore[attr-defined]
    assert "Nguyễn Thị Hoa" in row.inner_text()
    href = row.get_by_role("link", name="Open packet").get_attribute("href")
    text, pages = fetch_pdf(page, href)
    assert "Nguyễn Thị Hoa" in text and "1975" in text
    assert "Pain Log" in text  # the visit's second handout, in English: none in Vietnamese
    shown = row.locator(".status .sub").inner_text()
    assert shown == f"{pages} pages"
    everything = page.get_by_role("link", name=re.compile("Print all")).get_attribute("href")  # type: ignore[attr-defined]
    text, total = fetch_pdf(page, everything)
    for name in ("José Álvarez-Núñez", "Margaret O'Brien", "Nguyễn Thị Hoa"):
        assert name in text
    assert total >= 5 * 3
    page.get_by_role("button", name="Clear the day").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Load the day's schedule").wait_for()  # type: ignore[attr-defined]


@in_chromium
def test_walk_in_packet_with_validation_and_preview(page: object) -> None:
    sign_in_page(page)
    page.get_by_role("link", name="New packet").click()  # type: ignore[attr-defined]
    page.get_by_label("Patient's name").fill("Walk In Tester")  # type: ignore[attr-defined]
    page.get_by_role("button", name=re.compile("Make packet")).click()  # type: ignore[attr-defined]
    # nothing picked, no date of birth: told beside each field, what was typed is kept
    page.locator("#dob-error").wait_for()  # type: ignore[attr-defined]
    assert page.locator("#handouts-error").inner_text() == "Pick at least one handout."  # type: ignore[attr-defined]
    assert page.get_by_label("Patient's name").input_value() == "Walk In Tester"  # type: ignore[attr-defined]
    assert page.locator("#clinician-error").inner_text() == "Fill this in."  # type: ignore[attr-defined]
    page.get_by_label("Date of birth").fill("1958-06-07")  # type: ignore[attr-defined]
    page.get_by_label("Clinician").fill("Dr. Sam Lee")  # type: ignore[attr-defined]
    page.get_by_label("Find a handout").fill("therapy")  # type: ignore[attr-defined]
    visible = page.locator("#handout-list li:visible")  # type: ignore[attr-defined]
    assert visible.count() == 1
    visible.get_by_role("checkbox").check()
    page.get_by_label("Find a handout").fill("epi ster")  # type: ignore[attr-defined]
    page.get_by_role("checkbox", name=re.compile("Epidural Steroid Injection")).check()  # type: ignore[attr-defined]
    page.get_by_label("Large print (18 pt, wide margins)").check()  # type: ignore[attr-defined]
    page.get_by_role("button", name=re.compile("Make packet")).click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Packet ready").wait_for()  # type: ignore[attr-defined]
    previews = page.locator(".previews img")  # type: ignore[attr-defined]
    previews.first.wait_for()
    page.wait_for_function("() => [...document.querySelectorAll('.previews img')].every(i => i.naturalWidth > 0)")  # type: ignore[attr-defined]
    text, pages = fetch_pdf(page, page.get_by_role("link", name="Open PDF to print").get_attribute("href"))  # type: ignore[attr-defined]
    assert "Walk In Tester" in text and "1958" in text
    assert "Physical Therapy" in text and "Epidural Steroid Injection" in text
    assert page.locator(".facts").get_by_text(re.compile(rf"^{pages} \(large print\)$")).count() == 1  # type: ignore[attr-defined]
    assert previews.count() == min(pages, 12)


@in_chromium
def test_fix_a_bad_row_then_print_it(page: object, tmp_path: object) -> None:
    sign_in_page(page)
    schedule = tmp_path / "day.csv"  # type: ignore[operator]
    schedule.write_text(
        (FIXTURE / "examples" / "schedule.csv").read_text(encoding="utf-8")
        + "V20261127-009,2026-11-27,13:00,example,Dr. Lee,Rae Fixme,1950-02-30,,en,no,botox,\n",
        encoding="utf-8",
    )
    page.get_by_label(re.compile("Schedule file")).set_input_files(str(schedule))  # type: ignore[attr-defined]
    page.get_by_role("button", name="Load schedule").click()  # type: ignore[attr-defined]
    row = page.locator("tr", has_text="V20261127-009")  # type: ignore[attr-defined]
    assert "dob: not a valid date" in row.inner_text()
    row.get_by_role("link", name="Fix and print").click()
    assert page.get_by_label("Patient's name").input_value() == "Rae Fixme"  # type: ignore[attr-defined]
    page.get_by_label("Date of birth").fill("1950-02-28")  # type: ignore[attr-defined]
    page.get_by_role("button", name=re.compile("Make packet")).click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Packet ready").wait_for()  # type: ignore[attr-defined]
    text, _ = fetch_pdf(page, "/packets/V20261127-009.pdf")
    assert "Rae Fixme" in text and "Botox" in text
    page.goto("/")  # type: ignore[attr-defined]
    assert "Ready" in page.locator("tr", has_text="V20261127-009").inner_text()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Clear the day").click()  # type: ignore[attr-defined]


@in_chromium
def test_browse_the_library(page: object) -> None:
    sign_in_page(page)
    # Only Botox's picture is checked: the others (each a handout rendered, then drawn) are not fetched.
    page.route(re.compile(r"/library/(?!botox/)[^/]+/en\.png$"), lambda route: route.abort())  # type: ignore[attr-defined]
    page.get_by_role("link", name="Library").click()  # type: ignore[attr-defined]
    cards = page.locator(".library > li")  # type: ignore[attr-defined]
    assert cards.count() == len(Project(FIXTURE).handout_ids())  # every handout of the library
    botox = page.locator("#handout-botox")  # type: ignore[attr-defined]
    assert "Reading grade" in botox.inner_text() and "Next review due" in botox.inner_text()
    botox.locator("img").scroll_into_view_if_needed()
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('#handout-botox img').naturalWidth > 0"
    )
    text, pages = fetch_pdf(page, botox.get_by_role("link", name=re.compile("Spanish")).get_attribute("href"))
    spanish_title = yaml.safe_load((FIXTURE / "handouts" / "botox.es.yaml").read_text(encoding="utf-8"))["title"]
    assert spanish_title in text and pages >= 2
    assert "Prepared for" not in text  # a handout on its own: no patient
