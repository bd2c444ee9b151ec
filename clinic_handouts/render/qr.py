"""The handout's web address as a QR code, so a phone can open the page.

segno draws it as SVG, embedded as a ``data:`` URI: no file and no network,
and WeasyPrint draws SVG as vectors, so it stays sharp at any print size.
"""

from __future__ import annotations

import functools

import segno

from clinic_handouts.content.models import Clinic, Handout

#: error correction level M: survives a fold or a smudge, stays small
ERROR = "m"


def web_address(handout: Handout, clinic: Clinic) -> str:
    """The handout's own ``web_address``, else the clinic's website + ``/handouts/ID``."""
    if handout.web_address:
        return str(handout.web_address)
    return f"{str(clinic.website).rstrip('/')}/handouts/{handout.id}"


def qr_code(url: str) -> segno.QRCode:
    return segno.make(url, error=ERROR, micro=False)


@functools.lru_cache(maxsize=256)
def qr_data_uri(url: str) -> str:
    """An SVG data URI of the QR code for ``url`` (dark modules only, quiet zone included).

    Kept per address: a library has few, and each handout's HTML is made again for every paper size,
    print size and packet it goes into (8 ms each time)."""
    return qr_code(url).svg_data_uri(scale=4, border=4, dark="#000", light="#fff", xmldecl=False, svgns=True)
