"""Screenshots of the print station's pages for the README: ``.venv/bin/python docs/screenshots/take.py``.

Starts a station on 127.0.0.1 with a throwaway account in a temporary folder,
loads ``examples/schedule.csv`` (plus one bad row, to show how reasons look),
and saves login.png, today.png, today-phone.png, new.png, packet.png,
library.png and docs.png here, using Debian's chromium-headless-shell (or chromium).
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from clinic_handouts.web import commands  # noqa: E402
from clinic_handouts.web.core import Project  # noqa: E402
from clinic_handouts.web.launch import running_station  # noqa: E402

BROWSER = shutil.which("chromium-headless-shell") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "screenshots only 1"
ALL_DRAWN = "() => [...document.querySelectorAll('%s')].every(i => i.naturalWidth > 0)"
BAD_ROW = "V20261127-006,2026-11-27,12:00,example,Dr. Sam Lee,Ann Smith,1950-02-30,RPS-012001,en,no,botx,\n"


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        commands.add_user(Project(ROOT), "frontdesk", PASSWORD, data_dir=data / "station")
        schedule = data / "schedule.csv"
        schedule.write_text((ROOT / "examples" / "schedule.csv").read_text(encoding="utf-8") + BAD_ROW, "utf-8")
        with running_station(ROOT, data / "station") as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=BROWSER, args=ARGS)
            page = browser.new_page(base_url=url, viewport={"width": 1280, "height": 860})
            page.goto("/login")
            page.get_by_label("User name").fill("frontdesk")
            page.screenshot(path=HERE / "login.png")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(re.compile(r"/$"))
            page.get_by_label(re.compile("Schedule file")).set_input_files(str(schedule))
            page.get_by_role("button", name="Load schedule").click()
            page.get_by_text("5 of 5 packets ready").wait_for(timeout=60_000)
            page.screenshot(path=HERE / "today.png", full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            page.screenshot(path=HERE / "today-phone.png")
            page.set_viewport_size({"width": 1280, "height": 860})
            page.goto("/new")
            page.get_by_label("Patient's name").fill("Rosa Delgado")
            page.get_by_label("Clinician").fill("Dr. Ana Morales")
            page.get_by_label("Find a handout").fill("inj")
            page.get_by_role("checkbox", name=re.compile("Epidural")).check()
            page.get_by_role("button", name=re.compile("Make packet")).click()
            page.locator("#dob-error").wait_for()
            page.screenshot(path=HERE / "new.png", full_page=True)
            page.get_by_label("Date of birth").fill("1957-08-14")
            page.get_by_label("Language").select_option("es")
            page.get_by_role("button", name=re.compile("Make packet")).click()
            page.get_by_role("heading", name="Packet ready").wait_for()
            page.wait_for_function(ALL_DRAWN % ".previews img")
            page.screenshot(path=HERE / "packet.png")
            page.goto("/library")
            page.wait_for_function(ALL_DRAWN % ".library img", timeout=60_000)
            page.screenshot(path=HERE / "library.png")
            page.goto("/docs")
            page.screenshot(path=HERE / "docs.png")
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
