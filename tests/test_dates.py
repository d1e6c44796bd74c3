"""Real date strings of all five sites (from their pages and the seeds) and their exact values."""
from datetime import datetime, timezone

import pytest

from crawler.dates import DateError, parse_date

TEHRAN, HCM, QYZ = "Asia/Tehran", "Asia/Ho_Chi_Minh", "Asia/Qyzylorda"
CRAWL = datetime(2026, 11, 23, 6, 30, tzinfo=timezone.utc)  # 11:30 in Kyzylorda, 13:30 in Vietnam

TABLE = [
    # gilan: numeric Jalali with time, Persian digits; old pages: weekday day month-name year
    ("۱۴۰۲/۰۷/۲۶ - ۱۴:۵۱", "fa", TEHRAN, "2023-10-18T14:51:00+03:30"),
    ("۱۴۰۱/۰۵/۲۰ - ۱۴:۵۴", "fa", TEHRAN, "2022-08-11T14:54:00+04:30"),  # Iran still had DST in 2022
    ("۱۳۹۹/۱۲/۰۴ - ۱۰:۲۵", "fa", TEHRAN, "2021-02-22T10:25:00+03:30"),
    ("دوشنبه ۱۵ خرداد ۱۳۹۶", "fa", TEHRAN, "2017-06-05T00:00:00+04:30"),
    ("سه‌شنبه ۱۲ اردیبهشت ۱۳۹۶", "fa", TEHRAN, "2017-05-02T00:00:00+04:30"),
    ("سه شنبه ۱۲ ارديبهشت ۱۳۹۶", "fa", TEHRAN, "2017-05-02T00:00:00+04:30"),  # Arabic yeh in the month
    ("پنجشنبه ۴ آبان ۱۳۹۶", "fa", TEHRAN, "2017-10-26T00:00:00+03:30"),
    # chaharmahal: weekday day month-name year - time (seed 001)
    ("یکشنبه ۵ بهمن ۱۴۰۴ - ۱۴:۵۳", "fa", TEHRAN, "2026-01-25T14:53:00+03:30"),
    ("جمعه ۱۶ تیر ۱۴۰۲ - ۱۳:۲۸", "fa", TEHRAN, "2023-07-07T13:28:00+03:30"),
    ("دوشنبه ۲۶ شهریور ۱۴۰۳ - ۰۹:۳۸", "fa", TEHRAN, "2024-09-16T09:38:00+03:30"),
    # the same date in Arabic-Indic and in ASCII digits
    ("١٤٠٣/٠٥/١٢", "fa", TEHRAN, "2024-08-02T00:00:00+03:30"),
    ("1403/05/12", "fa", TEHRAN, "2024-08-02T00:00:00+03:30"),
    # hanam: dd/mm/yyyy hh:mm; travinh: dd/mm/yyyy
    ("24/04/2015 09:00", "vi", HCM, "2015-04-24T09:00:00+07:00"),
    ("03/07/2017 07:18", "vi", HCM, "2017-07-03T07:18:00+07:00"),
    ("24/07/2024", "vi", HCM, "2024-07-24T00:00:00+07:00"),
    ("02/12/2021", "vi", HCM, "2021-12-02T00:00:00+07:00"),
    ("Thứ hai, 15/12/2017 - 14:05", "vi", HCM, "2017-12-15T14:05:00+07:00"),
    # kyzylorda: Kazakh month names; the zone moved from +06:00 to +05:00 on 2018-12-21
    ("08 сәуір 2019 ж. 16:32", "kk", QYZ, "2019-04-08T16:32:00+05:00"),
    ("21 тамыз 2017 ж. 17:15", "kk", QYZ, "2017-08-21T17:15:00+06:00"),
    ("18 желтоқсан 2018 ж. 18:01", "kk", QYZ, "2018-12-18T18:01:00+06:00"),
    ("20 желтоқсан 2018 ж. 23:30", "kk", QYZ, "2018-12-20T23:30:00+06:00"),
    ("22 желтоқсан 2018 ж. 10:00", "kk", QYZ, "2018-12-22T10:00:00+05:00"),
    ("17 қаңтар 2018 ж. 18:47", "kk", QYZ, "2018-01-17T18:47:00+06:00"),
    ("04 наурыз 2023 ж. 13:18", "kk", QYZ, "2023-03-04T13:18:00+05:00"),
    # relative dates against the crawl time on the site's clock
    ("Бүгін, 10:15", "kk", QYZ, "2026-11-23T10:15:00+05:00"),
    ("Кеше, 18:40", "kk", QYZ, "2026-11-22T18:40:00+05:00"),
    ("3 giờ trước", "vi", HCM, "2026-11-23T10:30:00+07:00"),
    ("Hôm qua", "vi", HCM, "2026-11-22T00:00:00+07:00"),
]


@pytest.mark.parametrize("text, language, tz, expected", TABLE)
def test_real_date_strings(text, language, tz, expected):
    assert parse_date(text, language, tz, now=CRAWL).isoformat() == expected


@pytest.mark.parametrize("text, language, tz", [
    ("۱۳۶۰/۰۱/۰۱", "fa", TEHRAN),            # 1981: before the plausible window
    ("12/05/1985", "vi", HCM),
    ("01/01/2031 10:00", "vi", HCM),          # after tomorrow
    ("۱۴۱۰/۰۱/۰۱", "fa", TEHRAN),
])
def test_implausible_dates_are_rejected(text, language, tz):
    with pytest.raises(DateError) as err:
        parse_date(text, language, tz, now=CRAWL)
    assert err.value.reason == "implausible date"


@pytest.mark.parametrize("text, language", [
    ("", "fa"), ("بدون تاریخ", "fa"), ("Ngày đăng:", "vi"), ("пікір қосу", "kk"), ("31/02/2020", "vi"),
    ("۱۴۰۲/۱۳/۰۱", "fa"),
])
def test_unreadable_dates_raise_date_error(text, language):
    with pytest.raises(DateError):
        parse_date(text, language, QYZ, now=CRAWL)
