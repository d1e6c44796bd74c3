"""The run report: per site what was fetched, written, skipped and why, field fill rates, time,
and whether the site is healthy. Printed for a person on stderr and saved as JSON for machines.

A site FAILED when it could not be reached, when its listings showed no article links at all,
when articles were fetched but none could be read, or when a required field (title, body,
published_at) is missing in more than `missing_max` of its extracted items: the marks of a
site that is down or whose template changed.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipelines.coverage import COUNTED

REQUIRED_FIELDS = ("title", "body", "published_at")
#: the missing-field alarm wants a field missing in at least this many items (and in more than
#: missing_max of them): one bad page is not a template change, however few items a night has
MISSING_MIN_ITEMS = 2


@dataclass
class SiteReport:
    site: str
    pages_fetched: int
    new_items: int
    duplicates: int
    dropped: dict[str, int]
    skipped: dict[str, int]
    errors: dict[str, int]
    fill_rates: dict[str, float]
    extracted: int
    seconds: float
    problems: list[str] = field(default_factory=list)
    listing_pages: int = 0  # listing pages fetched (walks end: crawler/walk.py)
    page_limit_reached: bool = False  # LISTING_PAGE_LIMIT ended a walk of this site
    recognised: str | None = None  # the CMS found for an entry that names none, and how
    #: False when the crawl was stopped before its end (a signal, storage failing): what it wrote
    #: is kept, the rest is for the next run
    finished: bool = True
    not_sent: int = 0  # requests the stopping run did not send
    failures: dict[str, int] = field(default_factory=dict)  # why requests failed, in words

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def status(self) -> str:
        """One word for the report line: FAILED, stopped (cut short, nothing wrong) or ok."""
        return "FAILED" if self.problems else "ok" if self.finished else "stopped"


def _group(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {k[len(prefix):]: int(v) for k, v in sorted(stats.items()) if k.startswith(prefix)}


#: exceptions of requests that were not sent on purpose: a link robots.txt forbids (counted under
#: skipped/forbidden_by_robots), a request a stopping run held back (stopped/not_sent)
NOT_FAILURES = ("scrapy.exceptions.IgnoreRequest", "crawler.interrupt.NotSent")


def not_failures(stats: dict[str, Any]) -> int:
    """Exceptions the downloader counted that are no download error: whether robots.txt was
    read before the first links (a later crawl, an extraction) or not (a first crawl), a
    forbidden link is then never a download error."""
    return sum(int(stats.get(f"downloader/exception_type_count/{name}", 0)) for name in NOT_FAILURES)


def site_report(site: str, stats: dict[str, Any], missing_max: float = 0.2,
                missing_min: int = MISSING_MIN_ITEMS) -> SiteReport:
    dropped = _group(stats, "dropped/")
    extracted = int(stats.get("coverage/items", 0))
    fill = {name: round(stats.get(f"coverage/{name}", 0) / extracted, 3) if extracted else 0.0
            for name in COUNTED}
    errors = {
        "http_errors": sum(_group(stats, "httperror/response_ignored_status_count/").values()),
        "download_errors": int(stats.get("downloader/exception_count", 0)) - not_failures(stats)
        - int(stats.get("retry/count", 0)) + int(stats.get("retry/max_reached", 0)),
        "gave_up_retrying": int(stats.get("retry/max_reached", 0)),
        "retries": int(stats.get("retry/count", 0)),
        "logged_errors": int(stats.get("log_count/ERROR", 0)),
    }
    errors["charset_fixes"] = sum(_group(stats, "charset/").values())
    report = SiteReport(
        site=site,
        pages_fetched=int(stats.get("response_received_count", 0)),
        new_items=int(stats.get("output/lines", stats.get("item_scraped_count", 0))),
        duplicates=dropped.get("duplicate_url", 0) + dropped.get("duplicate_content", 0),
        dropped=dropped,
        skipped=_group(stats, "skipped/"),
        errors={k: max(v, 0) for k, v in errors.items()},
        fill_rates=fill,
        extracted=extracted,
        seconds=round(float(stats.get("elapsed_time_seconds", 0.0)), 2),
        listing_pages=int(stats.get("listing/pages", 0)),
        page_limit_reached=bool(stats.get("listing/page_limit_reached", 0)),
        finished=stats.get("finish_reason", "finished") == "finished",
        not_sent=int(stats.get("stopped/not_sent", 0)),
        failures=_group(stats, "failure/"),
    )
    report.problems = problems(report, stats, missing_max, missing_min)
    report.recognised = stats.get("site/recognised")
    return report


def missing_alarm(extracted: int, filled: int, missing_max: float, missing_min: int = MISSING_MIN_ITEMS) -> bool:
    """Whether a required field missing in `extracted - filled` items marks a template change:
    in more than `missing_max` of them, and in at least `missing_min` (an incremental night
    extracts a handful of items: one undated page among three is not a broken layout)."""
    missing = extracted - filled
    return missing >= max(missing_min, 1) and missing / extracted > missing_max


def unreachable_because(stats: dict[str, Any]) -> str:
    """Why no page answered, in an operator's words: the causes the spider counted
    (crawler.failures: DNS name not found, connection refused, timed out after N s, TLS, HTTP
    status...), most frequent first, and what the server answered, if anything."""
    causes = sorted(_group(stats, "failure/").items(), key=lambda kv: (-kv[1], kv[0]))
    parts = [f"{words} ({n} request{'s' if n > 1 else ''})" for words, n in causes
             if not words.startswith("HTTP ")]
    statuses = _group(stats, "downloader/response_status_count/")
    parts += [f"HTTP {code} ({n} response{'s' if n > 1 else ''})" for code, n in statuses.items()]
    return "; ".join(parts) or "no request was answered or failed (nothing was asked?)"


def problems(report: SiteReport, stats: dict[str, Any], missing_max: float,
             missing_min: int = MISSING_MIN_ITEMS) -> list[str]:
    if stats.get("site/unrecognised"):
        return [str(stats["site/unrecognised"])]
    if stats.get("site/not_started"):
        return [str(stats["site/not_started"])]
    statuses = _group(stats, "downloader/response_status_count/")
    if not any(code.startswith("2") for code in statuses):
        return [f"unreachable: no page answered with success: {unreachable_because(stats)}"]
    found = []
    if stats.get("finish_reason", "finished") not in ("finished", "shutdown"):  # shutdown: the run says why
        found.append(f"crawl ended early: {stats.get('finish_reason')}")
    if int(stats.get("listing/article_links", 0)) == 0:
        found.append("no article links on the listings: listing layout changed or site down")
    fetched_articles = int(stats.get("article/responses", 0))
    if fetched_articles and report.extracted == 0:
        found.append(f"{fetched_articles} article pages fetched, none could be read: article layout changed")
    if report.extracted:
        for name in REQUIRED_FIELDS:
            # from the counts, not 1 - rounded rate: 3 of 10 missing is 0.3, never 0.30000000000000004
            filled = int(stats.get(f"coverage/{name}", 0))
            missing = (report.extracted - filled) / report.extracted
            if missing_alarm(report.extracted, filled, missing_max, missing_min):
                found.append(f"layout: {name} missing in {missing:.0%} of {report.extracted} items")
    return found


@dataclass
class RunReport:
    run: str
    started: str
    finished: str
    exit_code: int
    outputs: list[str]
    sites: list[SiteReport]
    stopped: str | None = None  # why the run stopped early: "interrupted by SIGTERM", "storage failed: …"
    archives: list[dict[str, Any]] = field(default_factory=list)  # WARC files written, with sizes
    #: input archives read only in part (extract): file, offset, problem, the record before it
    archive_damage: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for site, raw in zip(self.sites, data["sites"]):
            raw["ok"] = site.ok
            raw["status"] = site.status
        return data

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.part")
        tmp.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(path)
        return path

    def text(self) -> str:
        lines = [f"run {self.run}: exit {self.exit_code}" + (f" ({self.stopped})" if self.stopped else "")]
        for s in self.sites:
            status = s.status
            lines.append(
                f"  {s.site:12} {status:6} {s.pages_fetched:5} pages, {s.new_items:4} new items, "
                f"{s.duplicates} duplicates skipped, {s.seconds:.1f}s")
            dropped = {k: v for k, v in s.dropped.items() if k not in ("duplicate_url", "duplicate_content")}
            if dropped:
                lines.append("      dropped: " + ", ".join(f"{k} {v}" for k, v in dropped.items()))
            if s.skipped:
                lines.append("      skipped: " + ", ".join(f"{k} {v}" for k, v in s.skipped.items()))
            errors = {k: v for k, v in s.errors.items() if v}
            if errors:
                lines.append("      errors: " + ", ".join(f"{k} {v}" for k, v in errors.items()))
            if s.extracted:
                lines.append("      filled: " + ", ".join(
                    f"{k} {v:.0%}" for k, v in s.fill_rates.items()))
            if s.page_limit_reached:
                lines.append(f"      NOTE: listing page limit reached after {s.listing_pages} listing pages "
                             "(LISTING_PAGE_LIMIT): the walk was cut there")
            if s.recognised:
                lines.append(f"      cms: recognised as {s.recognised}")
            if not s.finished:
                lines.append(f"      stopped before its end: {s.new_items} items kept, "
                             f"{s.not_sent} requests not sent; the next run writes the rest")
            for problem in s.problems:
                lines.append(f"      PROBLEM: {problem}")
        for path in self.outputs:
            lines.append(f"  wrote {path}")
        for damage in self.archive_damage:
            after = f", after record {damage['after']}" if damage["after"] else ""
            lines.append(f"  DAMAGED ARCHIVE: {damage['file']}: {damage['problem']} at offset "
                         f"{damage['offset']}{after}; pages it lacks are counted as missing_from_archive")
        for archive in self.archives:
            lines.append(f"  archived {archive['responses']} responses in {archive['path']} "
                         f"({archive['bytes']:,} bytes)")
        return "\n".join(lines)
