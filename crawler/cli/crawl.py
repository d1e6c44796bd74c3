"""`crawl`: the sites named (every site when none is), one-off into one file or scheduled into
per-site files with the state, archived."""
from __future__ import annotations

import argparse
from pathlib import Path

from crawler.cli.common import (DEFAULT_ARCHIVE_DIR, DEFAULT_OUTPUT_DIR, DEFAULT_STATE, UsageError,
                                _check_mirror, _log_level_option, _overrides, _since, pick_sites,
                                settings_option, site_list, sites_file_option)
from crawler.cli.run import _archive_dir, _run


def cmd_crawl(args: argparse.Namespace) -> int:
    sites = pick_sites(args.sites, site_list(args.sites_file).sites)
    if args.output and args.output_dir:
        raise UsageError("give --output FILE or --output-dir DIR, not both")
    since = _since(args.since)
    _check_mirror(args.mirror)
    one_off = bool(args.output) and not args.state
    return _run(args, sites, {**_overrides(args.set), "SITES_FILES": list(args.sites_file)},
                since=since, archive_dir=_archive_dir(args),
                state_path=None if one_off else Path(args.state or DEFAULT_STATE))


def add_parser(sub: argparse._SubParsersAction) -> None:
    crawl = sub.add_parser("crawl", help="crawl sites (all when none is named)")
    crawl.add_argument("sites", nargs="*", metavar="SITE",
                       help="site ids to crawl (see `list`; default: every site)")
    _log_level_option(crawl)
    crawl.add_argument("--mirror", metavar="MAP.json", help="fetch live origins from local mirrors")
    crawl.add_argument("--output", metavar="FILE.jsonl",
                       help="one-off run: all items in one file (no state unless --state is given)")
    crawl.add_argument("--output-dir", metavar="DIR",
                       help=f"scheduled run: DIR/<site>/<run>.jsonl (default {DEFAULT_OUTPUT_DIR})")
    crawl.add_argument("--state", metavar="PATH", help=f"state file (default {DEFAULT_STATE})")
    crawl.add_argument("--full", action="store_true", help="ignore the state: recrawl everything")
    crawl.add_argument("--since", metavar="DATE", help="skip articles published before DATE")
    crawl.add_argument("--revisit-days", type=float, default=7.0,
                       help="refetch articles younger than this many days (default 7)")
    crawl.add_argument("--missing-max", type=float, default=0.2,
                       help="alarm when a required field is missing in more than this share (0.2)")
    crawl.add_argument("--quiet", action="store_true", help="no report on stderr unless a site failed")
    crawl.add_argument("--archive-dir", metavar="DIR",
                       help="keep every response in DIR/<site>/<run>.warc.gz (default: `archive` beside "
                            f"the output folder, {DEFAULT_ARCHIVE_DIR} for {DEFAULT_OUTPUT_DIR}; "
                            "one-off runs archive only when this is given)")
    crawl.add_argument("--no-archive", action="store_true", help="keep no archive of the pages")
    settings_option(crawl, "override a Scrapy setting, e.g. -s DOWNLOAD_TIMEOUT=10 (repeatable)")
    sites_file_option(crawl)
    crawl.set_defaults(func=cmd_crawl)
