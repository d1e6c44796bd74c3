"""One command for the benchmarks: `python -m bench.run [--sizes 1000,10000,50000] [--quick] [--json]`.

1. builds a synthetic copy of the five sites with N articles in all (bench/build.py), for each size;
2. serves it on loopback with crawler/replay.py and runs the real crawl end to end in a subprocess:
   `python -m bench.crawl crawl --mirror MAP --output FILE` (= `python -m crawler crawl …` with the
   benchmark settings of BENCH_SETTINGS on top of settings.py), timing it and reading the child's
   CPU time and peak RSS from wait4(); then the same crawl archiving every response
   (`--archive-dir`) and `python -m crawler extract` over that archive: CPU added by archiving,
   archive size against the page bytes received, extraction pages/s against the crawl's;
3. references on the same machine: `scrapy bench` (Scrapy's link-following throughput) and
   trafilatura's extraction of the same saved article pages;
4. micro benchmarks (bench/micro.py, each in a fresh process): extraction per page (ours,
   trafilatura, bare parsel floor), the state store with 1 million URLs, date parsing over the
   crawl's dates.
Prints a table (or JSON with --json). See BENCHMARKS.md.

`--sites100` runs instead the many-sites benchmark of bench/sites100.py: 100 configured sites (12
with --quick) built from the three CMS copies, crawled in one run, against one site alone and
`scrapy bench`.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.build import SPECS, build
from crawler.cli import PROJECT_ROOT

PYTHON = sys.executable
DEFAULT_WORK = Path(tempfile.gettempdir()) / "library-news-bench"
# Benchmark settings on top of settings.py: no politeness delays (the server is ours, on loopback).
BENCH_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "LOG_LEVEL": "WARNING",
}


def _child(cmd: list[str], *, env: dict | None = None, cwd: Path | None = None,
           stdout=subprocess.DEVNULL, stderr=None) -> dict:
    """Run a child process; its wall time, CPU seconds and peak RSS (from wait4) and exit code."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=stdout, stderr=stderr)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024,
            "exit": proc.returncode}


def crawl(folder: Path, work: Path, articles: int, concurrency: int, profile: Path | None,
          extra: tuple[str, ...] = (), label: str = "", polite: bool = False) -> dict:
    """The crawl with the benchmark settings (no politeness), or with the project's own (polite)."""
    from crawler.replay import ReplayServer, SiteCopy

    # served as live sites serve pages (no Memento-Datetime): the archive holds what a live crawl's does
    copies = [SiteCopy.load(folder / site, memento=False) for site in SPECS]
    out_dir = work / "out" / (folder.name + label)
    out_dir.mkdir(parents=True, exist_ok=True)
    output = out_dir / "items.jsonl"
    for old in [output, *out_dir.glob("_runs/*.json")]:
        old.unlink(missing_ok=True)
    settings = {"LOG_LEVEL": "WARNING"} if polite else dict(
        BENCH_SETTINGS, CONCURRENT_REQUESTS=concurrency, CONCURRENT_REQUESTS_PER_DOMAIN=max(1, concurrency // 2))
    env = dict(os.environ, BENCH_SETTINGS=json.dumps(settings), PYTHONHASHSEED="0")
    cmd = [PYTHON, "-m", "bench.crawl", "crawl", "--mirror", "MIRROR", "--output", str(output), *extra]
    if profile:  # py-spy samples from outside the process: little overhead, native code included
        cmd = [str(Path(PYTHON).with_name("py-spy")), "record", "-f", "raw", "-r", "250", "-o",
               str(profile.with_suffix(".raw")), "--", *cmd]
    with ReplayServer(copies) as server:
        mirror = server.write_map(out_dir / "mirror.json")
        with open(out_dir / "crawl.log", "wb") as log:
            run = _child([str(mirror) if c == "MIRROR" else c for c in cmd], env=env, cwd=PROJECT_ROOT, stderr=log)
        served = sum(len(c.requests) for c in copies)
    if profile:
        profile.write_text(summarize_profile(profile.with_suffix(".raw")), encoding="utf-8")
    report = json.loads(next(out_dir.glob("_runs/*.json")).read_text(encoding="utf-8"))
    sites = report["sites"]
    pages = sum(s["pages_fetched"] for s in sites)
    items = sum(1 for _ in open(output, encoding="utf-8")) if output.exists() else 0
    crawl_s = max(s["seconds"] for s in sites)
    return {
        "articles": articles, "pages": pages, "items": items, "served": served, "exit": run["exit"],
        "wall_s": round(run["wall_s"], 2), "crawl_s": round(crawl_s, 2),
        "pages_per_s": round(pages / crawl_s, 1), "items_per_s": round(items / crawl_s, 1),
        "pages_per_s_wall": round(pages / run["wall_s"], 1),
        "cpu_s": round(run["cpu_s"], 2), "cpu_s_per_1000_pages": round(run["cpu_s"] / pages * 1000, 2),
        "cpu_share": round(run["cpu_s"] / run["wall_s"], 2),
        "peak_rss_mb": round(run["peak_rss_mb"], 1), "output_bytes": output.stat().st_size if output.exists() else 0,
        "problems": {s["site"]: s["problems"] for s in sites if s["problems"]},
        "output": str(output),
    }


def archive_bench(folder: Path, work: Path, articles: int, concurrency: int, plain: dict, polite: bool) -> dict:
    """The same crawl archiving every response, then `extract` over that archive: CPU added by
    archiving, archive size against the page bytes received, extraction speed against the crawl
    (the benchmark's crawl without politeness, and with `polite`, the crawl with the project's own
    settings, as it runs against a live site)."""
    import shutil

    from warcio.archiveiterator import ArchiveIterator

    archive_dir = work / "out" / f"{folder.name}-archive" / "warc"
    shutil.rmtree(archive_dir, ignore_errors=True)
    archived = crawl(folder, work, articles, concurrency, None, ("--archive-dir", str(archive_dir)), "-archive")
    files = sorted(archive_dir.glob("*/*.warc.gz"))
    page_bytes = 0
    for path in files:
        with open(path, "rb") as f:
            page_bytes += sum(len(r.raw_stream.read()) for r in ArchiveIterator(f) if r.rec_type == "response")
    archive_bytes = sum(p.stat().st_size for p in files)
    out_dir = work / "out" / f"{folder.name}-extract"
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in [out_dir / "items.jsonl", *out_dir.glob("_runs/*.json")]:
        old.unlink(missing_ok=True)
    with open(out_dir / "extract.log", "wb") as log:
        run = _child([PYTHON, "-m", "crawler", "extract", "--output", str(out_dir / "items.jsonl"), str(archive_dir)],
                     cwd=PROJECT_ROOT, stderr=log)
    report = json.loads(next(out_dir.glob("_runs/*.json")).read_text(encoding="utf-8"))
    pages = sum(s["pages_fetched"] for s in report["sites"])
    seconds = max(s["seconds"] for s in report["sites"])
    items = sum(1 for _ in open(out_dir / "items.jsonl", encoding="utf-8")) if run["exit"] == 0 else 0
    polite_crawl = crawl(folder, work, articles, concurrency, None, (), "-polite", polite=True) if polite else None
    return {
        "polite_crawl": polite_crawl,
        "extract_over_polite_crawl": round(pages / seconds / polite_crawl["pages_per_s"], 2) if polite_crawl else None,
        "archived_crawl": archived, "archive_files": len(files), "archive_bytes": archive_bytes,
        "page_bytes": page_bytes, "archive_share": round(archive_bytes / max(page_bytes, 1), 3),
        "archive_mb_per_1000_pages": round(archive_bytes / 2**20 / archived["pages"] * 1000, 2),
        "cpu_overhead": round(archived["cpu_s_per_1000_pages"] / plain["cpu_s_per_1000_pages"] - 1, 3),
        "extract_exit": run["exit"], "extract_pages": pages, "extract_items": items,
        "extract_pages_per_s": round(pages / seconds, 1), "extract_cpu_s": round(run["cpu_s"], 2),
        "extract_over_crawl": round(pages / seconds / plain["pages_per_s"], 2),
    }


def summarize_profile(raw: Path, top: int = 40) -> str:
    """Self and inclusive shares by function out of py-spy's collapsed stacks ("f1;f2;… count")."""
    own: dict[str, int] = {}
    incl: dict[str, int] = {}
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        own[frames[-1]] = own.get(frames[-1], 0) + n
        for frame in set(frames):
            incl[frame] = incl.get(frame, 0) + n
    total = total or 1
    out = [f"{total} samples", "", "self time:"]
    out += [f"{100 * n / total:6.2f}%  {f}" for f, n in sorted(own.items(), key=lambda x: -x[1])[:top]]
    out += ["", "inclusive time:"]
    out += [f"{100 * n / total:6.2f}%  {f}" for f, n in sorted(incl.items(), key=lambda x: -x[1])[:top * 2]]
    return "\n".join(out) + "\n"


_STAT = re.compile(r"'(response_received_count|elapsed_time_seconds)': ([\d.]+)")


def scrapy_bench(concurrency: int, seconds: int) -> dict:
    """`scrapy bench` outside the project (Scrapy's defaults), with our concurrency and a longer run."""
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "bench.log"
        with open(log, "wb") as f:
            run = _child([str(Path(PYTHON).with_name("scrapy")), "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}",
                          "-s", f"CONCURRENT_REQUESTS={concurrency}",
                          "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={max(1, concurrency // 2)}",
                          "-s", "LOG_LEVEL=INFO"], cwd=Path(tmp), stderr=f, stdout=f)
        stats = {k: float(v) for k, v in _STAT.findall(log.read_text(errors="replace"))}
    pages = stats.get("response_received_count", 0)
    elapsed = stats.get("elapsed_time_seconds") or run["wall_s"]
    return {"pages": int(pages), "seconds": round(elapsed, 2), "pages_per_s": round(pages / elapsed, 1),
            "exit": run["exit"]}


def micro(*args: str) -> dict:
    proc = subprocess.run([PYTHON, "-m", "bench.micro", *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONHASHSEED="0"))
    if proc.returncode:
        return {"error": proc.stderr[-2000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def machine() -> dict:
    import scrapy

    mem_kb = next((int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    return {"nproc": os.cpu_count(), "memory_gb": round(mem_kb / 2**20, 1), "python": platform.python_version(),
            "scrapy": scrapy.__version__, "platform": platform.platform(),
            "cpu": next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                         if line.startswith("model name")), platform.processor())}


def table(result: dict) -> str:
    rows = [("articles", "pages", "items", "pages/s", "items/s", "CPU s/1k pages", "CPU share",
             "peak RSS MB", "output MB", "wall s")]
    for r in result["crawls"]:
        rows.append((f"{r['articles']:,}", f"{r['pages']:,}", f"{r['items']:,}", f"{r['pages_per_s']}",
                     f"{r['items_per_s']}", f"{r['cpu_s_per_1000_pages']}", f"{r['cpu_share']}",
                     f"{r['peak_rss_mb']}", f"{r['output_bytes'] / 2**20:.1f}", f"{r['wall_s']}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(c.rjust(w) for c, w in zip(row, widths)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    out = ["End-to-end crawl (real spiders, replay server on loopback):", *lines, ""]
    for r in result["crawls"]:
        a = r.get("archive")
        if a:
            out.append(f"archive at {r['articles']:,} articles: +{a['cpu_overhead']:.1%} CPU per page (target ≤ 10%), "
                       f"{a['archive_bytes'] / 2**20:.1f} MB = {a['archive_share']:.1%} of the {a['page_bytes'] / 2**20:.1f} MB "
                       f"of pages received (target ≤ 30%), {a['archive_mb_per_1000_pages']} MB per 1,000 pages; "
                       f"extract {a['extract_pages_per_s']} pages/s = {a['extract_over_crawl']}x the crawl "
                       f"without politeness" + (f", {a['extract_over_polite_crawl']}x the crawl with the project's "
                       f"settings ({a['polite_crawl']['pages_per_s']} pages/s)" if a.get("polite_crawl") else "")
                       + f" (target ≥ 3), {a['extract_items']:,} items")
    ref = result.get("scrapy_bench")
    if ref and ref.get("pages_per_s"):
        best = result["crawls"][-1]
        out.append(f"scrapy bench: {ref['pages_per_s']} pages/s  → ours/scrapy bench = "
                   f"{best['pages_per_s'] / ref['pages_per_s']:.2f} (at {best['articles']:,} articles; target ≥ 0.7)")
    ex = result.get("extract")
    if ex and "ours_ms" in ex:
        out.append(f"extraction per article page ({ex['pages']} saved pages, {ex['mean_bytes']:,} B): "
                   f"ours {ex['ours_ms']} ms, trafilatura {ex['trafilatura_ms']} ms, parsel floor {ex['floor_ms']} ms"
                   f"  → trafilatura/ours = {ex['trafilatura_over_ours']} (target ≥ 5), "
                   f"ours/floor = {ex['ours_over_floor']} (target ≤ 3)")
        best = result["crawls"][-1]
        out.append(f"trafilatura vs our whole crawl: trafilatura alone {ex['trafilatura_ms']} ms/page, our crawl "
                   f"{best['cpu_s_per_1000_pages']} ms CPU/page (fetch+parse+pipelines+output) → ratio "
                   f"{ex['trafilatura_ms'] / best['cpu_s_per_1000_pages']:.2f}")
    st = result.get("state")
    if st and "urls" in st:
        out.append(f"state with {st['urls']:,} URLs: insert {st['insert_us_per_url']} µs/URL ({st['insert_s']} s), "
                   f"is_settled {st['lookup_us']} µs, known {st['known_us']} µs (target < 50), file {st['file_mb']} MB "
                   f"({st['bytes_per_url']} B/URL)")
    da = result.get("dates")
    if da and "mean_ms" in da:
        out.append(f"dates: {da['dates']:,} dates of the largest crawl, mean {da['mean_ms']} ms (target < 0.1), "
                   f"by language {da['by_language_mean_ms']}, first call {da['first_call_ms']} ms")
    for key in ("extract", "state", "dates"):
        if result.get(key, {}).get("error"):
            out.append(f"{key} failed: {result[key]['error']}")
    m = result["machine"]
    out.append(f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gb']} GB, Python {m['python']}, "
               f"Scrapy {m['scrapy']}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,50000", help="articles in all, comma-separated")
    parser.add_argument("--quick", action="store_true", help="1,000 articles only, short references")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help=f"build folder (default {DEFAULT_WORK})")
    parser.add_argument("--concurrency", type=int, default=32, help="CONCURRENT_REQUESTS (default 32)")
    parser.add_argument("--state-urls", type=int, default=1_000_000, help="URLs in the state benchmark")
    parser.add_argument("--no-references", action="store_true", help="skip scrapy bench and the micro benchmarks")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="one more setting for the crawl (VALUE as JSON, else a string), e.g. "
                             "WARN_ON_GENERATOR_RETURN_VALUE=false")
    parser.add_argument("--no-archive", action="store_true", help="skip the archive and extract benchmark")
    parser.add_argument("--profile", action="store_true",
                        help="profile the largest crawl with py-spy (summary beside its output: profile.txt)")
    parser.add_argument("--sites100", action="store_true",
                        help="100 configured sites in one run (12 with --quick): bench/sites100.py")
    args = parser.parse_args(argv)
    for item in args.set:
        name, _, value = item.partition("=")
        try:
            BENCH_SETTINGS[name] = json.loads(value)
        except ValueError:
            BENCH_SETTINGS[name] = value
    log = (lambda *a: print(*a, file=sys.stderr, flush=True))
    if args.sites100:
        from bench import sites100

        count = 12 if args.quick else 100
        log(f"building {count} configured sites in {args.work} …")
        many = sites100.run(args.work, count, args.concurrency, not args.no_references, log)
        many["machine"] = machine()
        many["command"] = "python -m bench.run " + " ".join(argv or sys.argv[1:])
        print(json.dumps(many, indent=1, ensure_ascii=False) if args.json else sites100.summary(many))
        check = many["all"]["check"]
        return 0 if many["all"]["exit"] == 0 and not check["failed_sites"] and not check["sites_wrong"] else 1
    sizes = [1000] if args.quick else sorted(int(s) for s in args.sizes.split(","))
    started = time.perf_counter()
    log(f"building synthetic sites in {args.work} for {sizes} …")
    folders = build(args.work, sizes)
    log(f"  built in {time.perf_counter() - started:.1f} s")
    result: dict = {"machine": machine(), "command": "python -m bench.run " + " ".join(argv or sys.argv[1:]),
                    "settings": dict(BENCH_SETTINGS, CONCURRENT_REQUESTS=args.concurrency,
                                     CONCURRENT_REQUESTS_PER_DOMAIN=max(1, args.concurrency // 2)),
                    "crawls": []}
    for size in sizes:
        log(f"crawling {size:,} articles …")
        profile = args.work / "out" / f"n{size}" / "profile.txt" if args.profile and size == sizes[-1] else None
        r = crawl(folders[size], args.work, size, args.concurrency, profile)
        log(f"  {r['pages']} pages, {r['items']} items in {r['wall_s']} s; {r['pages_per_s']} pages/s, "
            f"peak {r['peak_rss_mb']} MB" + (f"; profile {profile}" if profile else ""))
        if not args.no_archive:
            log(f"crawling {size:,} articles with an archive, then extracting from it …")
            r["archive"] = archive_bench(folders[size], args.work, size, args.concurrency, r, size == sizes[0])
        result["crawls"].append(r)
    if not args.no_references:
        log("scrapy bench …")
        result["scrapy_bench"] = scrapy_bench(args.concurrency, 10 if args.quick else 20)
        log("extraction: ours, trafilatura, parsel floor …")
        result["extract"] = micro("extract", "--rounds", "3" if args.quick else "7")
        log(f"state with {args.state_urls:,} URLs …")
        result["state"] = micro("state", "--urls", str(100_000 if args.quick else args.state_urls))
        log("dates …")
        result["dates"] = micro("dates", result["crawls"][-1]["output"])
    result["total_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, indent=1, ensure_ascii=False) if args.json else table(result))
    return 0 if all(r["exit"] == 0 and r.get("archive", {}).get("extract_exit", 0) == 0
                    for r in result["crawls"]) else 1


if __name__ == "__main__":
    sys.exit(main())
