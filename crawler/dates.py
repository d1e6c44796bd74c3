"""Date parsing: printed date text + site language + site clock → aware datetime.

Persian dates are Solar Hijri and never go to dateparser (it reads ۱۴۰۳/۰۵/۱۲ as the
Gregorian year 1403 without complaint); they are converted with jdatetime. Numeric
day/month/year forms take a regex fast path; Vietnamese and Kazakh words (month names,
"Бүгін", "Кеше", "N giờ trước") go to dateparser with the language given, never guessed.
Relative dates resolve against the crawl time on the site's clock, and offsets come from the
tz database, so Kyzylorda's move from UTC+6 to UTC+5 on 2018-12-21 comes out right.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import jdatetime

from crawler.text import ascii_digits, clean_line, persian_letters

EARLIEST = datetime(1990, 1, 1, tzinfo=timezone.utc)

JALALI_MONTHS = {
    name: number
    for number, name in enumerate(
        ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
         "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"], start=1)
}
JALALI_MONTHS["امرداد"] = 5

_CLOCK = re.compile(r"(?<!\d)([01]?\d|2[0-3])[:٫h]([0-5]\d)(?::([0-5]\d))?(?!\d)")
_YMD = re.compile(r"(?<!\d)(\d{4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})(?!\d)")
_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{4})(?!\d)")
_JALALI_NAMED = re.compile(r"(?<!\d)(\d{1,2})\s+(" + "|".join(JALALI_MONTHS) + r")(?:\s*ماه)?\s+(\d{4})(?!\d)")
# Kazakh month names (nominative and short, as dateparser's kk data has them): "08 сәуір 2019 ж. 16:32"
# is read here directly; dateparser takes about a millisecond a date for the same answer.
NAMED_MONTHS = {
    "kk": {name: number for number, names in enumerate([
        ("қаң", "қаңтар"), ("ақп", "ақпан"), ("нау", "наурыз"), ("сәу", "сәуір"), ("мам", "мамыр"),
        ("мау", "маусым"), ("шіл", "шілде"), ("там", "тамыз"), ("қыр", "қыркүйек"), ("қаз", "қазан"),
        ("қар", "қараша"), ("жел", "желтоқсан")], start=1) for name in names},
}
_NAMED_DMY = re.compile(r"(\d{1,2}) (\w+) (\d{4})(?: ж\.)?(?: (?:[01]?\d|2[0-3]):[0-5]\d)?")
# "N hours/minutes ago" keeps its time of day; other texts without a clock mean midnight.
_RELATIVE_TIME = re.compile(r"giờ|phút|giây|сағат|минут|секунд", re.IGNORECASE)


class DateError(ValueError):
    """A date text that cannot be read, or reads to an implausible moment."""

    def __init__(self, reason: str, text: str):
        super().__init__(f"{reason}: {text!r}")
        self.reason = reason
        self.text = text


@lru_cache(maxsize=None)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def parse_date(text: str, language: str, tz: str, now: datetime | None = None) -> datetime:
    """The moment a page's date text names, on the site's clock (aware, with that day's offset).

    Raises DateError when nothing can be read or the result lies before 1990 or after tomorrow.
    """
    now = now or datetime.now(timezone.utc)
    cleaned = ascii_digits(clean_line(text or ""))
    if not cleaned:
        raise DateError("empty date", text)
    clock = _clock(cleaned)
    day = _jalali_day(cleaned) if language == "fa" else _numeric_day(cleaned)
    if day is None and language in NAMED_MONTHS:
        day = _named_day(cleaned, NAMED_MONTHS[language])
    if day is None and language != "fa":
        return _checked(_dateparser(cleaned, language, tz, now, clock), now, text)
    if day is None:
        raise DateError("unreadable date", text)
    moment = datetime.combine(day, clock or time(0, 0), tzinfo=zone(tz))
    return _checked(moment, now, text)


def _checked(moment: datetime, now: datetime, text: str) -> datetime:
    if not EARLIEST <= moment <= now + timedelta(days=1):
        raise DateError("implausible date", text)
    return moment


def _clock(text: str) -> time | None:
    match = _CLOCK.search(_DMY.sub(" ", _YMD.sub(" ", text)))
    if not match:
        return None
    hour, minute, second = match.groups()
    return time(int(hour), int(minute), int(second or 0))


def _jalali_day(text: str) -> date | None:
    text = persian_letters(text)
    named = _JALALI_NAMED.search(text)
    if named:
        day, month, year = int(named[1]), JALALI_MONTHS[named[2]], int(named[3])
    else:
        numeric = _YMD.search(text)
        if not numeric:
            return None
        year, month, day = (int(g) for g in numeric.groups())
    try:
        return jdatetime.date(year, month, day).togregorian()
    except ValueError as exc:
        raise DateError("impossible Jalali date", text) from exc


def _numeric_day(text: str) -> date | None:
    match = _DMY.search(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = _YMD.search(text)
        if not match:
            return None
        year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise DateError("impossible date", text) from exc


def _named_day(text: str, months: dict[str, int]) -> date | None:
    """Day, month name, year (and a clock) and nothing else; None leaves the text to dateparser."""
    match = _NAMED_DMY.fullmatch(text)
    if not match:
        return None
    month = months.get(match[2].lower())
    if month is None:
        return None
    try:
        return date(int(match[3]), month, int(match[1]))
    except ValueError:
        return None  # dateparser answers "unreadable" for an impossible day: let it say so


def _dateparser(text: str, language: str, tz: str, now: datetime, clock: time | None) -> datetime:
    import dateparser  # imported here: it takes a moment to load and Persian sites never need it

    local_now = now.astimezone(zone(tz)).replace(tzinfo=None)
    parsed = dateparser.parse(
        text,
        languages=[language],
        settings={"RELATIVE_BASE": local_now, "DATE_ORDER": "DMY", "PREFER_DATES_FROM": "past",
                  "RETURN_AS_TIMEZONE_AWARE": False},
    )
    if parsed is None:
        raise DateError("unreadable date", text)
    if clock is None and not _RELATIVE_TIME.search(text):
        parsed = datetime.combine(parsed.date(), time(0, 0))
    return parsed.replace(tzinfo=zone(tz))
