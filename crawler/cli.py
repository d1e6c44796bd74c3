"""The command line: `python -m crawler crawl|extract|list|demo|snapshot|reset|state`.

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
"""
from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_SITE_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3
EXIT_SETUP, EXIT_STORAGE, EXIT_INTERRUPTED = 4, 5, 6
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STATE = Path("data/state.sqlite")
DEFAULT_OUTPUT_DIR = Path("data/output")
DEFAULT_ARCHIVE_DIR = Path("data/archive")  # beside the default output folder (default_archive_dir)
DEMO_SITES = PROJECT_ROOT / "tests" / "fixtures" / "sites"


class UsageError(Exception):
    pass


class SetupError(Exception):
    """A location or file the run needs is unusable (exit 4)."""


# -- the spiders ------------------------------------------------------------------------------

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


# -- running a crawl --------------------------------------------------------------------------

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


def _check_mirror(path: str | None) -> None:
    from crawler.mirror import MirrorMap, MirrorMapError

    if path:
        try:
            MirrorMap.load(path)
        except MirrorMapError as exc:
            raise UsageError(str(exc)) from exc


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


from crawler.urls import NOT_WEB_HANDLERS  # noqa: E402 (light: the settings need it too)

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


def cmd_demo(args: argparse.Namespace) -> int:
    """Serve the project's saved pages on loopback and crawl them with the real spiders."""
    from crawler.output import FileSink
    from crawler.replay import ReplayServer, SiteCopy
    from crawler.report import site_report

    known = site_list().sites
    copies = [SiteCopy.load(d) for d in sorted(DEMO_SITES.iterdir())
              if d.name in known and any(d.glob("*.warc.gz"))]
    if not copies:
        raise UsageError(f"no saved sites under {DEMO_SITES}")
    sites = [c.root.name for c in copies]
    output = Path(args.output)
    with ReplayServer(copies) as server, tempfile.TemporaryDirectory() as tmp:
        mirror = server.write_map(Path(tmp) / "mirror.json")
        print(f"serving saved copies of {', '.join(sites)} on loopback: {server.mirror}", file=sys.stderr)
        sink = FileSink(output)
        from crawler.output import run_name
        stats = run_crawl(sites, sink, mirror=str(mirror), log_level=args.log_level,
                          settings_overrides={"RUN_NAME": run_name(datetime.now(timezone.utc)),
                                              **_overrides(args.set)})
        sink.close()
    reports = [site_report(site, stats[site]) for site in sites]
    for r in reports:
        print(f"  {r.site:12} {r.new_items} articles from {r.pages_fetched} pages"
              + ("" if r.ok else f"  PROBLEMS: {'; '.join(r.problems)}"), file=sys.stderr)
    print(f"wrote {output}; first line:", file=sys.stderr)
    with open(output, encoding="utf-8") as f:
        print(f.readline().rstrip("\n"))
    return EXIT_OK if all(r.ok for r in reports) else EXIT_SITE_FAILED


def cmd_snapshot(args: argparse.Namespace) -> int:
    """Save a site as it answers, as a WARC file in a folder that `crawler.replay` serves again."""
    from crawler.snapshot import snapshot

    pick_sites([args.site], site_list(args.sites_file).sites)
    path = snapshot(args.site, args.into, args.mirror, args.log_level,
                    {**_overrides(args.set), "SITES_FILES": list(args.sites_file)})
    print(f"saved {args.site} into {path}", file=sys.stderr)
    return EXIT_OK


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


def _log_level_option(sub: argparse.ArgumentParser) -> None:
    """--log-level after the command too (`crawl --log-level INFO`); SUPPRESS keeps the value
    given before the command when it is not given again."""
    sub.add_argument("--log-level", default=argparse.SUPPRESS,
                     help="Scrapy log level (default WARNING; also accepted before the command)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m crawler", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--log-level", default="WARNING", help="Scrapy log level (default WARNING)")
    sub = parser.add_subparsers(dest="command", required=True)

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
    crawl.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                       help="override a Scrapy setting, e.g. -s DOWNLOAD_TIMEOUT=10 (repeatable)")
    crawl.set_defaults(func=cmd_crawl)

    listing = sub.add_parser("list", help="the sites this crawler knows")
    listing.set_defaults(func=cmd_list)

    probe = sub.add_parser("probe", help="look at a site: the site list entry it would get (CMS, language, clock, news)")
    probe.add_argument("url", metavar="URL", help="the site's home page or news listing")
    probe.add_argument("--mirror", metavar="MAP.json", help="fetch live origins from local mirrors")
    probe.set_defaults(func=cmd_probe)

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
    ext.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                     help="override a Scrapy setting, as for crawl (e.g. -s DOWNLOAD_MAXSIZE=4000000)")
    _log_level_option(ext)
    ext.set_defaults(func=cmd_extract)

    demo = sub.add_parser("demo", help="crawl the project's saved pages, served on loopback")
    demo.add_argument("--output", default="demo.jsonl", metavar="FILE.jsonl")
    demo.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                      help="override a Scrapy setting, as for crawl")
    _log_level_option(demo)
    demo.set_defaults(func=cmd_demo)

    snap = sub.add_parser("snapshot", help="save a site's pages for replay (fixtures, local copies)")
    snap.add_argument("site")
    snap.add_argument("--mirror", metavar="MAP.json")
    snap.add_argument("--into", required=True, type=Path, metavar="DIR")
    snap.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                      help="override a Scrapy setting, as for crawl")
    _log_level_option(snap)
    snap.set_defaults(func=cmd_snapshot)

    reset = sub.add_parser("reset", help="forget what was written for sites (next run writes all again)")
    reset.add_argument("sites", nargs="+", metavar="SITE")
    reset.add_argument("--state", default=str(DEFAULT_STATE), metavar="PATH")
    reset.set_defaults(func=cmd_state)
    for command in (crawl, listing, ext, snap, reset):
        command.add_argument("--sites-file", action="append", default=[], metavar="FILE",
                             help="more sites: a TOML site list like sites.toml (repeatable)")

    state = sub.add_parser("state", help="the state file: `state check` reports what it holds")
    state_sub = state.add_subparsers(dest="action", required=True)
    check = state_sub.add_parser("check", help="per site: articles, aliases, dead links, files, last run")
    check.add_argument("--state", default=str(DEFAULT_STATE), metavar="PATH")
    check.set_defaults(func=cmd_state_check)
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
