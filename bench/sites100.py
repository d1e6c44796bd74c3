"""100 configured sites in one run (issue 19, "Cost"): `python -m bench.run --sites100 [--quick]`.

The saved copies of the three sites on a common CMS — akmola (WordPress, its REST API answers as
saved), karaganda (Joomla), laocai (NukeViet) — are copied to N sites, each its own origin
(`https://lib-017.example.kz`, `.vn` for the NukeViet copies): the host is rewritten in every
body (HTML, feed, JSON) and header (Location, Link), so each copy names only itself. Sizes are
mixed; a copy holds all of its template's articles, or a subset:

- WordPress `posts=K`: the REST answer holds the newest K posts (X-WP-Total K); the other posts'
  pages are left out of the copy;
- Joomla and NukeViet `pages=K`: the first K pages of the news listing; links to the later pages
  are taken out of the kept ones (pagination, rel=next), those pages and the articles linked only
  from them are left out of the copy.

Every site is one entry of a generated site list (`sites100.toml`, no code per site); the copies
are served by one `crawler.replay.ReplayServer` (a port and a thread per site) and crawled in ONE
run, `python -m bench.crawl crawl SITE... --sites-file FILE --mirror MAP --output FILE`. A site's
expected items are the saved copy's expected items (`tests/fixtures/expected/<template>.jsonl`)
whose article the copy keeps, under the site's own host: `check()` compares the crawl's URLs per
site with them and counts the sites whose report names a problem.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench.build import PROJECT_ROOT, saved_site
from crawler.replay import page_key, write_copy

EXPECTED_DIR = PROJECT_ROOT / "tests" / "fixtures" / "expected"


@dataclass(frozen=True)
class Template:
    site: str  # the saved copy (tests/fixtures/sites/<site>/)
    cms: str
    language: str
    timezone: str
    tld: str
    news: str  # path of the news listing
    listing: tuple[str, ...]  # the news listing's pages, in order (Joomla, NukeViet)
    api: str = ""  # WordPress: the REST answer the adapter asks for
    main: str = "body"  # CSS: where a listing page's links to its articles are (not the modules beside)
    aside: str = ""  # CSS: blocks inside `main` whose links the adapter passes over


TEMPLATES = {
    "akmola": Template("akmola", "wordpress", "kk", "Asia/Almaty", "kz", "/kz/category/jana_kz/", (),
                       "/wp-json/wp/v2/posts?per_page=100&page=1&_embed=1&categories=4&lang=kz"),
    "karaganda": Template("karaganda", "joomla", "ru", "Asia/Almaty", "kz", "/index.php/ru/novosti",
                          ("/index.php/ru/novosti", "/index.php/ru/novosti?start=10",
                           "/index.php/ru/novosti?start=20"), main=".blog"),
    "laocai": Template("laocai", "nukeviet", "vi", "Asia/Ho_Chi_Minh", "vn", "/index.php/vi/news/",
                       ("/index.php/vi/news/", "/index.php/vi/news/page-2/", "/index.php/vi/news/page-3/"),
                       aside=".block_tophits, .block_news, .block_groups, #topnews"),
}
# the mix, cycled per template: None = the whole copy, K = K posts (WordPress) or K listing pages
SIZES = {"akmola": (None, 5, None, 12, None, 20), "karaganda": (None, 1, None, 2),
         "laocai": (None, 1, None, 2)}


@dataclass(frozen=True)
class PlannedSite:
    id: str  # lib_017
    origin: str  # https://lib-017.example.kz
    template: str
    size: int | None

    @property
    def host(self) -> str:
        return urlsplit(self.origin).hostname or ""


def plan(count: int) -> list[PlannedSite]:
    """`count` sites: the three templates in turn, each cycling through its sizes."""
    names = list(TEMPLATES)
    out = []
    for i in range(count):
        name = names[i % len(names)]
        t = TEMPLATES[name]
        size = SIZES[name][(i // len(names)) % len(SIZES[name])]
        scheme = urlsplit(saved_origin(name)).scheme
        out.append(PlannedSite(f"lib_{i:03d}", f"{scheme}://lib-{i:03d}.example.{t.tld}", name, size))
    return out


_ORIGINS: dict[str, str] = {}
_SAVED: dict[str, dict] = {}


def saved_origin(name: str) -> str:
    if name not in _ORIGINS:
        _ORIGINS[name] = _saved(name)["origin"]
    return _ORIGINS[name]


def _saved(name: str) -> dict:
    if name not in _SAVED:
        _SAVED[name] = saved_site(name)
        _ORIGINS[name] = _SAVED[name]["origin"]
    return _SAVED[name]


_FEED_LINK = re.compile(rb"<link>\s*([^<\s]+)\s*</link>")


def _linked_keys(body: bytes, host: str, main: str = "body", aside: str = "") -> set[str]:
    """page_key of every link on `host` of a listing page (HTML: the links inside `main`, not in
    `aside`) or of a feed (its items' <link>)."""
    import lxml.html

    if body.lstrip()[:5] == b"<?xml" or b"<rss" in body[:500]:
        hrefs = [m.decode("utf-8", "replace") for m in _FEED_LINK.findall(body)]
    else:
        root = lxml.html.fromstring(body)
        for block in root.cssselect(aside) if aside else ():
            block.getparent().remove(block)
        hrefs = [a.get("href") or "" for region in root.cssselect(main) for a in region.iter("a")]
    keys = set()
    for href in hrefs:
        url = html.unescape(href)
        parts = urlsplit(url)
        if parts.hostname and parts.hostname.removeprefix("www.") != host:
            continue
        if not parts.hostname and not url.startswith("/"):
            continue
        keys.add(page_key(parts.path + (f"?{parts.query}" if parts.query else "")))
    return keys


def _cut_links(body: bytes, targets: list[str], host: str) -> bytes:
    """`body` without its links (anchors, <link> elements) to the pages `targets`."""
    for target in targets:
        ref = rb"(?:https?://" + re.escape(host.encode()) + rb")?" + re.escape(
            html.escape(target, quote=True).encode())
        body = re.sub(rb"<a\b[^>]*\bhref=\"" + ref + rb"\"[^>]*>.*?</a>", b"", body, flags=re.S)
        body = re.sub(rb"<link\b[^>]*\bhref=\"" + ref + rb"\"[^>]*>", b"", body)
    return body


def site_pages(site: PlannedSite) -> tuple[list[tuple[str, int, list, bytes]], set[str]]:
    """The copy's pages (path, status, headers, body) on the site's own host, and the page keys
    of the articles it keeps."""
    t = TEMPLATES[site.template]
    saved = _saved(site.template)
    old_host = urlsplit(saved["origin"]).hostname.encode()
    new_host = site.host.encode()
    pages = {key: dict(page) for key, page in saved["pages"].items()}
    structural = {"/robots.txt", t.news, *t.listing, t.api}
    structural |= {k for k in pages if k.startswith(t.news + "?format=feed")}
    if t.cms == "wordpress":
        posts = json.loads(pages[t.api]["body"])
        if site.size is not None:
            posts = posts[: site.size]
            api = dict(pages[t.api])
            api["body"] = json.dumps(posts, ensure_ascii=False, separators=(",", ":")).encode()
            api["headers"] = [(k, str(len(posts)).encode() if k.lower() == "x-wp-total" else v)
                              for k, v in api["headers"]]
            pages[t.api] = api
        kept = {page_key(urlsplit(p["link"]).path) for p in posts}
    else:
        keep = len(t.listing) if site.size is None else site.size
        dropped = list(t.listing[keep:])
        for key in dropped:
            del pages[key]
        kept = set()
        for key in structural:
            if key in pages and key != "/robots.txt":
                page = pages[key] = dict(pages[key])
                page["body"] = _cut_links(page["body"], dropped, old_host.decode())
                kept |= _linked_keys(page["body"], old_host.decode().removeprefix("www."), t.main, t.aside)
    for key in list(pages):
        if key not in structural and key not in kept:
            del pages[key]  # an article no kept page links to
    out = []
    for key, page in sorted(pages.items()):
        headers = [(k, v.replace(old_host, new_host) if isinstance(v, bytes) else v.replace(
            old_host.decode(), site.host)) for k, v in page["headers"]]
        out.append((key, page["status"], headers, page["body"].replace(old_host, new_host)))
    return out, kept


def expected_urls(site: PlannedSite, kept: set[str]) -> list[str]:
    """The saved copy's expected items whose article the site keeps, under the site's origin."""
    old = saved_origin(site.template)
    urls = []
    for line in (EXPECTED_DIR / f"{site.template}.jsonl").read_text(encoding="utf-8").splitlines():
        url = json.loads(line)["url"]
        parts = urlsplit(url)
        if page_key(parts.path + (f"?{parts.query}" if parts.query else "")) in kept:
            urls.append(site.origin + url[len(old):])
    return sorted(urls)


def build(folder: str | Path, count: int) -> dict:
    """Site copies (folder/copies/<id>/pages.warc.gz), the site list (folder/sites100.toml) and the
    expected item URLs per site (folder/expected.json); returns the manifest."""
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    sites = plan(count)
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("count") == count and manifest.get("version") == VERSION:
            return manifest
    entries, expected = [], {}
    for site in sites:
        t = TEMPLATES[site.template]
        pages, kept = site_pages(site)
        target = folder / "copies" / site.id
        target.mkdir(parents=True, exist_ok=True)
        for old in target.glob("*.warc.gz"):
            old.unlink()
        write_copy(target, site.origin, pages)
        expected[site.id] = expected_urls(site, kept)
        entries.append(f'[{site.id}]\nname = "Library {site.id[4:]} ({site.template} copy, '
                       f'{"all" if site.size is None else site.size})"\norigin = "{site.origin}"\n'
                       f'language = "{t.language}"\ntimezone = "{t.timezone}"\ncms = "{t.cms}"\n'
                       f'news = "{site.origin}{t.news}"\n')
    (folder / "sites100.toml").write_text("\n".join(entries), encoding="utf-8")
    (folder / "expected.json").write_text(json.dumps(expected, indent=0), encoding="utf-8")
    manifest = {"version": VERSION, "count": count, "sites": [s.id for s in sites],
                "templates": {s.id: [s.template, s.size] for s in sites},
                "sites_file": str(folder / "sites100.toml"), "expected": str(folder / "expected.json"),
                "copies": str(folder / "copies")}
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    return manifest


VERSION = 1  # bump when the built copies change


def check(manifest: dict, output: Path, report: dict) -> dict:
    """The crawl against the expectation: per site, the items' URLs against the expected ones,
    and the sites whose run report names a problem (failed)."""
    expected = json.loads(Path(manifest["expected"]).read_text(encoding="utf-8"))
    got: dict[str, list[str]] = {site: [] for site in expected}
    if output.exists():
        for line in output.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            got.setdefault(item["site"], []).append(item["url"])
    wrong = {site: {"expected": len(expected.get(site, [])), "got": len(urls),
                    "missing": sorted(set(expected.get(site, [])) - set(urls))[:3],
                    "unexpected": sorted(set(urls) - set(expected.get(site, [])))[:3]}
             for site, urls in got.items() if sorted(urls) != expected.get(site)}
    failed = {s["site"]: s["problems"] for s in report.get("sites", []) if s.get("problems")}
    return {"sites": len(expected), "expected_items": sum(len(v) for v in expected.values()),
            "items": sum(len(v) for v in got.values()), "sites_wrong": wrong, "failed_sites": failed,
            "sites_crawled": len(report.get("sites", []))}


# -- the run -------------------------------------------------------------------------------------

def _crawl(copies_dir: Path, manifest: dict, sites: list[str], out_dir: Path, settings: dict) -> dict:
    """One crawl of `sites` (served from their copies) in a child process: wait4 figures, the run
    report, the items file; also the replay server's own CPU and threads over the crawl."""
    import os
    import resource
    import threading

    from bench.run import PYTHON, _child
    from crawler.cli import PROJECT_ROOT as ROOT
    from crawler.replay import ReplayServer, SiteCopy

    out_dir.mkdir(parents=True, exist_ok=True)
    output = out_dir / "items.jsonl"
    for old in [output, *out_dir.glob("_runs/*.json")]:
        old.unlink(missing_ok=True)
    copies = [SiteCopy.load(copies_dir / site) for site in sites]
    env = dict(os.environ, BENCH_SETTINGS=json.dumps(settings), PYTHONHASHSEED="0")
    peak_threads = 0
    with ReplayServer(copies) as server:
        mirror = server.write_map(out_dir / "mirror.json")
        cmd = [PYTHON, "-m", "bench.crawl", "crawl", *sites, "--sites-file", manifest["sites_file"],
               "--mirror", str(mirror), "--output", str(output)]
        done = threading.Event()

        def count_threads() -> None:
            nonlocal peak_threads
            while not done.wait(0.05):
                peak_threads = max(peak_threads, threading.active_count())

        watcher = threading.Thread(target=count_threads, daemon=True)
        watcher.start()
        before = resource.getrusage(resource.RUSAGE_SELF)
        with open(out_dir / "crawl.log", "wb") as log:
            run = _child(cmd, env=env, cwd=ROOT, stderr=log)
        after = resource.getrusage(resource.RUSAGE_SELF)
        done.set()
        watcher.join()
        served = sum(len(c.requests) for c in copies)
    for copy in copies:
        copy.index.close()
    reports = sorted(out_dir.glob("_runs/*.json"))
    report = json.loads(reports[-1].read_text(encoding="utf-8")) if reports else {"sites": []}
    pages = sum(s["pages_fetched"] for s in report["sites"])
    # the run's own span (report: started → finished), the same for one site and for many (sites
    # crawl in turns, CONCURRENT_SITES at a time, so no one site's `seconds` spans the run)
    from datetime import datetime

    crawl_s = ((datetime.fromisoformat(report["finished"]) - datetime.fromisoformat(report["started"]))
               .total_seconds() if reports else run["wall_s"])
    items = sum(1 for _ in open(output, encoding="utf-8")) if output.exists() else 0
    return {"sites": len(sites), "site_seconds": max((s["seconds"] for s in report["sites"]), default=0),
            "concurrent_sites": settings.get("CONCURRENT_SITES", "settings.py"), "pages": pages, "items": items, "served": served, "exit": run["exit"],
            "wall_s": round(run["wall_s"], 2), "crawl_s": round(crawl_s, 2),
            "pages_per_s": round(pages / crawl_s, 1), "pages_per_s_wall": round(pages / run["wall_s"], 1),
            "items_per_s": round(items / crawl_s, 1), "cpu_s": round(run["cpu_s"], 2),
            "cpu_s_per_1000_pages": round(run["cpu_s"] / max(pages, 1) * 1000, 2),
            "cpu_share": round(run["cpu_s"] / run["wall_s"], 2), "peak_rss_mb": round(run["peak_rss_mb"], 1),
            "server_cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2),
            "server_peak_threads": peak_threads, "output": str(output), "report": report}


def run(work: str | Path, count: int, concurrency: int = 32, references: bool = True,
        log=lambda *a: None) -> dict:
    """Build `count` sites, crawl them all in one run, then one of them alone (akmola's whole copy,
    the same site list), and `scrapy bench` on the same machine; figures and the check."""
    import os
    import time

    from bench.run import BENCH_SETTINGS, scrapy_bench

    work = Path(work) / f"sites{count}"
    started = time.perf_counter()
    manifest = build(work, count)
    log(f"  built {count} site copies in {work} ({time.perf_counter() - started:.1f} s)")
    settings = dict(BENCH_SETTINGS, CONCURRENT_REQUESTS=concurrency,
                    CONCURRENT_REQUESTS_PER_DOMAIN=max(1, concurrency // 2))
    copies = Path(manifest["copies"])
    result: dict = {"count": count, "settings": settings, "load_before": os.getloadavg()}
    log(f"crawling {count} sites in one run …")
    many = _crawl(copies, manifest, manifest["sites"], work / "out" / "all", settings)
    many["check"] = check(manifest, Path(many["output"]), many.pop("report"))
    result["all"] = many
    log(f"  {many['pages']} pages, {many['items']} items, {len(many['check']['failed_sites'])} failed sites, "
        f"{many['pages_per_s']} pages/s, peak {many['peak_rss_mb']} MB")
    one_id = next(s for s in manifest["sites"] if manifest["templates"][s] == ["akmola", None])
    log(f"crawling {one_id} (akmola's whole copy) alone …")
    one = _crawl(copies, manifest, [one_id], work / "out" / "one", settings)
    one.pop("report")
    one["site"] = one_id
    result["one"] = one
    if references:
        log("scrapy bench …")
        result["scrapy_bench"] = scrapy_bench(concurrency, 10 if count <= 20 else 20)
    result["load_after"] = os.getloadavg()
    result["total_s"] = round(time.perf_counter() - started, 1)
    return result


def summary(result: dict) -> str:
    a, o, c = result["all"], result["one"], result["all"]["check"]
    lines = [f"{result['count']} configured sites in one run (WordPress, Joomla, NukeViet copies on loopback):",
             f"  {a['pages']:,} pages, {a['items']:,} items (expected {c['expected_items']:,}), "
             f"sites crawled {c['sites_crawled']}/{c['sites']}, failed sites {len(c['failed_sites'])}, "
             f"sites off their expected items {len(c['sites_wrong'])}",
             f"  {a['pages_per_s']} pages/s ({a['pages_per_s_wall']} over the wall time with start-up), "
             f"{a['items_per_s']} items/s, CPU {a['cpu_s_per_1000_pages']} s/1k pages, CPU share {a['cpu_share']}, "
             f"peak RSS {a['peak_rss_mb']} MB (target < 300), wall {a['wall_s']} s",
             f"  replay server (parent): {a['server_cpu_s']} s CPU, up to {a['server_peak_threads']} threads",
             f"one site alone ({o['site']}, akmola's whole copy): {o['pages']} pages, {o['items']} items, "
             f"{o['pages_per_s']} pages/s ({o['pages_per_s_wall']} over the wall time), peak RSS {o['peak_rss_mb']} MB",
             f"  → {result['count']} sites / one site = {a['pages_per_s'] / max(o['pages_per_s'], 0.1):.2f} "
             f"(target ≥ 1)"]
    ref = result.get("scrapy_bench")
    if ref and ref.get("pages_per_s"):
        lines.append(f"scrapy bench: {ref['pages_per_s']} pages/s → {result['count']} sites / scrapy bench = "
                     f"{a['pages_per_s'] / ref['pages_per_s']:.2f}")
    for site, why in list(c["failed_sites"].items())[:10]:
        lines.append(f"  FAILED {site}: {why}")
    for site, what in list(c["sites_wrong"].items())[:10]:
        lines.append(f"  WRONG {site}: {what}")
    lines.append("load average (1, 5, 15 min): before {:.2f} {:.2f} {:.2f}, after {:.2f} {:.2f} {:.2f}".format(
        *result["load_before"], *result["load_after"]))
    return "\n".join(lines)
