"""Text normalization: pure functions from page text to contract text.

The contract wants NFC, collapsed spaces, trimmed ends, paragraphs joined by one blank line,
Persian ی/ک on Persian sites, zero-width non-joiners kept and stray direction marks removed.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

PARAGRAPH_SEP = "\n\n"

# LRM, RLM, ALM and the embedding/override/isolate controls; ZWNJ (U+200C) and ZWJ are kept.
_DIRECTION_MARKS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069\ufeff]")
# Control characters that break a JSON Lines reader or a terminal; tab and newline are handled apart.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
# Every horizontal space, the non-breaking ones included (\s would also eat ZWNJ-free newlines).
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINE = re.compile(r"\n\s*\n")

_ARABIC_TO_PERSIAN = str.maketrans({"\u064a": "\u06cc", "\u0643": "\u06a9", "\u0649": "\u06cc"})
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def persian_letters(text: str) -> str:
    """Arabic yeh/kaf (and alef maksura) written by older CMSes → Persian ی/ک."""
    return text.translate(_ARABIC_TO_PERSIAN)


def ascii_digits(text: str) -> str:
    """Persian and Arabic-Indic digits → ASCII, for parsing numbers and dates (never for stored text)."""
    return text.translate(_DIGITS)


def clean_line(text: str) -> str:
    """One paragraph: NFC, no direction marks or controls, spaces collapsed, ends trimmed."""
    text = unicodedata.normalize("NFC", text)
    text = _DIRECTION_MARKS.sub("", text)
    text = _CONTROLS.sub(" ", text)
    text = _SPACES.sub(" ", text.replace("\r", "\n").replace("\n", " "))
    return text.strip()


def clean_text(text: str | None, language: str | None = None) -> str | None:
    """A text field: each paragraph cleaned, paragraphs joined by one blank line; empty → None."""
    if text is None:
        return None
    text = unicodedata.normalize("NFC", text)
    if language == "fa":
        text = persian_letters(text)
    return join_paragraphs(_BLANK_LINE.split(text.replace("\r\n", "\n"))) or None


def join_paragraphs(paragraphs: Iterable[str]) -> str:
    """Paragraphs in page order → one body text; lines inside a paragraph become spaces."""
    lines = (clean_line(p) for p in paragraphs)
    return PARAGRAPH_SEP.join(line for line in lines if line)


_NUMBER = re.compile(r"\d[\d\s\u00a0\u202f.,']*")


def parse_count(text: str | None) -> int | None:
    """'1 245 қарау', '1.245 lượt xem', '۱٬۲۴۵' → 1245; no digits → None.

    Thousands separators (space, dot, comma, Arabic ٬) are dropped: counts are whole numbers.
    """
    if not text:
        return None
    text = ascii_digits(text).replace("\u066c", "")
    match = _NUMBER.search(text)
    if not match:
        return None
    digits = re.sub(r"\D", "", match.group())
    return int(digits) if digits else None
