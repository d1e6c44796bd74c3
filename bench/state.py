"""The state store at scale: bytes per URL on disk and look-up time with N seen URLs.

    python -m bench.state [--urls 1000000] [--lookups 20000] [--alias-share 1.0]

URLs shaped like the benchmark sites' (`https://<site>.example/news/<i>/some-article-slug-<i>`),
spread over five sites and recorded through `State.record` in batches of 10,000, each article
reached also by one other URL (an alias) with probability `--alias-share` (1.0: every article, as
bench.micro always measured). Look-ups are `is_settled` and `known` on random URLs, half of them
unknown (the common case of a listing), after 1,000 warm-up look-ups. Size = database + WAL.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

SITES = ["gilan", "chaharmahal", "hanam", "kyzylorda", "travinh"]
NOW = datetime(2026, 11, 23, tzinfo=timezone.utc)


def url_of(site: str, i: int) -> str:
    return f"https://{site}.example/news/{i}/some-article-slug-{i}"


def build(path: Path, urls: int, alias_share: float, rng: random.Random) -> tuple[int, float]:
    """A state with `urls` recorded articles; returns (count, seconds)."""
    from crawler.state import State

    state = State(path, now=NOW)
    per_site = urls // len(SITES)
    inserted, start = 0, time.perf_counter()
    for site in SITES:
        for first in range(0, per_site, 10_000):
            records = []
            for i in range(first, min(per_site, first + 10_000)):
                url = url_of(site, i)
                aliases = (url.rsplit("/", 1)[0],) if rng.random() < alias_share else ()
                records.append((url, f"{i:020x}", f"{rng.getrandbits(256):064x}", f"{rng.getrandbits(256):064x}",
                                f"20{10 + i % 15}-0{1 + i % 9}-1{i % 10}T10:00:00+04:30", aliases,
                                "2026-11-22T03:15:00+00:00"))
            inserted += state.record(site, records)
    seconds = time.perf_counter() - start
    state.close()
    return inserted, seconds


def per_call_us(fn, probes) -> float:
    start = time.perf_counter()
    for site, url in probes:
        fn(site, url)
    return (time.perf_counter() - start) / len(probes) * 1e6


def measure(urls: int, lookups: int, alias_share: float = 1.0) -> dict:
    from crawler.state import State

    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.sqlite"
        inserted, insert_s = build(path, urls, alias_share, rng)
        size = sum(p.stat().st_size for p in Path(tmp).glob("state.sqlite*"))
        state = State(path, now=NOW)
        per_site = urls // len(SITES)
        probes = []
        for _ in range(lookups):
            site, i = rng.choice(SITES), rng.randrange(per_site * 2)  # half of them unknown
            probes.append((site, url_of(site, i)))
        per_call_us(state.is_settled, probes[:1000])  # warm the page cache like a running crawl
        settled_us = per_call_us(state.is_settled, probes)
        known_us = per_call_us(state.known, probes)
        state.close()
    return {"urls": inserted, "alias_share": alias_share, "insert_s": round(insert_s, 2),
            "insert_us_per_url": round(insert_s / inserted * 1e6, 2), "lookup_us": round(settled_us, 2),
            "known_us": round(known_us, 2), "file_mb": round(size / 2**20, 1),
            "bytes_per_url": round(size / inserted)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.state", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--urls", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--alias-share", type=float, default=1.0)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.urls, args.lookups, args.alias_share)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
