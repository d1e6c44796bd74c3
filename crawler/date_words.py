"""The words that make up a printed date in Iran, Vietnam and Kazakhstan (and their neighbours).

One table, keyed by the lower-cased word or phrase as it reads after `crawler.dates` normalizes a
text (ASCII digits, Persian ی/ک, a zero-width non-joiner read as a space), so that the reader can
tell the date-like words of a text (which must all be accounted for) from plain ones (passed over).

A word is `(kind, value, weak)`. Kinds: "j" Solar Hijri month, "g" Gregorian month, "h" lunar Hijri
month, "w" weekday (Monday = 0), "r" relative day (days from today), "u" time unit (seconds), "D"
day mark or the unit "day", "a" "ago", "K" month mark (ماه), "Y" year mark, "M" the word "month"
(Vietnamese tháng) before a number, "H" a 12-hour designator, "P" a part of the day. Weak words (abbreviations, words with an everyday meaning such
as Persian می "May" / the verb prefix) count only where they stand inside a date; elsewhere they are
plain words.
"""
from __future__ import annotations

Word = tuple[str, int, bool]


def _names(kind: str, rows: list[tuple[int, str]], weak: bool = False) -> dict[str, Word]:
    return {name: (kind, number, weak) for number, names in rows for name in names.split("|")}


JALALI = _names("j", list(enumerate([
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد|امرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"], start=1)))

GREGORIAN = {
    # Kazakh, then its short forms (weak: "там", "сен", "қаз" are everyday words)
    **_names("g", list(enumerate(["қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде",
                                  "тамыз", "қыркүйек", "қазан", "қараша", "желтоқсан"], start=1))),
    **_names("g", list(enumerate(["қаң", "ақп", "нау", "сәу", "мам", "мау", "шіл", "там", "қыр", "қаз",
                                  "қар", "жел"], start=1)), weak=True),
    # Russian: nominative and genitive ("4 июля 2025"), short forms weak
    **_names("g", list(enumerate(["январь|января", "февраль|февраля", "март|марта", "апрель|апреля",
                                  "май|мая", "июнь|июня", "июль|июля", "август|августа",
                                  "сентябрь|сентября", "октябрь|октября", "ноябрь|ноября",
                                  "декабрь|декабря"], start=1))),
    **_names("g", list(enumerate(["янв", "фев|февр", "мар", "апр", "", "июн", "июл", "авг", "сен|сент",
                                  "окт", "ноя|нояб", "дек"], start=1)), weak=True),
    # English, as Iranian and Vietnamese pages print it next to their own date
    **_names("g", list(enumerate(["january", "february", "march", "april", "", "june", "july",
                                  "august", "september", "october", "november", "december"], start=1))),
    **_names("g", list(enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep|sept",
                                  "oct", "nov", "dec"], start=1)), weak=True),
    # Persian names of the Gregorian months (مه/می "May" are also "fog" and a verb prefix)
    **_names("g", list(enumerate(["ژانویه", "فوریه", "مارس", "آوریل", "", "ژوئن", "ژوئیه|جولای",
                                  "اوت|آگوست", "سپتامبر", "اکتبر", "نوامبر", "دسامبر"], start=1))),
    "مه": ("g", 5, True), "می": ("g", 5, True),
    # Vietnamese: "Tháng Năm" is May (năm is also "year" and "five"), "Tháng Giêng" January
    **_names("g", list(enumerate(["tháng một|tháng giêng", "tháng hai", "tháng ba", "tháng tư|tháng bốn",
                                  "tháng năm", "tháng sáu", "tháng bảy|tháng bẩy", "tháng tám",
                                  "tháng chín", "tháng mười", "tháng mười một", "tháng mười hai|tháng chạp"],
                                 start=1))),
}
GREGORIAN.pop("", None)

HIJRI = {
    **_names("h", list(enumerate([
        "محرم", "", "ربیع الاول|ربیع الأول|ربیع اول", "ربیع الثانی|ربیع الآخر|ربیع الاخر|ربیع ثانی",
        "جمادی الاول|جمادی الاولی|جمادی الأولی|جمادی اول", "جمادی الثانی|جمادی الثانیه|جمادی الآخر|جمادی الآخره|جمادی الاخره|جمادی ثانی",
        "رجب", "شعبان", "رمضان", "شوال", "ذی القعده|ذیقعده", "ذی الحجه|ذیحجه"], start=1))),
    "صفر": ("h", 2, True),  # also "zero"
}
HIJRI.pop("", None)

WEEKDAYS = _names("w", list(enumerate([
    "دوشنبه|دو شنبه|thứ hai|thứ 2|дүйсенбі|понедельник|monday",
    "سه شنبه|سهشنبه|thứ ba|thứ 3|сейсенбі|вторник|tuesday",
    "چهارشنبه|چهار شنبه|thứ tư|thứ 4|сәрсенбі|среда|wednesday",
    "پنجشنبه|پنج شنبه|thứ năm|thứ 5|бейсенбі|четверг|thursday",
    "جمعه|thứ sáu|thứ 6|жұма|пятница|friday",
    "شنبه|thứ bảy|thứ bẩy|thứ 7|сенбі|суббота|saturday",
    "یکشنبه|یک شنبه|chủ nhật|жексенбі|воскресенье|sunday"])))

RELATIVE_DAYS = _names("r", [
    (0, "امروز|hôm nay|бүгін|сегодня|today"),
    (-1, "دیروز|hôm qua|кеше|вчера|yesterday"),
    (-2, "پریروز|hôm kia|позавчера"),
])

UNITS = _names("u", [
    (1, "ثانیه|giây|секунд|секунды|секунду|second|seconds"),
    (60, "دقیقه|phút|минут|минуты|минуту|мин|minute|minutes"),
    (3600, "ساعت|giờ|tiếng|сағат|час|часа|часов|hour|hours"),
    (604800, "هفته|tuần|апта|неделю|недели|недель|week|weeks"),
])

MARKS = {
    **_names("D", [(86400, "روز|ngày|күн|день|дня|дней|day|days")]),
    **_names("a", [(0, "پیش|قبل|trước|бұрын|назад|ago")]),
    **_names("K", [(0, "ماه")]),
    **_names("Y", [(0, "سال|năm|ж|жыл|жылы|жылғы|г|год|года|году")]),
    "tháng": ("M", 0, False),
    # a 12-hour designator away from its clock ("CH 15/12/2017 3:15") cannot be placed: refused
    **_names("H", [(0, "am|pm|sa|ch")]),
    # a part of the day away from the clock ("chiều 3:00") says which half only when it is attached
    **_names("P", [(0, "sáng|chiều|tối|trưa|đêm|khuya|صبح|عصر|شب|ظهر|بامداد|таңғы|түскі|кешкі|түнгі|утра|вечера|ночи")]),
}

WORDS: dict[str, Word] = {**MARKS, **UNITS, **RELATIVE_DAYS, **WEEKDAYS, **HIJRI, **JALALI, **GREGORIAN}
LONGEST = max(len(key.split(" ")) for key in WORDS)

# Designators after a clock: 12-hour (AM/PM, Vietnamese SA/CH, Persian ق.ظ/ب.ظ) and the parts of
# the day that say the same; those that do not say which half (noon, night) make a clock unreadable.
BEFORE_NOON = "am|a.m.|sa|ق ظ|ق.ظ|قبل از ظهر|قبلازظهر|صبح|بامداد|sáng|таңғы|утра"
AFTER_NOON = "pm|p.m.|ch|ب ظ|ب.ظ|بعد از ظهر|بعدازظهر|عصر|chiều|tối|кешкі|вечера"
EITHER_HALF = "ظهر|شب|trưa|đêm|khuya|түскі|түнгі|дня|ночи"
# Only these designators fix 12 o'clock (12 AM = 00, 12 PM = 12); "12 tối" is left unread.
TWELVE_HOUR = {"am", "sa", "قظ", "pm", "ch", "بظ"}  # as matched, without dots and spaces
