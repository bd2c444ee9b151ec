"""The pages in a real browser (Debian's chromium, driven by Playwright) against a real server.

Each PDF a page offers is fetched with the browser's own session and checked:
it is the packet or handout that was asked for (its text, its pages, its
identifiers).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pytest

from .conftest import PASSWORD, ROOT, Station, pdf_text

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group(name="web"),  # one station for all web tests (with --dist loadgroup)
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed"),
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


def sign_in(page: object, user: str = "browser") -> None:
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


def test_load_the_day_and_open_packets(page: object) -> None:
    sign_in(page)
    page.get_by_label(re.compile("Schedule file")).set_input_files(str(ROOT / "examples" / "schedule.csv"))  # type: ignore[attr-defined]
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
    assert "Facet Joint Injection" in text or "Inyección" in text or "Facet" in text
    shown = row.locator(".status .sub").inner_text()
    assert shown == f"{pages} pages"
    everything = page.get_by_role("link", name=re.compile("Print all")).get_attribute("href")  # type: ignore[attr-defined]
    text, total = fetch_pdf(page, everything)
    for name in ("José Álvarez-Núñez", "Margaret O'Brien", "Nguyễn Thị Hoa"):
        assert name in text
    assert total >= 5 * 6
    page.get_by_role("button", name="Clear the day").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Load the day's schedule").wait_for()  # type: ignore[attr-defined]


def test_walk_in_packet_with_validation_and_preview(page: object) -> None:
    sign_in(page)
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


def test_fix_a_bad_row_then_print_it(page: object, tmp_path: object) -> None:
    sign_in(page)
    schedule = tmp_path / "day.csv"  # type: ignore[operator]
    schedule.write_text(
        (ROOT / "examples" / "schedule.csv").read_text(encoding="utf-8")
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


def test_browse_the_library(page: object) -> None:
    sign_in(page)
    page.get_by_role("link", name="Library").click()  # type: ignore[attr-defined]
    cards = page.locator(".library > li")  # type: ignore[attr-defined]
    assert cards.count() == 6
    botox = page.locator("#handout-botox")  # type: ignore[attr-defined]
    assert "Reading grade" in botox.inner_text() and "Next review due" in botox.inner_text()
    botox.locator("img").scroll_into_view_if_needed()
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('#handout-botox img').naturalWidth > 0"
    )
    text, pages = fetch_pdf(page, botox.get_by_role("link", name=re.compile("Spanish")).get_attribute("href"))
    assert "Bótox" in text and pages >= 2
    assert "Prepared for" not in text  # a handout on its own: no patient
