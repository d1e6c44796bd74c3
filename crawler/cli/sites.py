"""`list` and `probe`: the sites the crawler knows, and a look at a site it does not know yet."""
from __future__ import annotations

import argparse
import sys

from crawler.cli.common import EXIT_OK, EXIT_SITE_FAILED, _check_mirror, site_list, sites_file_option


def cmd_list(args: argparse.Namespace) -> int:
    for site in site_list(args.sites_file).sites.values():
        kind = f"spider {site.spider}" if site.spider else (site.cms or "cms to be recognised")
        print(f"{site.id:12} {site.language}  {site.timezone:18} {site.origin:32} {kind}")
    return EXIT_OK


def cmd_probe(args: argparse.Namespace) -> int:
    """Look at a site and print the site list entry it would get."""
    from crawler.probe import ProbeError, recognise

    _check_mirror(args.mirror)
    try:
        finding = recognise(args.url, args.mirror)
    except ProbeError as exc:
        print(f"crawler: {exc}", file=sys.stderr)
        return EXIT_SITE_FAILED
    print(finding.entry())
    return EXIT_OK if finding.cms else EXIT_SITE_FAILED


def add_parsers(sub: argparse._SubParsersAction) -> None:
    listing = sub.add_parser("list", help="the sites this crawler knows")
    sites_file_option(listing)
    listing.set_defaults(func=cmd_list)

    probe = sub.add_parser("probe", help="look at a site: the site list entry it would get (CMS, language, clock, news)")
    probe.add_argument("url", metavar="URL", help="the site's home page or news listing")
    probe.add_argument("--mirror", metavar="MAP.json", help="fetch live origins from local mirrors")
    probe.set_defaults(func=cmd_probe)
