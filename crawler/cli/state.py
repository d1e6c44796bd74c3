"""`reset` and `state check`: forgetting what was written for sites, and what the state holds."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crawler.cli.common import (DEFAULT_STATE, EXIT_LOCKED, EXIT_OK, EXIT_SETUP, SetupError, pick_sites,
                                site_list, sites_file_option)


def cmd_state(args: argparse.Namespace) -> int:
    from crawler.lock import LockBusy, RunLock
    from crawler.state import State, StateError, advice, inspect

    sites = pick_sites(args.sites, site_list(args.sites_file).sites)
    path = Path(args.state)
    try:
        inspect(path)
    except StateError as exc:
        raise SetupError(advice(path, str(exc))) from exc
    try:
        with RunLock(path.with_name(path.name + ".lock")):
            state = State(path)
            for site in sites:
                print(f"{site}: forgot {state.forget(site)} articles", file=sys.stderr)
            state.close()
    except LockBusy as exc:
        print(f"crawler: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    return EXIT_OK


def cmd_state_check(args: argparse.Namespace) -> int:
    """What the state holds per site, read without changing it; exit 4 with advice when damaged."""
    from crawler.state import SCHEMA_VERSION, StateError, advice, check

    path = Path(args.state)
    if not path.exists():
        print(f"crawler: error: no state file at {path} (a first run creates it; give --state PATH)",
              file=sys.stderr)
        return EXIT_SETUP
    try:
        version, sites = check(path)
    except StateError as exc:
        print(f"crawler: error: {advice(path, str(exc))}", file=sys.stderr)
        return EXIT_SETUP
    note = "" if version == SCHEMA_VERSION else f" (the next run migrates it to {SCHEMA_VERSION})"
    print(f"state {path}: schema version {version}{note}, {path.stat().st_size:,} bytes, {len(sites)} sites")
    print(f"  {'site':12} {'articles':>8} {'aliases':>8} {'dead':>6} {'dropped':>7} {'files':>6}  last run")
    for s in sites:
        walk = "" if s.walk_complete else "  (last walk cut short: the next run walks on)"
        print(f"  {s.site:12} {s.articles:8} {s.aliases:8} {s.dead:6} {s.dropped:7} {s.files:6}  {s.last_run or '-'}{walk}")
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    reset = sub.add_parser("reset", help="forget what was written for sites (next run writes all again)")
    reset.add_argument("sites", nargs="+", metavar="SITE")
    reset.add_argument("--state", default=str(DEFAULT_STATE), metavar="PATH")
    sites_file_option(reset)
    reset.set_defaults(func=cmd_state)

    state = sub.add_parser("state", help="the state file: `state check` reports what it holds")
    state_sub = state.add_subparsers(dest="action", required=True)
    check = state_sub.add_parser("check", help="per site: articles, aliases, dead links, files, last run")
    check.add_argument("--state", default=str(DEFAULT_STATE), metavar="PATH")
    check.set_defaults(func=cmd_state_check)
