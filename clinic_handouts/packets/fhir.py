"""A packet as a FHIR R4 DocumentReference, for write-back to the patient's chart.

The JSON holds the PDF (base64) and the patient's name and MRN by nature: it
is protected health information. Its file name does not carry any:
``DATE_VISITID.fhir.json``, beside ``DATE_VISITID.pdf``. Written by hand as
plain JSON (no FHIR library at run time); the tests validate it with the
``fhir.resources`` R4B models.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from clinic_handouts.content.models import Clinic
from clinic_handouts.content.visits import Visit
from clinic_handouts.files import write_atomic
from clinic_handouts.pdf.xmp import creation_date

LOINC = "http://loinc.org"
US_CORE_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"
#: identifier systems local to the clinic (an EHR integration replaces them with its own)
MRN_SYSTEM = "urn:clinic-handouts:mrn"
VISIT_SYSTEM = "urn:clinic-handouts:visit"


def document_reference(visit: Visit, clinic: Clinic, pdf: bytes, title: str, language: str) -> dict[str, Any]:
    """The DocumentReference resource for one packet, as JSON-ready data."""
    # The same moment the packet carries as its creation date.
    moment = creation_date(visit.date, source_date_epoch=False).isoformat().replace("+00:00", "Z")
    subject: dict[str, Any] = {"display": visit.patient.name}
    if visit.patient.mrn:
        subject["identifier"] = {
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
            "system": MRN_SYSTEM,
            "value": visit.patient.mrn,
        }
    return {
        "resourceType": "DocumentReference",
        "status": "current",
        "type": {
            "coding": [{"system": LOINC, "code": "34895-3", "display": "Education note"}],
            "text": "Patient education handouts",
        },
        "category": [{"coding": [{"system": US_CORE_CATEGORY, "code": "clinical-note", "display": "Clinical Note"}]}],
        "subject": subject,
        "date": moment,
        "author": [{"display": clinic.name}],
        "description": title,
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "language": language,
                    "data": base64.b64encode(pdf).decode("ascii"),
                    "size": len(pdf),
                    "hash": base64.b64encode(hashlib.sha1(pdf).digest()).decode("ascii"),
                    "title": title,
                    "creation": moment,
                },
            }
        ],
        "context": {"encounter": [{"identifier": {"system": VISIT_SYSTEM, "value": visit.visit_id}}]},
    }


def write_document_reference(
    packet_path: Path, visit: Visit, clinic: Clinic, pdf: bytes, title: str, language: str
) -> Path:
    """Write ``FILE.fhir.json`` beside the packet ``FILE.pdf``, atomically; returns its path."""
    resource = document_reference(visit, clinic, pdf, title, language)
    data = (json.dumps(resource, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return write_atomic(packet_path.with_suffix(".fhir.json"), data)
