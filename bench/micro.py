"""Micro benchmarks, each run in a fresh process by bench.run and printing one JSON object:

  python -m bench.micro extract            our extraction vs trafilatura vs a bare parsel parse
  python -m bench.micro state [--urls N]   the state store with N seen URLs
  python -m bench.micro dates FILE.jsonl   parse_date over the dates of a crawl's output
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from datetime import datetime, timezone

from crawler.cli import PROJECT_ROOT

if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

SITES = ("gilan", "chaharmahal", "kyzylorda", "hanam", "travinh")
LANGUAGE = {"gilan": "fa", "chaharmahal": "fa", "kyzylorda": "kk", "hanam": "vi", "travinh": "vi"}
TIMEZONE = {"gilan": "Asia/Tehran", "chaharmahal": "Asia/Tehran", "kyzylorda": "Asia/Qyzylorda",
            "hanam": "Asia/Ho_Chi_Minh", "travinh": "Asia/Ho_Chi_Minh"}
TEXT_FIELDS = ("title", "kicker", "lead", "body", "author", "category")


def _decode(raw: bytes, site: str) -> str:
    return raw.decode("windows-1256" if site == "gilan" else "utf-8", errors="replace")


def _timed(fn, pages, rounds: int) -> float:
    """Median over rounds of the mean seconds per page."""
    per_round = []
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        for page in pages:
            fn(page)
        per_round.append((time.perf_counter() - start) / len(pages))
    return statistics.median(per_round)


def bench_extract(rounds: int) -> dict:
    from parsel import Selector

    from bench.build import article_templates
    from crawler.cli import spider_classes
    from crawler.dates import DateError, parse_date
    from crawler.text import clean_text
    from crawler.urls import canonical_url

    classes = spider_classes()
    now = datetime(2026, 11, 23, 6, 30, tzinfo=timezone.utc)
    pages = []
    for site in SITES:
        for url, raw in article_templates(site):
            pages.append((site, url, _decode(raw, site)))

    def ours(page):
        site, url, text = page
        cls = classes[site]
        fields = cls.article_page(url, Selector(text=text, base_url=url)).fields()
        language = LANGUAGE[site]
        for name in TEXT_FIELDS:
            fields[name] = clean_text(fields.get(name), language)
        for image in fields["images"]:
            image["caption"] = clean_text(image.get("caption"), language)
        try:
            parse_date(fields["date_raw"] or "", language, TIMEZONE[site], now=now)
        except DateError:
            pass
        canonical_url(fields["url"], cls.url_aliases)
        return fields

    def floor(page):
        site, url, text = page
        sel = Selector(text=text, base_url=url)
        sel.css("h1").get()
        sel.css("title::text").get()
        sel.css('link[rel="canonical"]::attr(href)').get()
        sel.xpath("//p//text()").getall()

    import trafilatura

    def traf(page):
        return trafilatura.extract(page[2], url=page[1], with_metadata=True, include_images=True,
                                   output_format="json")

    for fn in (ours, floor, traf):  # warm up: imports, dateparser's language data, caches
        for page in pages:
            fn(page)
    result = {"pages": len(pages), "mean_bytes": round(statistics.mean(len(p[2].encode()) for p in pages))}
    for name, fn in (("ours", ours), ("floor", floor), ("trafilatura", traf)):
        result[f"{name}_ms"] = round(_timed(fn, pages, rounds) * 1000, 3)
    per_site = {}
    for site in SITES:
        mine = [p for p in pages if p[0] == site]
        per_site[site] = {name: round(_timed(fn, mine, max(1, rounds // 2)) * 1000, 3)
                          for name, fn in (("ours", ours), ("floor", floor), ("trafilatura", traf))}
    result["per_site_ms"] = per_site
    result["trafilatura_over_ours"] = round(result["trafilatura_ms"] / result["ours_ms"], 2)
    result["ours_over_floor"] = round(result["ours_ms"] / result["floor_ms"], 2)
    return result


def bench_state(urls: int, lookups: int) -> dict:
    """The state store with `urls` seen URLs (bench/state.py)."""
    from bench.state import measure

    return measure(urls, lookups)


def bench_dates(files: list[str]) -> dict:
    from crawler.dates import DateError, parse_date

    dates = []
    for file in files:
        with open(file, encoding="utf-8") as f:
            for line in f:
                item = json.loads(line)
                if item.get("date_raw"):
                    dates.append((item["site"], item["date_raw"],
                                  datetime.fromisoformat(item["crawled_at"].replace("Z", "+00:00"))))
    by_language: dict[str, list[float]] = {}
    failed = 0
    start_all = time.perf_counter()
    for site, raw, now in dates:
        start = time.perf_counter()
        try:
            parse_date(raw, LANGUAGE[site], TIMEZONE[site], now=now)
        except DateError:
            failed += 1
        by_language.setdefault(LANGUAGE[site], []).append(time.perf_counter() - start)
    total = time.perf_counter() - start_all
    return {"dates": len(dates), "failed": failed, "mean_ms": round(total / max(1, len(dates)) * 1000, 4),
            "by_language_mean_ms": {k: round(statistics.mean(v) * 1000, 4) for k, v in sorted(by_language.items())},
            "first_call_ms": {k: round(v[0] * 1000, 1) for k, v in sorted(by_language.items())}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.micro")
    sub = parser.add_subparsers(dest="what", required=True)
    ex = sub.add_parser("extract")
    ex.add_argument("--rounds", type=int, default=5)
    st = sub.add_parser("state")
    st.add_argument("--urls", type=int, default=1_000_000)
    st.add_argument("--lookups", type=int, default=20_000)
    da = sub.add_parser("dates")
    da.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    if args.what == "extract":
        result = bench_extract(args.rounds)
    elif args.what == "state":
        result = bench_state(args.urls, args.lookups)
    else:
        result = bench_dates(args.files)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
