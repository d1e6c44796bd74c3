"""What every command shares: exit codes, default locations, usage and set-up errors, the
project's settings, the site list, and the options several commands take."""
from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_SITE_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3
EXIT_SETUP, EXIT_STORAGE, EXIT_INTERRUPTED = 4, 5, 6
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_STATE = Path("data/state.sqlite")
DEFAULT_OUTPUT_DIR = Path("data/output")
DEFAULT_ARCHIVE_DIR = Path("data/archive")  # beside the default output folder (default_archive_dir)
DEMO_SITES = PROJECT_ROOT / "tests" / "fixtures" / "sites"


class UsageError(Exception):
    pass


class SetupError(Exception):
    """A location or file the run needs is unusable (exit 4)."""


def project_settings(**overrides: Any):
    from scrapy.settings import Settings

    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    settings = Settings()
    settings.setmodule("settings", priority="project")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return settings


def spider_classes(settings=None, sites_files: list[str] | None = None) -> dict[str, type]:
    """Every site of the site list (and of `sites_files`), by id, as its bound spider class."""
    from crawler.registry import SiteLoader
    from crawler.sites import SiteListError

    settings = settings or project_settings()
    if sites_files:
        settings = settings.copy()
        settings.set("SITES_FILES", [*settings.getlist("SITES_FILES"), *sites_files], priority="cmdline")
    try:
        loader = SiteLoader.from_settings(settings)
    except SiteListError as exc:
        raise UsageError(str(exc)) from exc
    return {name: loader.load(name) for name in loader.list()}


def site_list(sites_files: list[str] | None = None, mirror: str | None = None):
    """The site list (sites.toml and the operator's --sites-file files), checked: a usage error
    names the file, the entry and the key. Sites are bound to their spiders when crawled."""
    from crawler.registry import SiteLoader
    from crawler.sites import SiteListError

    try:
        return SiteLoader.from_settings(project_settings(SITES_FILES=list(sites_files or []), MIRROR_MAP=mirror))
    except SiteListError as exc:
        raise UsageError(str(exc)) from exc


def pick_sites(names: list[str], known: dict[str, Any]) -> list[str]:
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(f"unknown site(s): {', '.join(unknown)}; known: {', '.join(known)}")
    return list(dict.fromkeys(names)) or list(known)


def _since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"--since wants an ISO date such as 2026-01-31: {text!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _overrides(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip().isidentifier():
            raise UsageError(f"-s wants NAME=VALUE, not {pair!r}")
        out[name.strip()] = value
    return out


def _check_mirror(path: str | None) -> None:
    from crawler.mirror import MirrorMap, MirrorMapError

    if path:
        try:
            MirrorMap.load(path)
        except MirrorMapError as exc:
            raise UsageError(str(exc)) from exc


# -- options several commands take ------------------------------------------------------------

def _log_level_option(sub: argparse.ArgumentParser) -> None:
    """--log-level after the command too (`crawl --log-level INFO`); SUPPRESS keeps the value
    given before the command when it is not given again."""
    sub.add_argument("--log-level", default=argparse.SUPPRESS,
                     help="Scrapy log level (default WARNING; also accepted before the command)")


def settings_option(parser: argparse.ArgumentParser, help: str = "override a Scrapy setting, as for crawl") -> None:
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE", help=help)


def sites_file_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sites-file", action="append", default=[], metavar="FILE",
                        help="more sites: a TOML site list like sites.toml (repeatable)")
