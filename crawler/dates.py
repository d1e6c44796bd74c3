"""Date reading: printed date text + site language + site clock → aware datetime, or a refusal.

A wrong date is worse than none, so the reader accounts for every part of a text that could belong
to a date (numbers that fit a day, month, year or clock; month and weekday names; 12-hour
designators; UTC offsets; relative words). Each must take its place in one reading, or the text is
refused with a DateError; plain words (labels, section and agency names) and numbers that cannot be
date parts (a news id, a view count) are passed over. Two readings that disagree are refused too.

How a text is read, in order:
1. normalized: NFC, ASCII digits, Persian ی/ک, a zero-width non-joiner as a space, lower case;
2. clocks (`14:05`, `3:15:00 CH`, `۹:۴۲ ب.ظ`, `10:00+05:00`), printed offsets (`GMT +5`) and
   numeric dates (`۱۴۰۲/۰۷/۲۶`, `15/12/2017`, `24.10.2025`, `2025-01-23`) by regular expressions;
3. the rest split into words and numbers; words looked up in `crawler.date_words`; the kinds of
   the tokens, one letter each, matched against the shapes a date takes (day month year, month
   day year, year day month, a lunar Hijri date, a relative day, "N units ago").
Solar Hijri dates are converted with jdatetime (never dateparser, which reads ۱۴۰۳/۰۵/۱۲ as the
Gregorian year 1403); a Gregorian date on the same page must agree with it, a lunar Hijri date is
passed over (its days follow local sighting). A printed weekday chooses between the day/month orders
a country allows; when none agrees, the country's usual reading stands and the mismatch is noted.
Offsets come from the tz database (Kyzylorda moved from UTC+6 to UTC+5 on 2018-12-21, Iran dropped
daylight time in 2022) unless the text prints one, which wins for that moment.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

import jdatetime

from crawler.date_words import AFTER_NOON, BEFORE_NOON, EITHER_HALF, LONGEST, TWELVE_HOUR, WORDS, Word
from crawler.text import ascii_digits, clean_line, persian_letters

EARLIEST = datetime(1990, 1, 1, tzinfo=timezone.utc)
WEEKDAY_MISMATCH = "weekday mismatch"

# Day/month orders of a numeric date with the year last, the usual one first. Vietnamese sites on
# an English-configured CMS print month/day/year: read only where the day/month one is impossible
# or a printed weekday says so.
NUMERIC_ORDERS = {"fa": ("dm",), "kk": ("dm",), "vi": ("dm", "md")}

_FOLD = str.maketrans({"\u200c": " ", "\u200d": None, "\u0640": None, "\u0623": "\u0627", "\u0625": "\u0627",
                       "\u0629": "\u0647", "\u2212": "-", "\u2013": "-", "\u2014": "-", "\u060c": ",",
                       "\u066b": ":"})


def _alternatives(words: str) -> str:
    names = sorted(words.split("|"), key=len, reverse=True)
    return "|".join(re.escape(name).replace(r"\.", r"\.?\s?").replace(r"\ ", r"\s?") for name in names)


_LETTER_AFTER = r"(?![^\W\d_])"
_CLOCK = re.compile(
    r"(?<![\d:])(?P<h>\d{1,2})\s?[:h]\s?(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.\d{1,6}(?![\d.]))?)?(?![\d:])"
    rf"(?:\s*(?:(?P<am>{_alternatives(BEFORE_NOON)})|(?P<pm>{_alternatives(AFTER_NOON)})"
    rf"|(?P<either>{_alternatives(EITHER_HALF)})){_LETTER_AFTER})?"
    r"(?P<off>\s*\(?(?:gmt|utc)\s*(?:(?P<sign>[+-])\s*(?P<oh>\d{1,2})(?::?(?P<om>\d{2}))?(?!\d))?\)?"
    r"|\s?(?P<sign2>[+-])(?P<oh2>\d{2}):?(?P<om2>\d{2})(?![\d/.-])|(?P<zulu>z)" + _LETTER_AFTER + ")?")
_OFFSET = re.compile(r"(?<![^\W\d_])\(?(?:gmt|utc)(?:\s*(?P<sign>[+-])\s*(?P<oh>\d{1,2})(?::?(?P<om>\d{2}))?(?!\d))?"
                     r"\)?" + _LETTER_AFTER)
_NUMERIC = re.compile(r"(?<![\d/.:-])(?:(?P<y1>\d{4})\s?(?P<s1>[/.-])\s?(?P<m1>\d{1,2})\s?(?P=s1)\s?(?P<d1>\d{1,2})"
                      r"|(?P<a2>\d{1,2})\s?(?P<s2>[/.-])\s?(?P<b2>\d{1,2})\s?(?P=s2)\s?(?P<y2>\d{4}))"
                      r"(?![\d/:]|[.-]\d)")
# A count printed with thousands separators ("1.245 lượt xem", "1 245 қарау") is one number, not a date part.
_GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?:[., ]\d{3})+(?![\d]|[.,]\d)")
_STRAY_HALF = re.compile(r"(?<![^\W\d_])(?:ق|ب)\.?\s?ظ" + _LETTER_AFTER)
_TOKEN = re.compile(r"\d+|[^\W\d_]+")
# Token kinds (see crawler.date_words) in a row, one letter each; numbers are d (1-31), z (0, 32-59),
# y (a year: 1300-1499 Solar or lunar Hijri, 1900-2099 Gregorian) or n (cannot be a date part).
_SHAPES = re.compile(
    r"D?(?P<a_d>d)(?P<a_m>[jg])K?Y?(?P<a_y>y)Y?"      # ۴ بهمن ۱۴۰۳, 21 Ақпан, 2025, ngày 8 tháng 5 năm 2013
    r"|(?P<b_m>[jg])K?(?P<b_d>d)(?P<b_y>y)Y?"         # Tháng Năm 8, 2013, January 23, 2025
    r"|(?P<c_y>y)Y?(?P<c_d>d)(?P<c_m>[jg])K?"         # 2023 жылғы 1 қаңтар
    r"|d?hK?Y?y?"                                     # ۲۲ رجب ۱۴۴۶: lunar Hijri, passed over
    r"|(?P<r>r)"                                      # Бүгін, hôm qua
    r"|(?P<n>[dzn])(?P<u>[uD])a")                     # 3 giờ trước, 2 күн бұрын
_DATE_LIKE = frozenset("dzyjghrMH")
PLAIN: Word = ("x", 0, False)  # a word of no date: passed over, but it separates the parts of a date


class DateError(ValueError):
    """A date text that cannot be read, or reads to an implausible moment."""

    def __init__(self, reason: str, text: str):
        super().__init__(f"{reason}: {text!r}")
        self.reason = reason
        self.text = text


@dataclass(frozen=True)
class Reading:
    """The moment a text names, and what was noticed on the way (e.g. a weekday that disagrees)."""

    moment: datetime
    notes: tuple[str, ...] = ()
    #: the text printed a time of day (or was relative): a machine moment does not replace it
    timed: bool = True


@lru_cache(maxsize=None)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def parse_date(text: str, language: str, tz: str, now: datetime | None = None) -> datetime:
    """The moment a page's date text names, on the site's clock (aware, with that day's offset).

    Raises DateError when the text is not a date read whole, or names a moment before 1990 or
    after tomorrow.
    """
    return read_date(text, language, tz, now).moment


def machine_moment(value: str, tz: str) -> datetime:
    """A page's machine publication moment (`<time datetime>`, `article:published_time`, a CMS
    API's date; ISO 8601, UTC where it names no offset, as WordPress's date_gmt) on the site's
    clock; ValueError when it is not one."""
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone(tz)).replace(microsecond=0)


def on_printed_day(printed: datetime, machine: str, tz: str) -> datetime:
    """A printed day without a time, timed by a machine moment of the page: that moment to the
    second on the site's clock, on the printed day, with that day's offset."""
    local = machine_moment(machine, tz).time().replace(tzinfo=None)
    return datetime.combine(printed.date(), local, tzinfo=zone(tz))


def read_date(text: str, language: str, tz: str, now: datetime | None = None) -> Reading:
    """parse_date with its notes: the pipeline counts a printed weekday that disagrees."""
    now = now or datetime.now(timezone.utc)
    normalized = normalize(text or "")
    if not normalized:
        raise DateError("empty date", text)
    facts = _Facts(text, language, now.astimezone(zone(tz)))
    rest = _CLOCK.sub(facts.clock, normalized)
    rest = _OFFSET.sub(facts.offset, rest)
    rest = _NUMERIC.sub(facts.numeric, rest)
    rest = _GROUPED.sub(" 000000 ", rest)
    if _STRAY_HALF.search(rest):
        raise DateError("unaccounted date part", text)
    facts.words(_TOKEN.findall(rest))
    return facts.reading(zone(tz))


def normalize(text: str) -> str:
    """The text as the reader sees it: NFC, ASCII digits, Persian letters, ZWNJ as space, lower case."""
    return persian_letters(ascii_digits(clean_line(text))).translate(_FOLD).lower()


class _Facts:
    """What the parts of one text say, gathered as the text is read; `reading` puts them together."""

    def __init__(self, text: str, language: str, local_now: datetime):
        self.text, self.language, self.local_now = text, language, local_now
        self.days: list[list[date]] = []  # each: the readings one printed date allows, usual first
        self.clocks: set[time] = set()
        self.offsets: set[int] = set()    # minutes east of UTC
        self.weekdays: set[int] = set()
        self.ago: list[timedelta] = []

    def refuse(self, reason: str) -> DateError:
        return DateError(reason, self.text)

    def clock(self, match: re.Match) -> str:
        hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"] or 0)
        half = match["am"] or match["pm"]
        if half:
            # 12 AM is midnight and 12 PM noon; "15:54 PM" says the same twice; "12 tối" is unclear
            last = 12 if re.sub(r"[.\s]", "", half) in TWELVE_HOUR else 11
            if not (1 <= hour <= last or match["pm"] and 13 <= hour <= 23):
                raise self.refuse("unreadable clock")
            hour = hour % 12 + (12 if match["pm"] else 0)  # 13-23 PM stay as they are
        elif match["either"]:
            raise self.refuse("unreadable clock")
        if hour > 23 or minute > 59 or second > 59:
            raise self.refuse("impossible clock")
        self.clocks.add(time(hour, minute, second))
        if match["off"] is not None:
            self._offset(match["sign"] or match["sign2"], match["oh"] or match["oh2"], match["om"] or match["om2"])
        return " "

    def offset(self, match: re.Match) -> str:
        self._offset(match["sign"], match["oh"], match["om"])
        return " "

    def _offset(self, sign: str | None, hours: str | None, minutes: str | None) -> None:
        total = int(hours or 0) * 60 + int(minutes or 0)
        if total > 14 * 60 or int(minutes or 0) % 15:
            raise self.refuse("impossible offset")  # offsets in use are whole quarter hours, at most 14 h
        self.offsets.add(-total if sign == "-" else total)

    def numeric(self, match: re.Match) -> str:
        if match["y1"]:
            year, orders = int(match["y1"]), [(int(match["m1"]), int(match["d1"]))]
        else:
            year, first, second = int(match["y2"]), int(match["a2"]), int(match["b2"])
            orders = [(second, first) if order == "dm" else (first, second)
                      for order in NUMERIC_ORDERS.get(self.language, ("dm",))]
        jalali = self.language == "fa" and 1300 <= year <= 1499
        days = []
        for month, day in orders:
            try:
                found = _calendar_day(jalali, year, month, day)
            except ValueError:
                continue
            if found not in days:
                days.append(found)
        if not days:
            raise self.refuse("impossible date")
        self.days.append(days)
        return " "

    def words(self, words: list[str]) -> None:
        tokens = _tokens(words)
        kinds = []
        for kind, value, weak in tokens:
            if kind == "w":
                self.weekdays.add(value)
            else:
                kinds.append((kind, value, weak))
        row = "".join(kind for kind, _, _ in kinds)
        used = [False] * len(row)
        for shape in _SHAPES.finditer(row):
            used[shape.start():shape.end()] = [True] * (shape.end() - shape.start())
            self._shape(shape, kinds)
        for (kind, _, weak), taken in zip(kinds, used):
            if not taken and kind in _DATE_LIKE and not weak:
                raise self.refuse("unaccounted date part")
            if kind == "P" and any(clock.hour <= 12 for clock in self.clocks):
                raise self.refuse("unaccounted date part")  # "chiều 3:00": which half is meant?

    def _shape(self, shape: re.Match, kinds: list[Word]) -> None:
        for prefix in "abc":
            if shape[f"{prefix}_d"] is not None:
                day, month, year = (kinds[shape.start(f"{prefix}_{part}")] for part in "dmy")
                if month[0] == "j" and not 1300 <= year[1] <= 1499 or month[0] == "g" and year[1] < 1900:
                    raise self.refuse("calendar mismatch")
                try:
                    self.days.append([_calendar_day(month[0] == "j", year[1], month[1], day[1])])
                except ValueError:
                    raise self.refuse("impossible date") from None
                return
        if shape["r"]:
            self.days.append([self.local_now.date() + timedelta(days=kinds[shape.start("r")][1])])
        elif shape["u"]:
            count, unit = kinds[shape.start("n")][1], kinds[shape.start("u")][1]
            if count * unit > (self.local_now - EARLIEST).total_seconds():
                # before 1990 (and beyond what a date can hold: "20000000 giờ trước")
                raise self.refuse("implausible date")
            if unit < 86400:
                self.ago.append(timedelta(seconds=count * unit))
            else:
                self.days.append([self.local_now.date() - timedelta(seconds=count * unit)])

    def reading(self, site_zone: ZoneInfo) -> Reading:
        if len(self.clocks) > 1 or len(self.offsets) > 1 or len(self.weekdays) > 1:
            raise self.refuse("conflicting dates")
        if self.ago:
            if len(self.ago) > 1 or self.days or self.clocks or self.offsets:
                raise self.refuse("conflicting dates")
            now = self.local_now.replace(microsecond=0)
            return Reading(_plausible((now - self.ago[0]).astimezone(site_zone), self.local_now, self.text))
        if not self.days:
            raise self.refuse("unreadable date")
        candidates = self.days[0]
        for other in self.days[1:]:
            candidates = [day for day in candidates if day in other]
        if not candidates:
            raise self.refuse("conflicting dates")
        notes: tuple[str, ...] = ()
        if self.weekdays:
            (weekday,) = self.weekdays
            agreeing = [day for day in candidates if day.weekday() == weekday]
            if agreeing:
                candidates = agreeing
            else:
                notes = (WEEKDAY_MISMATCH,)
        clock = next(iter(self.clocks), time(0, 0))
        where: tzinfo = site_zone
        if self.offsets:
            where = timezone(timedelta(minutes=next(iter(self.offsets))))
        moment = datetime.combine(candidates[0], clock, tzinfo=where)
        return Reading(_plausible(moment, self.local_now, self.text), notes, timed=bool(self.clocks))


def _tokens(words: list[str]) -> list[Word]:
    """Words and numbers → kinds; the longest phrase of the table wins ("thứ năm" before "năm")."""
    tokens: list[Word] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word[0].isdecimal():
            tokens.append(_number(word))
            i += 1
            continue
        for size in range(LONGEST, 0, -1):
            found = WORDS.get(" ".join(words[i:i + size]))
            if found:
                break
        else:
            found, size = PLAIN, 1
        if found[0] == "M" and i + 1 < len(words) and words[i + 1].isdecimal() and 1 <= int(words[i + 1]) <= 12:
            found, size = ("g", int(words[i + 1]), False), 2  # tháng 5
        tokens.append(found)
        i += size
    return tokens


def _number(digits: str) -> Word:
    value = int(digits)
    if len(digits) <= 2:
        return ("d" if 1 <= value <= 31 else "z" if value <= 59 else "n", value, False)
    if len(digits) == 4 and (1300 <= value <= 1499 or 1900 <= value <= 2099):
        return ("y", value, False)
    return ("n", value, False)


def _calendar_day(jalali: bool, year: int, month: int, day: int) -> date:
    """The Gregorian day of a Solar Hijri or Gregorian date; ValueError if there is none."""
    if jalali:
        # the locale given: jdatetime otherwise asks the system for it on every date (a tenth of the time)
        return jdatetime.date(year, month, day, locale=jdatetime.FA_LOCALE).togregorian()
    return date(year, month, day)


def _plausible(moment: datetime, local_now: datetime, text: str) -> datetime:
    if not EARLIEST <= moment <= local_now + timedelta(days=1):
        raise DateError("implausible date", text)
    return moment
