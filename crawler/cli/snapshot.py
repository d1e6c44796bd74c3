"""`snapshot`: a site saved as it answers, as a WARC site copy that `crawler.replay` serves again."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crawler.cli.common import (EXIT_OK, _log_level_option, _overrides, pick_sites, settings_option,
                                site_list, sites_file_option)


def cmd_snapshot(args: argparse.Namespace) -> int:
    """Save a site as it answers, as a WARC file in a folder that `crawler.replay` serves again."""
    from crawler.snapshot import snapshot

    pick_sites([args.site], site_list(args.sites_file).sites)
    path = snapshot(args.site, args.into, args.mirror, args.log_level,
                    {**_overrides(args.set), "SITES_FILES": list(args.sites_file)})
    print(f"saved {args.site} into {path}", file=sys.stderr)
    return EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    snap = sub.add_parser("snapshot", help="save a site's pages for replay (fixtures, local copies)")
    snap.add_argument("site")
    snap.add_argument("--mirror", metavar="MAP.json")
    snap.add_argument("--into", required=True, type=Path, metavar="DIR")
    settings_option(snap)
    _log_level_option(snap)
    sites_file_option(snap)
    snap.set_defaults(func=cmd_snapshot)
