"""The HTTP API as the medical record uses it: tokens, PDF and FHIR answers, problems by field."""

from __future__ import annotations

import base64
import copy
import hashlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import yaml

from clinic_handouts.web.core import PacketBuilder, Visit

from .conftest import ROOT, Station, pdf_text

pytestmark = pytest.mark.xdist_group(name="web")  # one station for all web tests (with --dist loadgroup)

VISIT: dict[str, Any] = yaml.safe_load((ROOT / "examples" / "visit-botox.yaml").read_text(encoding="utf-8"))
THREE = {
    **copy.deepcopy(VISIT),
    "visit_id": "API-3",
    "handouts": ["botox", "physical-therapy", "facet-joint-injection"],
}


def api(station: Station) -> httpx.Client:
    return httpx.Client(base_url=station.url, timeout=60, headers={"authorization": f"Bearer {station.token}"})


def as_json(data: dict[str, Any]) -> dict[str, Any]:
    return Visit.model_validate(data).model_dump(mode="json", exclude_none=True)


def test_health_needs_no_sign_in(station: Station) -> None:
    answer = httpx.get(f"{station.url}/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ready"


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer chs_not-a-token"}, {"authorization": "Basic eDp5"}])
def test_api_refuses_without_a_valid_token(station: Station, headers: dict[str, str]) -> None:
    for method, path in (("POST", "/api/packets"), ("GET", "/api/handouts"), ("GET", "/openapi.json")):
        answer = httpx.request(method, f"{station.url}{path}", headers=headers, json=as_json(VISIT))
        assert answer.status_code == 401, path
        assert answer.headers["www-authenticate"] == "Bearer"
        assert "Traceback" not in answer.text


@pytest.mark.parametrize("path", ["/", "/new", "/library", "/docs", "/packets/V20261127-001.pdf", "/today/all.pdf"])
def test_pages_redirect_to_login(station: Station, path: str) -> None:
    answer = httpx.get(f"{station.url}{path}")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/login?next={path}"


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
    for title in ("Botox", "Physical Therapy", "Facet Joint Injection"):
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
