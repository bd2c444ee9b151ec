"""Translations of the words the templates print themselves, and locale formatting.

Catalogs live in ``clinic_handouts/locale/LANG/LC_MESSAGES/messages.po``; they
are compiled in memory when first used, so no binary ``.mo`` file is kept in
the repository. English needs no catalog.
"""

from __future__ import annotations

import gettext
import io
from datetime import date, time
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark a string for extraction without translating it yet."""
    return message


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The gettext catalog for a language; English (or an unknown one) falls back to the source."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not po.is_file():
        return gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def has_catalog(language: str) -> bool:
    """Whether the templates' own words can be printed in this language."""
    return language == "en" or (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").is_file()


def available_languages() -> list[str]:
    """Languages with a catalog, English first."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/messages.po"))
    return ["en", *[lang for lang in found if lang != "en"]]


def is_known_language(language: str) -> bool:
    try:
        Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return False
    return True


def month_year(value: date, language: str) -> str:
    """'November 2026' in the reader's language ('noviembre de 2026', 'tháng 11 năm 2026')."""
    return format_skeleton("yMMMM", value, locale=language.replace("-", "_"))


#: Long date patterns where the CLDR data Babel ships reads wrongly to patients
#: (Vietnamese "1 tháng 11, 2026": the year needs "năm").
LONG_DATE_PATTERNS = {"vi": "d 'tháng' M 'năm' y"}


def long_date(value: date, language: str) -> str:
    """'November 26, 2026' in the reader's language."""
    pattern = LONG_DATE_PATTERNS.get(language.split("-")[0], "long")
    return format_date(value, pattern, locale=language.replace("-", "_"))


def short_time(value: time, language: str) -> str:
    """A time as the language writes it: "9:30 AM" in English, "9:30" in Spanish."""
    return format_time(value, "short", locale=language.replace("-", "_"))


def text_direction(language: str) -> str:
    """'rtl' for right-to-left scripts such as Arabic, otherwise 'ltr'."""
    try:
        order = Locale.parse(language.replace("-", "_")).character_order
    except (UnknownLocaleError, ValueError):
        return "ltr"
    return "rtl" if order == "right-to-left" else "ltr"
