"""Save a site as it answers into a folder that `crawler.replay` serves again: a site copy.

`python -m crawler snapshot SITE --mirror MAP --into DIR` runs the real spider and keeps every
response it receives, redirects and errors included, in `DIR/<UTC start>.warc.gz` (the same
recorder and format as the archives of scheduled runs; a folder may hold several snapshots, and
the latest capture of a URL answers). This is how the test fixtures were made, and how an
operator keeps a local copy of a site to replay.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from crawler.archive import SUFFIX
from crawler.output import run_name


def snapshot(site: str, into: Path, mirror: str | None = None, log_level: str = "WARNING",
             overrides: dict[str, Any] | None = None) -> Path:
    """Crawl a site once with no pipelines, every response archived; the archive's path."""
    from scrapy.crawler import CrawlerProcess

    from crawler.cli import project_settings, spider_classes

    run = run_name(datetime.now(timezone.utc))
    settings = project_settings(LOG_LEVEL=log_level, MIRROR_MAP=mirror, ARCHIVE_DIR=str(into),
                                ARCHIVE_RUN=run, ARCHIVE_SITE_FOLDERS=False, ITEM_PIPELINES={},
                                **(overrides or {}))
    process = CrawlerProcess(settings)
    process.crawl(spider_classes(settings)[site])
    process.start()
    return Path(into) / f"{run}{SUFFIX}"
