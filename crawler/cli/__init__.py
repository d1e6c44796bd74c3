"""The command line: `python -m crawler crawl|extract|list|probe|demo|snapshot|reset|state`.

Exit codes (documented in the README, for cron and alerting):
  0  every site crawled fine
  1  some site failed: unreachable, or its layout/extraction broke (the report names it)
  2  usage error (unknown site, bad option, unreadable mirror map)
  3  another run holds the state lock; this one touched nothing
  4  set-up problem found before the crawl (output or state location unusable, disk full,
     state file damaged or not a crawler state); nothing was requested or changed
  5  storage failed mid-run (disk full, read-only file system): the run stopped; files not yet
     in place were discarded and not recorded, so the next run writes them
  6  interrupted (SIGINT/SIGTERM): finished items were put in place and recorded; the next run
     writes the rest

One module per command (crawl, extract, list and probe, demo, snapshot, reset and state); what
they share in `common`, a run of crawl or extract in `run`.
"""
from __future__ import annotations

import argparse
import logging
import sys

from crawler.cli import crawl, demo, extract, sites, snapshot, state
from crawler.cli.common import (DEFAULT_ARCHIVE_DIR, DEFAULT_OUTPUT_DIR, DEFAULT_STATE, DEMO_SITES, EXIT_INTERRUPTED,
                                EXIT_LOCKED, EXIT_OK, EXIT_SETUP, EXIT_SITE_FAILED, EXIT_STORAGE, EXIT_USAGE,
                                PROJECT_ROOT, SetupError, UsageError, pick_sites, project_settings, site_list,
                                spider_classes)
from crawler.cli.extract import EXTRACT_SETTINGS
from crawler.cli.run import _run_name_taken, clear_progress_before_logs, run_crawl

__all__ = ["DEFAULT_ARCHIVE_DIR", "DEFAULT_OUTPUT_DIR", "DEFAULT_STATE", "DEMO_SITES", "EXIT_INTERRUPTED",
           "EXIT_LOCKED", "EXIT_OK", "EXIT_SETUP", "EXIT_SITE_FAILED", "EXIT_STORAGE", "EXIT_USAGE",
           "EXTRACT_SETTINGS", "PROJECT_ROOT", "SetupError", "UsageError", "_run_name_taken", "build_parser",
           "clear_progress_before_logs", "main", "pick_sites", "project_settings", "run_crawl", "site_list",
           "spider_classes"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m crawler", description=__doc__.split("\n\nOne module")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--log-level", default="WARNING", help="Scrapy log level (default WARNING)")
    sub = parser.add_subparsers(dest="command", required=True)
    crawl.add_parser(sub)
    sites.add_parsers(sub)
    extract.add_parser(sub)
    demo.add_parser(sub)
    snapshot.add_parser(sub)
    state.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.getLogger("scrapy").setLevel(args.log_level)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"crawler: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SetupError as exc:
        print(f"crawler: error: {exc}", file=sys.stderr)
        return EXIT_SETUP
    except KeyboardInterrupt:
        print("crawler: interrupted before the crawl began; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
