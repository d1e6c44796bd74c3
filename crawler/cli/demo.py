"""`demo`: the project's saved copies of its sites served on loopback and crawled by the real
spiders: the main job, offline."""
from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from crawler.cli.common import (DEMO_SITES, EXIT_OK, EXIT_SITE_FAILED, UsageError, _log_level_option,
                                _overrides, settings_option, site_list)
from crawler.cli.run import run_crawl


def cmd_demo(args: argparse.Namespace) -> int:
    """Serve the project's saved pages on loopback and crawl them with the real spiders."""
    from crawler.output import FileSink
    from crawler.replay import ReplayServer, SiteCopy
    from crawler.report import site_report

    known = site_list().sites
    copies = [SiteCopy.load(d) for d in sorted(DEMO_SITES.iterdir())
              if d.name in known and any(d.glob("*.warc.gz"))]
    if not copies:
        raise UsageError(f"no saved sites under {DEMO_SITES}")
    sites = [c.root.name for c in copies]
    output = Path(args.output)
    with ReplayServer(copies) as server, tempfile.TemporaryDirectory() as tmp:
        mirror = server.write_map(Path(tmp) / "mirror.json")
        print(f"serving saved copies of {', '.join(sites)} on loopback: {server.mirror}", file=sys.stderr)
        sink = FileSink(output)
        from crawler.output import run_name
        stats = run_crawl(sites, sink, mirror=str(mirror), log_level=args.log_level,
                          settings_overrides={"RUN_NAME": run_name(datetime.now(timezone.utc)),
                                              **_overrides(args.set)})
        sink.close()
    reports = [site_report(site, stats[site]) for site in sites]
    for r in reports:
        print(f"  {r.site:12} {r.new_items} articles from {r.pages_fetched} pages"
              + ("" if r.ok else f"  PROBLEMS: {'; '.join(r.problems)}"), file=sys.stderr)
    print(f"wrote {output}; first line:", file=sys.stderr)
    with open(output, encoding="utf-8") as f:
        print(f.readline().rstrip("\n"))
    return EXIT_OK if all(r.ok for r in reports) else EXIT_SITE_FAILED


def add_parser(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser("demo", help="crawl the project's saved pages, served on loopback")
    demo.add_argument("--output", default="demo.jsonl", metavar="FILE.jsonl")
    settings_option(demo)
    _log_level_option(demo)
    demo.set_defaults(func=cmd_demo)
