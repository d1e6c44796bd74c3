"""`extract`: the spiders and pipelines over web archives (WARC), ours or other tools', with no
network: items as at capture time."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crawler.cli.common import (UsageError, _check_mirror, _log_level_option, _overrides, pick_sites,
                                settings_option, site_list, sites_file_option)
from crawler.cli.run import _run
from crawler.urls import NOT_WEB_HANDLERS

# Extraction reads a disk, not a site: no politeness delays, no retries (an archived answer is
# the same every time), and nothing archived again.
EXTRACT_SETTINGS = {
    "DOWNLOAD_HANDLERS": {**NOT_WEB_HANDLERS, "http": "crawler.warc_source.ArchiveDownloadHandler",
                          "https": "crawler.warc_source.ArchiveDownloadHandler"},
    "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "RETRY_ENABLED": False,
    "CONCURRENT_REQUESTS": 8, "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "ARCHIVE_DIR": None,
    # Scrapy starts CONCURRENT_ITEMS (100) asyncio tasks per response to take its items; a page
    # gives one item at most: 100 tasks a page were a third of the CPU of an extraction
    "CONCURRENT_ITEMS": 4,
    # what only talking to a live site needs: cookies (archived answers are fixed), Referer
    # headers (nothing is sent), the telnet console
    "COOKIES_ENABLED": False, "REFERER_ENABLED": False, "TELNETCONSOLE_ENABLED": False,
}


#: extraction re-reads every archived article (it costs no site anything): with a state, only
#: what is new or changed since the state's last write is written
EXTRACT_REVISIT_DAYS = 365_000


def extract_sites(names: list[str], origins: set[str], known: dict[str, Any]) -> list[str]:
    """The sites named, else those whose origin (www. or not) the archives hold."""
    from crawler.warc_source import origin_of

    if names:
        return pick_sites(names, known)
    held = {origin_of(o).replace("://www.", "://") for o in origins}
    return [site for site, entry in known.items() if origin_of(entry.origin).replace("://www.", "://") in held]


def cmd_extract(args: argparse.Namespace) -> int:
    """Run the spiders and pipelines over archived pages: no network, items as at capture time."""
    from crawler.warc_source import ArchiveError, archive_files, shared_index

    known = site_list(args.sites_file).sites
    _check_mirror(args.mirror)
    try:
        files = [str(p) for p in archive_files(args.archives)]
        index = shared_index(files, args.mirror)
    except (ArchiveError, OSError) as exc:
        raise UsageError(str(exc)) from exc
    if not files:
        raise UsageError(f"no .warc or .warc.gz files in {', '.join(args.archives)}")
    sites = extract_sites(args.site, index.origins(), known)
    if not sites:
        raise UsageError(f"the archives hold no page of a known site ({len(index)} captures of "
                         f"{', '.join(sorted(index.origins())) or 'nothing'}); use --mirror or --site")
    if not args.quiet:
        print(f"extracting {', '.join(sites)} from {len(files)} archive file(s), "
              f"{len(index)} captures", file=sys.stderr)
    for damage in index.damage:  # the complete records are used; the run ends with exit 1
        print(f"crawler: damaged archive: {damage.describe()}", file=sys.stderr)
    # what a crawl's options would be: every article revisited, nothing archived again
    run_args = argparse.Namespace(**{**vars(args), "revisit_days": EXTRACT_REVISIT_DAYS, "missing_max": 0.2,
                                     "full": False})
    return _run(run_args, sites, {**EXTRACT_SETTINGS, **_overrides(args.set), "ARCHIVE_SOURCES": files,
                                  "SITES_FILES": list(args.sites_file)}, since=None,
                archive_dir=None, state_path=Path(args.state) if args.state else None, damage=index.damage)


def add_parser(sub: argparse._SubParsersAction) -> None:
    ext = sub.add_parser("extract", help="items from web archives (WARC), with no network")
    ext.add_argument("archives", nargs="+", metavar="ARCHIVE", help=".warc/.warc.gz files or folders")
    ext.add_argument("--mirror", metavar="MAP.json",
                     help="the mirror map the archives were made through (their URLs are mapped back)")
    ext.add_argument("--site", action="append", default=[], metavar="NAME",
                     help="extract this site (repeatable; default: every site the archives hold)")
    where = ext.add_mutually_exclusive_group(required=True)
    where.add_argument("--output", metavar="FILE.jsonl", help="all items in one file")
    where.add_argument("--output-dir", metavar="DIR", help="DIR/<site>/<run>.jsonl")
    ext.add_argument("--state", metavar="PATH",
                     help="write only items new or changed since this state's last write, and record them")
    ext.add_argument("--quiet", action="store_true", help="no report on stderr unless a site failed")
    settings_option(ext, "override a Scrapy setting, as for crawl (e.g. -s DOWNLOAD_MAXSIZE=4000000)")
    _log_level_option(ext)
    sites_file_option(ext)
    ext.set_defaults(func=cmd_extract)
