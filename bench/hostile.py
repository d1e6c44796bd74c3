"""Inputs made to hurt, made afresh, each run as a user runs it: peak memory (wait4), time, exit
code and what the run report says. `python -m bench.hostile [--bomb-gb 2] [--pages 3000] [--json]`

1. `extract` over an archive whose article record is a gzip-encoded body of N GB of zeros (the
   record gzip-compressed again: the file is small) — refused at DOWNLOAD_MAXSIZE, as a live crawl;
2. `extract` over the same archive cut short in the middle of a record — named, exit 1;
3. `crawl` of a site whose news listing links "next page" forever, every page listing the same
   article — the walk ends when a page brings nothing new;
4. `crawl` of a site whose listing pages forever, each page a new article — LISTING_PAGE_LIMIT ends it;
5. `extract` over an archive of 60 kB whose 32 articles are each 15 MB of zeros, gzip-encoded (just
   under DOWNLOAD_MAXSIZE: all read) — the peak memory of many large pages at once;
6. `crawl` of a site serving the same 32 pages of 15 MB gzip-encoded, live on loopback.

The inputs are built with the tests' own builders (tests/test_hostile_archives.py, tests/test_walks.py)
from the saved copies in tests/fixtures. Results: BENCHMARKS.md ("Hostile inputs").
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from bench.run import PYTHON, _child
from crawler.cli import PROJECT_ROOT


def _report(folder: Path) -> dict:
    path = next((folder / "_runs").glob("*.json"))
    data = json.loads(path.read_text(encoding="utf-8"))
    site = data["sites"][0] if data["sites"] else {}
    return {"report_exit": data["exit_code"], "archive_damage": [d["problem"] for d in data["archive_damage"]],
            "skipped": site.get("skipped"), "listing_pages": site.get("listing_pages"),
            "page_limit_reached": site.get("page_limit_reached"), "new_items": site.get("new_items")}


def _extract(archive: Path, work: Path) -> dict:
    out = work / "out"
    out.mkdir()
    run = _child([PYTHON, "-m", "crawler", "extract", "--output", str(out / "items.jsonl"), str(archive)],
                 cwd=out, stderr=open(work / "stderr.txt", "w"))
    return {**run, "archive_bytes": archive.stat().st_size, **_report(out)}


def _crawl(site, work: Path, *settings: str) -> dict:
    from crawler.replay import ReplayServer

    out = work / "out"
    out.mkdir()
    with ReplayServer([site]) as server:
        mirror = server.write_map(work / "mirror.json")
        args = [PYTHON, "-m", "crawler", "crawl", "hanam", "--mirror", str(mirror), "--output",
                str(out / "items.jsonl"), "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "DOWNLOAD_DELAY=0"]
        for setting in settings:
            args += ["-s", setting]
        run = _child(args, cwd=out, stderr=open(work / "stderr.txt", "w"))
    return {**run, "listing_pages_served": len([k for k in site.requests if k.startswith("/tin-tuc/")]),
            **_report(out)}


def _large_pages(folder: Path) -> Path:
    """The saved kyzylorda copy with each of its 32 articles 15 MB of zeros, gzip-encoded."""
    from crawler.replay import write_copy
    from tests.support import SITES, saved_copy
    from tests.test_hostile_archives import ARTICLES, MB, ORIGIN, zeros_gzip

    copy = saved_copy(SITES / "kyzylorda")
    bomb = zeros_gzip(15 * MB)
    pages = []
    for key in sorted(copy.pages):
        answer = copy.answer(key)
        headers = [(k, v.encode("latin-1")) for k, v in answer.headers if k.lower() != "content-length"]
        body = answer.body
        if ORIGIN + key in ARTICLES:
            headers.append(("Content-Encoding", b"gzip"))
            body = bomb
        pages.append((key, answer.status, headers, body))
    return write_copy(folder, ORIGIN, pages)


def _live_large_pages(folder: Path, walks):
    """A hanam-like site: one listing of 32 articles of 15 MB each, served gzip-encoded."""
    from crawler.replay import SiteCopy, write_copy
    from tests.test_hostile_archives import MB

    html = [("Content-Type", "text/html; charset=utf-8")]
    articles = [f"/bai-viet/bai-{n}.html" for n in range(32)]
    big = b"<html><body><p>" + b"x" * (15 * MB) + b"</p></body></html>"
    pages = [("/", 200, html, walks.listing([], [])), ("/tin-tuc/", 200, html, walks.listing(articles, []))]
    pages += [(a, 200, html, big) for a in articles]
    write_copy(folder, walks.ORIGIN, pages)
    return SiteCopy.load(folder, {a: {"gzip": True} for a in articles})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bomb-gb", type=float, default=2.0)
    parser.add_argument("--pages", type=int, default=3000, help="listing pages of the endless sites")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(PROJECT_ROOT))
    import tests.test_walks as walks
    from tests.test_hostile_archives import ARTICLES, MB, response_offset, records, site_archive

    results = {}
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        tmp = Path(tmp)
        bomb = site_archive(tmp / "bomb", ARTICLES[3], int(args.bomb_gb * 1024) * MB)
        (tmp / "b").mkdir()
        results["archive_gzip_bomb"] = {"decoded_gb": args.bomb_gb, **_extract(bomb, tmp / "b")}
        whole = site_archive(tmp / "whole")
        cut = tmp / "cut.warc.gz"
        at = response_offset(records(whole), ARTICLES[19])
        cut.write_bytes(whole.read_bytes()[:at + 300])
        (tmp / "c").mkdir()
        results["archive_cut_short"] = _extract(cut, tmp / "c")
        walks.PAGES = args.pages
        same = walks.hostile_site(tmp / "same", lambda n: [walks.ARTICLES[0]],
                                  lambda n: [n + 1] if n < args.pages else [])
        (tmp / "s").mkdir()
        results["endless_pager_same_article"] = _crawl(same, tmp / "s")
        new = walks.hostile_site(tmp / "new", lambda n: [f"{walks.ORIGIN}/bai-viet/bai-{n}.html"],
                                 lambda n: [n + 1] if n < args.pages else [])
        (tmp / "n").mkdir()
        results["endless_pager_new_articles"] = _crawl(new, tmp / "n")
        large = _large_pages(tmp / "large")
        (tmp / "l").mkdir()
        results["archive_32_pages_of_15mb"] = _extract(large, tmp / "l")
        site = _live_large_pages(tmp / "live", walks)
        (tmp / "g").mkdir()
        results["crawl_32_pages_of_15mb"] = _crawl(site, tmp / "g")
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        for name, r in results.items():
            print(f"{name:28} exit {r['exit']}  {r['wall_s']:6.1f} s wall  {r['cpu_s']:6.1f} s CPU  "
                  f"peak {r['peak_rss_mb']:6.0f} MB  " + ", ".join(
                      f"{k} {v}" for k, v in r.items() if k not in ("exit", "wall_s", "cpu_s", "peak_rss_mb")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
