"""A run of `crawl` or `extract`: the crawl in this process (sites bound to their spiders, a few
at a time), the preflight, the lock, the state, the sink, the report and the exit code."""
from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.cli.common import (DEFAULT_OUTPUT_DIR, EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_OK, EXIT_SITE_FAILED,
                                EXIT_STORAGE, SetupError, UsageError, project_settings)


def run_crawl(sites: list[str], sink: Any, *, state: Any = None, full: bool = False,
              since: datetime | None = None, mirror: str | None = None, log_level: str = "WARNING",
              progress: bool = False, settings_overrides: dict[str, Any] | None = None,
              stopper: Any = None) -> dict[str, dict[str, Any]]:
    """Crawl the sites in this process; returns each site's Scrapy stats. A `stopper`
    (crawler.interrupt.RunStopper) takes over SIGINT/SIGTERM from Scrapy."""
    from scrapy.crawler import CrawlerProcess

    from crawler.logs import quiet_expected_failures

    overrides = {"LOG_LEVEL": log_level, "LOG_COLOR": sys.stderr.isatty()}
    if mirror:
        overrides["MIRROR_MAP"] = str(mirror)
    overrides.update(settings_overrides or {})
    settings = project_settings(**overrides)
    classes, unrecognised = bind_sites(sites, settings)
    process = CrawlerProcess(settings)
    quiet_expected_failures()
    crawlers = {site: process.create_crawler(classes[site]) for site in classes}
    # at most CONCURRENT_SITES sites crawl at once (0: all): each crawling site holds its engine,
    # its pipelines and up to CONCURRENT_REQUESTS responses; the next site starts when one ends
    pending = list(crawlers)
    finished: dict[str, dict[str, Any]] = {}

    def start_next(result: Any = None) -> Any:
        if pending and not (stopper is not None and stopper.reason):
            site = pending.pop(0)
            process.crawl(crawlers[site], sink=sink, state=state, full=full, since=since).addBoth(
                lambda r, site=site: start_next(_release(site, r)))
        return result

    def _release(site: str, result: Any) -> Any:
        """A site that has ended: its stats are kept, its crawler (engine, spider) let go."""
        finished[site] = dict(crawlers[site].stats.get_stats()) if crawlers[site].stats else {}
        crawlers[site] = _Ended(finished[site])
        return result

    limit = settings.getint("CONCURRENT_SITES", 0)
    for _ in range(min(limit, len(pending)) if limit > 0 else len(pending)):
        start_next()
    if progress:
        _show_progress(crawlers)
    if stopper is not None:
        stopper.attach(process)
        stopper.crawlers = crawlers  # a forced stop reports what each site had done
    process.start(install_signal_handlers=stopper is None)
    if stopper is not None:
        stopper.cancel()
    if progress:
        sys.stderr.write("\n")
    stats = {site: finished.get(site) or (dict(crawler.stats.get_stats()) if crawler.stats else {})
             for site, crawler in crawlers.items()}
    not_started = {"site/not_started": "not crawled: the run was stopped before this site's turn"}
    return {site: stats.get(site) or ({"site/unrecognised": unrecognised[site]} if site in unrecognised
                                      else not_started) for site in sites}


class _Ended:
    """What is kept of a site's crawler once its crawl has ended: the stats (progress line, report)."""

    def __init__(self, stats: dict[str, Any]):
        self.stats = self
        self._stats = stats

    def get_stats(self) -> dict[str, Any]:
        return self._stats


def bind_sites(sites: list[str], settings: Any) -> tuple[dict[str, type], dict[str, str]]:
    """Each site's spider class, bound to its entry; sites whose CMS could not be recognised
    (an entry without `cms`) are left out of the crawl with the reason, and fail in the report."""
    from crawler.registry import NotRecognised, SiteLoader

    loader = SiteLoader.from_settings(settings)
    classes, unrecognised = {}, {}
    for site in sites:
        try:
            classes[site] = loader.load(site)
        except NotRecognised as exc:
            logging.getLogger("crawler").error("%s", exc)
            unrecognised[site] = str(exc)
    return classes, unrecognised


class ClearProgress(logging.Filter):
    """Before a log line goes to the terminal, the progress line is wiped (carriage return, erase
    to the end of the line), so that the log line stands alone instead of being glued onto it;
    the next tick draws the progress line again."""

    def __init__(self, stream: Any = None):
        super().__init__()
        self.stream = stream

    def filter(self, record: logging.LogRecord) -> bool:
        stream = self.stream or sys.stderr
        stream.write("\r\x1b[K")
        return True


def clear_progress_before_logs(handlers: list[logging.Handler], stream: Any = None) -> None:
    """Give each handler a ClearProgress filter (once: Scrapy replaces the root handler when a
    crawl starts, so this is done again at every tick)."""
    for handler in handlers:
        if not any(isinstance(f, ClearProgress) for f in handler.filters):
            handler.addFilter(ClearProgress(stream))


def _show_progress(crawlers: dict[str, Any]) -> None:
    """A live line per run in a terminal; never under cron (no tty, no progress)."""
    from twisted.internet import task

    def tick() -> None:
        clear_progress_before_logs(logging.getLogger().handlers)
        parts = []
        for site, crawler in crawlers.items():
            stats = crawler.stats.get_stats() if crawler.stats else {}
            parts.append(f"{site} {stats.get('response_received_count', 0)}p/{stats.get('output/lines', 0)}i")
        sys.stderr.write("\r" + "  ".join(parts) + " ")
        sys.stderr.flush()

    task.LoopingCall(tick).start(1.0, now=False)


def _out_dir(args: argparse.Namespace) -> Path | None:
    """A scheduled run's output folder; a one-off run (--output FILE) has none."""
    return None if args.output else Path(args.output_dir or DEFAULT_OUTPUT_DIR)


def check_setup(args: argparse.Namespace, sites: list[str], state_path: Path | None, min_free: int,
                archive_dir: Path | None = None) -> None:
    """Everything that can be checked before the first request (crawler.preflight): option
    values (UsageError) and the locations the run writes to (SetupError); changes nothing."""
    from crawler.preflight import DIR, FILE, STATE, option_problems, preflight

    problems = option_problems(args.revisit_days, args.missing_max)
    if problems:
        raise UsageError(problems[0])
    out_dir = _out_dir(args)
    locations = [
        ("--output", args.output, FILE),
        ("--output-dir", out_dir, DIR),
        *[("--output-dir", out_dir / name, DIR) for name in [*sites, "_runs"] if out_dir is not None],
        ("--state", state_path, STATE),
        ("--archive-dir", archive_dir, DIR),
    ]
    problems = preflight(locations, min_free)
    if problems:
        raise SetupError(problems[0])


def _run(args: argparse.Namespace, sites: list[str], overrides: dict[str, Any], *,
         since: datetime | None, archive_dir: Path | None, state_path: Path | None,
         damage: list[Any] = ()) -> int:
    """A run of `crawl` or `extract`: preflight, the lock, the state, the sink, the crawl, the
    report, and the exit code, with interrupts and storage failures handled the same way.
    `damage`: what of the run's input archives could not be read (crawler.warc_source.Damage):
    in the report, and exit 1."""
    from crawler.clock import crawl_clock
    from crawler.interrupt import RunStopper
    from crawler.lock import LockBusy, RunLock
    from crawler.output import DirSink, FileSink, unused_run_name
    from crawler.report import RunReport, site_report
    from crawler.state import State, StateError, advice

    settings = project_settings(**overrides)
    try:
        min_free, grace = settings.getfloat("PREFLIGHT_MIN_FREE_MB"), settings.getfloat("SHUTDOWN_GRACE")
        retry_dropped, missing_min = settings.getfloat("DROPPED_RETRY_DAYS"), settings.getint("MISSING_MIN_ITEMS")
    except ValueError as exc:
        raise UsageError(f"-s PREFLIGHT_MIN_FREE_MB, SHUTDOWN_GRACE, DROPPED_RETRY_DAYS and "
                         f"MISSING_MIN_ITEMS want numbers: {exc}") from exc
    try:
        clock = crawl_clock(settings)
    except ValueError as exc:
        raise UsageError(f"-s CRAWL_NOW wants an ISO 8601 moment such as 2026-12-04T06:00:00Z: {exc}") from exc
    check_setup(args, sites, state_path, int(min_free * 2**20), archive_dir)
    lock = None if state_path is None else RunLock(state_path.with_name(state_path.name + ".lock"))
    try:
        if lock:
            lock.acquire()
    except LockBusy as exc:
        print(f"crawler: {exc}; not starting", file=sys.stderr)
        return EXIT_LOCKED
    try:
        out_dir = _out_dir(args)
        report_dir = (out_dir or Path(args.output).resolve().parent) / "_runs"
        if archive_dir is not None:  # first: a killed run's leftover takes that run's name
            _salvage(archive_dir, sites)
        started, run = unused_run_name(lambda name: _run_name_taken(name, report_dir, out_dir, archive_dir, sites),
                                       now=clock)
        overrides["RUN_NAME"] = run
        if archive_dir is not None:
            overrides.update(ARCHIVE_DIR=str(archive_dir), ARCHIVE_RUN=run)
        try:
            state = None if state_path is None else State(state_path, revisit_days=args.revisit_days, now=started,
                                                          retry_dropped_days=retry_dropped)
        except StateError as exc:
            raise SetupError(advice(state_path, str(exc))) from exc
        except sqlite3.OperationalError as exc:  # a migration on a full or read-only disk
            print(f"crawler: error: cannot open the state {state_path}: {exc}; it was left as it was: "
                  "free space (or remount read-write) and run again", file=sys.stderr)
            return EXIT_STORAGE
        if out_dir is None:
            sink = FileSink(args.output, state)
        else:
            sink = DirSink(out_dir, run, state)
            if state is not None:
                try:
                    for site in sites:
                        sink.remove_stale(site)
                        state.adopt_files(site, sink.site_dir(site))
                except (sqlite3.OperationalError, OSError) as exc:
                    print(f"crawler: error: cannot adopt the files of an earlier run: {exc}; "
                          "free space (or remount read-write) and run again", file=sys.stderr)
                    state.close()
                    return EXIT_STORAGE

        def force(why: str) -> None:
            """Stop at once (a second signal, or the grace period over): nothing more is kept, and
            the run report says what was kept and why the run stopped."""
            sink.abort()
            saved = _forced_report(run, started, clock, sites, sink, stopper, why, report_dir, args.missing_max)
            os.write(2, f"crawler: stopped at once ({why}); files not yet in place were discarded, "
                        f"the next run writes them; report {saved}\n".encode())
            os._exit(EXIT_INTERRUPTED)

        stopper = RunStopper(grace, force)
        sink.on_failure = lambda error: stopper.stop(f"storage failed: {error}")
        log_level = "ERROR" if args.quiet and args.log_level == "WARNING" else args.log_level
        stats = run_crawl(sites, sink, state=state, full=args.full, since=since, mirror=args.mirror,
                          log_level=log_level, progress=sys.stderr.isatty() and not args.quiet,
                          settings_overrides=overrides, stopper=stopper)
        outputs = [str(p) for p in sink.close()]
        reports = [site_report(site, stats[site], args.missing_max, missing_min) for site in sites]
        code = EXIT_OK if all(r.ok for r in reports) and not damage else EXIT_SITE_FAILED
        stopped = None
        if sink.failed is not None:
            code, stopped = EXIT_STORAGE, f"storage failed: {sink.failed}"
        elif stopper.signal is not None:
            code, stopped = EXIT_INTERRUPTED, f"interrupted by {stopper.signal}"
        report = RunReport(run=run, started=started.isoformat(),
                           finished=clock().isoformat(), exit_code=code,
                           outputs=outputs, sites=reports, stopped=stopped,
                           archives=archives_of(stats), archive_damage=[d.to_json() for d in damage])
        try:
            saved = report.save(report_dir / f"{run}.json")
        except OSError as exc:
            saved = f"not saved ({exc.strerror})"
        if not args.quiet or code:
            print(report.text(), file=sys.stderr)
            print(f"  report {saved}", file=sys.stderr)
        if state is not None:
            state.close()
        if code == EXIT_STORAGE:
            print(f"crawler: error: {sink.failed}; the run stopped, nothing unfinished was kept or "
                  "recorded: free space (or remount read-write) and run again", file=sys.stderr)
        elif code == EXIT_INTERRUPTED:
            print(f"crawler: {stopped}: finished items kept and recorded; the next run writes the rest",
                  file=sys.stderr)
        return code
    finally:
        if lock:
            lock.release()


def _forced_report(run: str, started: datetime, clock: Any, sites: list[str], sink: Any, stopper: Any,
                   why: str, report_dir: Path, missing_max: float) -> str:
    """The report of a run stopped at once: per site what it had done, the files it kept (put in
    place before the stop; the new items counted are theirs) and why it stopped. Never raises: the
    process is about to exit."""
    from dataclasses import replace

    from crawler.report import RunReport, site_report

    try:
        kept = [Path(p) for p in getattr(sink, "committed", [])]
        lines = {p.parent.name: sum(1 for _ in p.open(encoding="utf-8")) for p in kept}
        crawlers = getattr(stopper, "crawlers", None) or {}
        stats = {site: dict(c.stats.get_stats()) if c.stats else {} for site, c in crawlers.items()}
        reports = [replace(site_report(site, stats.get(site, {}), missing_max), new_items=lines.get(site, 0))
                   for site in sites]
        stopped = f"{stopper.reason}; then stopped at once ({why})" if stopper.reason else f"stopped at once ({why})"
        report = RunReport(run=run, started=started.isoformat(), finished=clock().isoformat(),
                           exit_code=EXIT_INTERRUPTED, outputs=[str(p) for p in kept], sites=reports,
                           stopped=stopped, archives=archives_of(stats))
        return str(report.save(report_dir / f"{run}.json"))
    except Exception as exc:  # noqa: BLE001 - a report that cannot be made must not keep the process alive
        return f"not saved ({exc})"


def _run_name_taken(name: str, report_dir: Path, out_dir: Path | None, archive_dir: Path | None,
                    sites: list[str]) -> bool:
    """Whether an earlier run left a report, output or archive under this run name, or a run
    beside this one (a one-off run holds no lock) is writing an archive under it."""
    from crawler.archive import SUFFIX
    from crawler.output import PART

    paths = [report_dir / f"{name}.json"]
    paths += [out_dir / site / f"{name}.jsonl" for site in sites] if out_dir else []
    paths += [archive_dir / site / f"{name}{SUFFIX}" for site in sites] if archive_dir else []
    writing = [archive_dir / site for site in sites] if archive_dir else []
    return any(p.exists() for p in paths) or any(any(d.glob(f".{name}{SUFFIX}.*{PART}")) for d in writing)


def _archive_dir(args: argparse.Namespace) -> Path | None:
    """Scheduled runs archive by default; a one-off run (--output) only with --archive-dir."""
    if args.no_archive and args.archive_dir:
        raise UsageError("give --archive-dir DIR or --no-archive, not both")
    if args.no_archive:
        return None
    if args.archive_dir:
        return Path(args.archive_dir)
    return None if args.output else default_archive_dir(_out_dir(args))


def default_archive_dir(out_dir: Path) -> Path:
    """Beside the output folder (data/output → data/archive; /srv/news/out → /srv/news/archive),
    not under the working directory: a cron job's archive goes where its output goes."""
    return out_dir.parent / "archive"


def _salvage(archive_dir: Path, sites: list[str]) -> None:
    """Archives of killed runs left under temporary names: their complete records kept."""
    from crawler.archive import salvage_all

    for site in sites:
        for path in salvage_all(archive_dir, site):
            print(f"crawler: kept the archive of a killed run as {path}", file=sys.stderr)


def archives_of(stats: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The archive files a run wrote and their sizes, for the run report."""
    return [{"site": site, "path": s["archive/file"], "bytes": s.get("archive/file_bytes", 0),
             "responses": s.get("archive/responses", 0)}
            for site, s in stats.items() if s.get("archive/file")]
