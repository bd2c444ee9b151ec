"""Dates and XMP metadata: the document information mirrored in XMP, naming PDF/A-3u and PDF/UA-1 when claimed.

The XMP carries the PDF/A extension schema PDF/A requires for ``pdfuaid``;
it is built from the document information so that the two always agree.
Every file is dated by one helper, ``creation_date``.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, timedelta
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import pikepdf
from pikepdf import Name

PDFA_PART, PDFA_CONFORMANCE, PDFUA_PART = "3", "U", "1"
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
}


def creation_date(day: date, *, source_date_epoch: bool = True) -> datetime:
    """When a file was made, for its metadata: the day at midnight UTC, so rebuilding gives the same bytes.

    A handout is dated by its review, and SOURCE_DATE_EPOCH overrides that (reproducible builds); a packet
    and its FHIR record are dated by the visit, always (``source_date_epoch=False``).
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip() if source_date_epoch else ""
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def set_dates(pdf: pikepdf.Pdf, moment: datetime) -> None:
    """The document information's creation and modification dates."""
    pdf.docinfo["/CreationDate"] = pikepdf.String(pdf_date(moment))
    pdf.docinfo["/ModDate"] = pikepdf.String(pdf_date(moment))


def pdf_date(moment: datetime) -> str:
    """A PDF date string in UTC, e.g. D:20261127000000Z."""
    return moment.astimezone(UTC).strftime("D:%Y%m%d%H%M%SZ")


def parse_pdf_date(value: str) -> datetime | None:
    """D:YYYYMMDDHHmmSS with Z or +HH'mm' (or nothing: taken as UTC)."""
    match = re.match(r"D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(Z|[+-]\d{2}'?\d{2}'?)?", value)
    if not match:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    moment = datetime(
        int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0), int(second or 0), tzinfo=UTC
    )
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace("'", "")
        moment -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
    return moment


def xmp_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_EXTENSION = """
  <rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
      xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
   <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
    <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
    <pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
    <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
    <pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
     <pdfaProperty:name>part</pdfaProperty:name>
     <pdfaProperty:valueType>Integer</pdfaProperty:valueType>
     <pdfaProperty:category>internal</pdfaProperty:category>
     <pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>
    </rdf:li></rdf:Seq></pdfaSchema:property>
   </rdf:li></rdf:Bag></pdfaExtension:schemas>
  </rdf:Description>"""


def _alt(tag: str, text: str) -> str:
    return f'<{tag}><rdf:Alt><rdf:li xml:lang="x-default">{escape(text)}</rdf:li></rdf:Alt></{tag}>'


def xmp_packet(info: pikepdf.Object, *, claim: bool) -> bytes:
    """XMP metadata mirroring the document information; with ``claim``, PDF/A-3u and PDF/UA-1.

    Written by hand rather than edited with pikepdf's ``open_metadata`` so that
    it is byte-for-byte deterministic (no MetadataDate of "now").
    """

    def text(key: str) -> str | None:
        return str(info[key]) if key in info else None

    fields: list[str] = []
    if claim:
        fields += [
            f"<pdfaid:part>{PDFA_PART}</pdfaid:part>",
            f"<pdfaid:conformance>{PDFA_CONFORMANCE}</pdfaid:conformance>",
            f"<pdfuaid:part>{PDFUA_PART}</pdfuaid:part>",
        ]
    if (title := text("/Title")) is not None:
        fields.append(_alt("dc:title", title))
    if (author := text("/Author")) is not None:
        fields.append(f"<dc:creator><rdf:Seq><rdf:li>{escape(author)}</rdf:li></rdf:Seq></dc:creator>")
    if (subject := text("/Subject")) is not None:
        fields.append(_alt("dc:description", subject))
    if (keywords := text("/Keywords")) is not None:
        fields.append(f"<pdf:Keywords>{escape(keywords)}</pdf:Keywords>")
    if (producer := text("/Producer")) is not None:
        fields.append(f"<pdf:Producer>{escape(producer)}</pdf:Producer>")
    if (creator := text("/Creator")) is not None:
        fields.append(f"<xmp:CreatorTool>{escape(creator)}</xmp:CreatorTool>")
    for key, tag in (("/CreationDate", "xmp:CreateDate"), ("/ModDate", "xmp:ModifyDate")):
        if (value := text(key)) is not None and (moment := parse_pdf_date(value)) is not None:
            fields.append(f"<{tag}>{xmp_date(moment)}</{tag}>")
    body = "\n   ".join(fields)
    xml = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
      xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
      xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
   {body}
  </rdf:Description>{_EXTENSION if claim else ""}
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return xml.encode("utf-8")


def write_metadata(pdf: pikepdf.Pdf, *, claim: bool) -> None:
    """Replace the XMP metadata by one built from the document information."""
    stream = pdf.make_stream(xmp_packet(pdf.docinfo, claim=claim))
    stream.Type = Name.Metadata
    stream.Subtype = Name.XML
    pdf.Root.Metadata = stream


def _xmp(pdf: pikepdf.Pdf) -> ElementTree.Element | None:
    metadata = pdf.Root.get("/Metadata")
    if metadata is None:
        return None
    try:
        return ElementTree.fromstring(metadata.read_bytes())
    except ElementTree.ParseError:
        return None


def xmp_values(pdf: pikepdf.Pdf) -> dict[str, str]:
    """XMP properties as {prefix:name: text}, from attributes or elements, first value of Alt/Seq."""
    tree = _xmp(pdf)
    out: dict[str, str] = {}
    if tree is None:
        return out
    reverse = {uri: prefix for prefix, uri in NS.items()}
    for description in tree.iter(f"{{{NS['rdf']}}}Description"):
        for key, value in description.attrib.items():
            uri, _, local = key[1:].partition("}")
            if uri in reverse and reverse[uri] != "rdf":
                out[f"{reverse[uri]}:{local}"] = value
        for child in description:
            uri, _, local = child.tag[1:].partition("}")
            if uri not in reverse:
                continue
            items = [li.text or "" for li in child.iter(f"{{{NS['rdf']}}}li")]
            out[f"{reverse[uri]}:{local}"] = items[0] if items else (child.text or "")
    return out
