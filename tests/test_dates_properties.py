"""Property tests of the date reader against an independent renderer.

The renderer below prints a wall time in each form the reader claims, from its own tables (month
and weekday names written out here), placing Solar Hijri days from convertdate's Nowruz of each
year and the calendar's month lengths (not from jdatetime, which the reader uses).
What a text names is decided by the renderer's intent, not by the reader:

- every rendered form reads back to the same moment;
- a mutated text (a part dropped, duplicated, swapped with another, garbage inserted, a number
  changed) reads to the original moment, or to the moment the mutated text itself names (a dropped
  clock names midnight, a dropped designator names the hour as printed, a dropped offset names the
  site's clock, a changed number names the changed date when that date exists), or is refused. It
  never reads to any other moment.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from convertdate import persian
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crawler.dates import DateError, parse_date

TZ = {"fa": "Asia/Tehran", "vi": "Asia/Ho_Chi_Minh", "kk": "Asia/Qyzylorda"}
NOW = datetime(2036, 1, 1, tzinfo=timezone.utc)
EARLIEST = datetime(1990, 1, 1, tzinfo=timezone.utc)

JALALI = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"]
FA_WEEKDAYS = ["دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه"]
ENGLISH = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
VI_MONTHS = ["Tháng Một", "Tháng Hai", "Tháng Ba", "Tháng Tư", "Tháng Năm", "Tháng Sáu", "Tháng Bảy", "Tháng Tám",
             "Tháng Chín", "Tháng Mười", "Tháng Mười Một", "Tháng Mười Hai"]
VI_WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
KK_MONTHS = ["қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз", "қыркүйек", "қазан",
             "қараша", "желтоқсан"]
RU_MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
             "ноября", "декабря"]
RU_WEEKDAYS = ["Понедельник", "Вторник", "Среда", "Четверг", "Пятница", "Суббота", "Воскресенье"]
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

FORMS = {
    "fa": ["fa_numeric", "fa_numeric_dmy", "fa_named", "fa_12h", "fa_two_calendars", "fa_gregorian"],
    "vi": ["vi_numeric", "vi_dotnet", "vi_ampm", "vi_month_first", "vi_day_first", "vi_words", "vi_weekday", "vi_gmt"],
    "kk": ["kk_site", "kk_year_first", "kk_russian", "kk_gmt", "kk_dots"],
}
TWELVE_HOUR = {"fa_12h": ("ق.ظ", "ب.ظ"), "vi_dotnet": ("SA", "CH"), "vi_ampm": ("AM", "PM")}
VI_NUMERIC = {"vi_numeric", "vi_dotnet", "vi_ampm", "vi_weekday", "vi_gmt"}
JALALI_FORMS = {"fa_numeric", "fa_numeric_dmy", "fa_named", "fa_12h", "fa_two_calendars"}


@dataclass(frozen=True)
class Intent:
    """What the renderer means to print: a date in the form's calendar, a clock, its extras."""

    form: str
    year: int
    month: int
    day: int
    hour: int | None          # None: no clock printed; in 12-hour forms the printed hour (0-13 when mutated)
    minute: int
    pm: bool = False           # 12-hour forms: the designator printed
    weekday: int | None = None  # the weekday printed (None: none)
    offset: int | None = None   # hours printed as an offset (None: none)
    digits: str = "ascii"
    gregorian: date | None = None  # fa_two_calendars: the Gregorian date printed beside the Solar one

    @property
    def language(self) -> str:
        return self.form[:2]


@lru_cache(maxsize=None)
def nowruz(year: int) -> date:
    """1 Farvardin of a Solar Hijri year, by convertdate (slow: astronomical, hence cached)."""
    return date(*persian.to_gregorian(year, 1, 1))


def _jalali_days(year: int, month: int) -> int:
    """Months of 31 days, then 30, Esfand 29 or (leap year: 366 days to the next Nowruz) 30."""
    return 31 if month <= 6 else 30 if month <= 11 else (nowruz(year + 1) - nowruz(year)).days - 336


def to_jalali(day: date) -> tuple[int, int, int]:
    year = day.year - 621 if day >= nowruz(day.year - 621) else day.year - 622
    left = (day - nowruz(year)).days
    month = 1
    while left >= _jalali_days(year, month):
        left -= _jalali_days(year, month)
        month += 1
    return year, month, left + 1


def gregorian_day(intent: Intent) -> date | None:
    """The day the printed date names (Solar Hijri through convertdate's Nowruz); None if no such day."""
    if intent.form in JALALI_FORMS:
        if not (1 <= intent.month <= 12 and 1 <= intent.day <= _jalali_days(intent.year, intent.month)):
            return None
        return nowruz(intent.year) + timedelta(days=sum(_jalali_days(intent.year, m) for m in range(1, intent.month))
                                                + intent.day - 1)
    try:
        return date(intent.year, intent.month, intent.day)
    except ValueError:
        return None


def wall_clock(intent: Intent) -> time | None:
    """The clock the printed one names (12 AM = 00, 12 PM = 12, "15:54 PM" = 15:54); None if none."""
    if intent.hour is None:
        return time(0, 0)
    hour = intent.hour
    if intent.form in TWELVE_HOUR:
        if hour == 0 or hour > 12 and not intent.pm:
            return None
        if hour <= 12:
            hour = hour % 12 + (12 if intent.pm else 0)
    if hour > 23 or intent.minute > 59:
        return None
    return time(hour, intent.minute)


def named_moments(intent: Intent) -> set[str]:
    """The moments the rendered text names: one, or two for a Vietnamese day/month order question."""
    clock = wall_clock(intent)
    days = [gregorian_day(intent)]
    if intent.form in VI_NUMERIC:
        month_first = replace(intent, month=intent.day, day=intent.month)
        days = [day for day in (days[0], gregorian_day(month_first)) if day is not None]
        if intent.weekday is not None and any(day.weekday() == intent.weekday for day in days):
            days = [day for day in days if day.weekday() == intent.weekday]
        days = days[:1]
    if clock is None or not days or days[0] is None:
        return set()
    if intent.gregorian is not None and intent.gregorian != days[0]:
        return set()  # two printed dates that disagree name nothing
    where = timezone(timedelta(hours=intent.offset)) if intent.offset is not None else ZoneInfo(TZ[intent.language])
    moment = datetime.combine(days[0], clock, tzinfo=where)
    if not EARLIEST <= moment <= NOW + timedelta(days=1):
        return set()
    return {moment.isoformat()}


def render(intent: Intent) -> list[tuple[str, str]]:
    """The parts (role, text) of the printed date, in page order."""
    f, y, m, d, M = intent.form, intent.year, intent.month, intent.day, intent.minute
    clock = [] if intent.hour is None else [("clock", f"{intent.hour:02d}:{M:02d}")]
    weekday = intent.weekday
    if f in TWELVE_HOUR:
        half = TWELVE_HOUR[f][intent.pm]
        printed = f"{intent.hour}:{M:02d}:00" if f == "vi_dotnet" else f"{intent.hour:02d}:{M:02d}"
        clock = [("clock", printed), ("half", half)]
    if f == "fa_numeric":
        parts = [("date", f"{y}/{m:02d}/{d:02d}")] + ([("sep", "-")] if clock else []) + clock
    elif f == "fa_numeric_dmy":
        parts = [("date", f"{d:02d}/{m:02d}/{y}")] + clock
    elif f == "fa_named":
        parts = ([("weekday", FA_WEEKDAYS[weekday])] if weekday is not None else []) + [
            ("day", str(d)), ("month", JALALI[m - 1] if 1 <= m <= 12 else "ماه"), ("year", str(y))]
        parts += ([("sep", "-")] if clock else []) + clock
    elif f == "fa_12h":
        parts = [("date", f"{y}/{m:02d}/{d:02d}")] + clock
    elif f == "fa_two_calendars":
        g = intent.gregorian
        parts = [("weekday", FA_WEEKDAYS[g.weekday()]), ("day", str(d)),
                 ("month", JALALI[m - 1] if 1 <= m <= 12 else "ماه"), ("year", str(y)), ("sep", "-"),
                 ("gday", str(g.day)), ("gmonth", ENGLISH[g.month - 1] + ","), ("gyear", str(g.year))]
    elif f == "fa_gregorian":
        parts = [("date", f"{y}/{m:02d}/{d:02d}")] + clock
    elif f in ("vi_numeric", "vi_dotnet", "vi_ampm"):
        parts = [("date", f"{d:02d}/{m:02d}/{y}")] + clock
    elif f == "vi_month_first":
        parts = [("month", VI_MONTHS[m - 1] if 1 <= m <= 12 else "Tháng 13"), ("day", f"{d},"), ("year", f"{y},")] + clock
    elif f == "vi_day_first":
        parts = [("day", str(d)), ("month", VI_MONTHS[m - 1] if 1 <= m <= 12 else "Tháng 13"), ("year", str(y))]
    elif f == "vi_words":
        parts = [("label", "ngày"), ("day", str(d)), ("month", f"tháng {m}"), ("mark", "năm"), ("year", str(y))]
    elif f == "vi_weekday":
        parts = ([("weekday", VI_WEEKDAYS[weekday] + ",")] if weekday is not None else []) + [
            ("date", f"{d:02d}/{m:02d}/{y}")] + ([("sep", "-")] if clock else []) + clock
    elif f == "vi_gmt":
        parts = clock + [("date", f"{d:02d}/{m:02d}/{y}"), ("offset", "(GMT+7)")]
    elif f == "kk_site":
        parts = [("day", f"{d:02d}"), ("month", KK_MONTHS[m - 1] if 1 <= m <= 12 else "айы"), ("year", str(y)),
                 ("mark", "ж.")] + clock
    elif f == "kk_year_first":
        parts = [("year", str(y)), ("mark", "жылғы"), ("day", str(d)), ("month", KK_MONTHS[m - 1] if 1 <= m <= 12 else "айы")]
    elif f == "kk_russian":
        parts = ([("weekday", RU_WEEKDAYS[weekday] + ",")] if weekday is not None else []) + [
            ("day", str(d)), ("month", RU_MONTHS[m - 1] if 1 <= m <= 12 else "месяца"), ("year", str(y)),
            ("mark", "г.")] + clock
    elif f == "kk_gmt":
        parts = [(role, text + ",") for role, text in clock] + [
            ("day", str(d)), ("sep", "-"), ("month", KK_MONTHS[m - 1] if 1 <= m <= 12 else "айы"), ("year", str(y)),
            ("sep", "|"), ("offset", f"GMT +{intent.offset}")]
    elif f == "kk_dots":
        parts = [("date", f"{d:02d}.{m:02d}.{y}")] + clock
    else:
        raise AssertionError(f)
    table = {"persian": PERSIAN_DIGITS, "arabic": ARABIC_DIGITS}.get(intent.digits)
    return [(role, text.translate(table) if table else text) for role, text in parts]


def text_of(parts: list[tuple[str, str]]) -> str:
    return " ".join(text for _, text in parts)


def read(text: str, language: str) -> str | None:
    try:
        return parse_date(text, language, TZ[language], now=NOW).isoformat()
    except DateError:
        return None


@st.composite
def intents(draw) -> Intent:
    language = draw(st.sampled_from(sorted(FORMS)))
    form = draw(st.sampled_from(FORMS[language]))
    instant = datetime(1990, 1, 2, tzinfo=timezone.utc) + timedelta(
        minutes=draw(st.integers(0, (datetime(2035, 12, 31) - datetime(1990, 1, 2)).days * 1440)))
    wall = instant.astimezone(ZoneInfo(TZ[language]))
    with_clock = form not in ("fa_two_calendars", "vi_day_first", "vi_words", "kk_year_first") and (
        form in TWELVE_HOUR or form in ("vi_gmt", "kk_gmt") or draw(st.booleans()))
    hour, pm = (wall.hour if with_clock else None), False
    if form in TWELVE_HOUR:
        hour, pm = (wall.hour % 12 or 12), wall.hour >= 12
    offset = None
    if form == "vi_gmt":
        offset = 7
    elif form == "kk_gmt":
        offset = int(wall.utcoffset().total_seconds() // 3600)
    if form in JALALI_FORMS:
        year, month, day = to_jalali(wall.date())
    else:
        year, month, day = wall.year, wall.month, wall.day
    weekday = None
    if form in ("fa_named", "vi_weekday", "kk_russian") and draw(st.booleans()):
        weekday = wall.weekday()
    gregorian = wall.date() if form == "fa_two_calendars" else None
    digits = draw(st.sampled_from(["ascii", "persian", "arabic"])) if language == "fa" else "ascii"
    return Intent(form, year, month, day, hour, wall.minute, pm, weekday, offset, digits, gregorian)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(intent=intents())
def test_every_claimed_form_reads_back_to_the_moment_it_prints(intent):
    expected = named_moments(intent)
    assert len(expected) == 1
    assert read(text_of(render(intent)), intent.language) in expected


GARBAGE = {
    "fa": ["خبر", "کد خبر: ۱۲۳۴۵۶", "بازدید ۳۴۵", "|", "۷", "۱۹", "۱۳۹۸", "2019", "آبان", "رجب", "January", "دیروز"],
    "vi": ["Tin tức", "Lượt xem: 1.245", "•", "7", "19", "2019", "Tháng Ba", "tháng 4", "năm", "ngày", "Hôm qua", "00"],
    "kk": ["Жаңалықтар", "105 қарау", "•", "7", "19", "2019", "мамыр", "марта", "ж.", "жылғы", "Кеше", "45"],
}


def _mutations(intent: Intent, parts: list[tuple[str, str]], rng: random.Random):
    """(mutated parts, the moments the mutated text names besides the original one)."""
    kind = rng.choice(["drop", "duplicate", "swap", "garbage", "number"])
    i = rng.randrange(len(parts))
    if kind == "drop":
        role = parts[i][0]
        also: set[str] = set()
        if role == "clock" and not any(r == "half" for r, _ in parts):
            also = named_moments(replace(intent, hour=None))
        elif role == "half":
            also = _as_24_hour(intent)
        elif role == "offset":
            also = named_moments(replace(intent, offset=None))
        return parts[:i] + parts[i + 1:], also
    if kind == "duplicate":
        return parts[:i + 1] + [parts[i]] + parts[i + 1:], set()
    if kind == "swap":
        j = rng.randrange(len(parts))
        swapped = list(parts)
        swapped[i], swapped[j] = swapped[j], swapped[i]
        return swapped, set()
    if kind == "garbage":
        word = rng.choice(GARBAGE[intent.language])
        return parts[:i] + [("garbage", word)] + parts[i:], set()
    field = rng.choice(["year", "month", "day"] + (["hour", "minute"] if intent.hour is not None else []))
    span = {"year": (intent.year - 40, intent.year + 8), "month": (0, 14), "day": (0, 35),
            "hour": (0, 13) if intent.form in TWELVE_HOUR else (0, 25), "minute": (0, 61)}[field]
    value = rng.randint(*span)
    assume(value != getattr(intent, field) and (field != "year" or value >= 1000))
    changed = replace(intent, **{field: value})
    return render(changed), named_moments(changed)


def _as_24_hour(intent: Intent) -> set[str]:
    """A 12-hour clock without its designator names the hour as printed, on a 24-hour clock."""
    return named_moments(replace(intent, form="vi_numeric" if intent.language == "vi" else "fa_numeric"))


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(intent=intents(), seed=st.integers(0, 2**32 - 1))
def test_a_mutated_date_reads_to_what_it_names_or_is_refused_never_to_another_moment(intent, seed):
    rng = random.Random(seed)
    parts = render(intent)
    (original,) = named_moments(intent)
    mutated, also = _mutations(intent, parts, rng)
    got = read(text_of(mutated), intent.language)
    assert got is None or got == original or got in also, (text_of(parts), text_of(mutated), got)


date_alphabet = st.sampled_from(list("0123456789۰۱۲۳۴۵۶۷۸۹/-:., ") + [
    "ж.", "Бүгін", "Кеше", "بهمن", "ارديبهشت", "giờ trước", "tháng", "Tháng Năm", "SA", "CH", "ب.ظ", "GMT", "+",
    "رجب", "năm", "марта", "жылғы"])
texts = st.one_of(st.text(max_size=40), st.lists(date_alphabet, max_size=14).map("".join),
                  st.lists(date_alphabet, max_size=14).map(" ".join))


@settings(max_examples=400, deadline=None)
@given(text=texts, language=st.sampled_from(sorted(TZ)))
def test_any_text_gives_a_plausible_aware_moment_or_a_date_error(text, language):
    now = datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc)
    try:
        moment = parse_date(text, language, TZ[language], now=now)
    except DateError as refusal:
        assert refusal.reason and refusal.text == text
        return
    assert moment.tzinfo is not None
    assert EARLIEST <= moment <= now + timedelta(days=1)


def test_the_oracle_calendar_agrees_with_convertdate_day_by_day_on_sample_days():
    for day in (date(1990, 3, 21), date(1996, 3, 19), date(2017, 3, 20), date(2021, 3, 20), date(2025, 3, 20),
                date(2025, 3, 21), date(2026, 1, 25), date(2035, 12, 31)):
        assert to_jalali(day) == tuple(persian.from_gregorian(day.year, day.month, day.day))
