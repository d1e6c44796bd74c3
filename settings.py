"""Scrapy settings of the library-news crawler (scrapy.cfg points here; the CLI loads the same)."""
from crawler.items import FIELDS
from crawler.urls import NOT_WEB_HANDLERS

BOT_NAME = "library-news"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# Spiders are loaded by site id from the site list (sites.toml, and the files in SITES_FILES:
# the CLI's --sites-file), each bound to its entry (crawler/registry.py).
SPIDER_LOADER_CLASS = "crawler.registry.SiteLoader"
SITES_FILES: list[str] = []

# Who we are, in one place: site owners see this in their logs and can reach us.
CONTACT_URL = "https://github.com/library-news-crawler/library-news#contact"
USER_AGENT = f"library-news-crawler/1.0 (+{CONTACT_URL})"

# Politeness a site owner would accept.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.05
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_MAX_DELAY = 10.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
# Sites crawled at once in one run (0: all); the next starts when one ends. Each crawling site
# holds its own engine, pipelines and up to CONCURRENT_REQUESTS responses in flight: 100 sites at
# once peaked at 468-548 MB in the 100-site benchmark, 16 at a time at 169 MB (BENCHMARKS.md).
CONCURRENT_SITES = 16

# Faults: retry 5xx, timeouts, resets and cut-short bodies, with backoff between tries.
RETRY_TIMES = 3
RETRY_BACKOFF_BASE = 0.25
RETRY_BACKOFF_MAX = 8.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
DOWNLOAD_FAIL_ON_DATALOSS = True
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.retry.BackoffRetryMiddleware": 550,
    # every response as received, into DIR/<site>/<run>.warc.gz (off unless ARCHIVE_DIR is set)
    "crawler.archive.ArchiveRecorder": 950,
    # large pages being read share a budget: peak memory bounded (crawler/bounds.py); last on
    # the way in, after HttpCompressionMiddleware decoded the body
    "crawler.bounds.PageBudgetDownloaderMiddleware": 10,
    # a site that has not answered once is given up SILENT_SITE_GIVE_UP seconds after it began
    "crawler.failures.SilentSiteDeadline": 560,
}
SPIDER_MIDDLEWARES = {"crawler.bounds.PageBudgetSpiderMiddleware": 10}
PAGE_BUDGET_BYTES = 64 * 1024 * 1024
PAGE_BUDGET_MIN_BYTES = 1024 * 1024
SILENT_SITE_GIVE_UP = 60
ARCHIVE_DIR = None
ARCHIVE_RUN = None
# The run's name (its UTC start, e.g. 2026-11-22T031500Z), written on every line as `run`; the
# CLI sets it, `scrapy crawl` takes the crawl's start.
RUN_NAME = None

# Live origins fetched from local mirrors (a JSON map file; see crawler/mirror.py).
MIRROR_MAP = None
# Only http(s) is ever fetched: Scrapy's handlers of other schemes (file:, ftp:, s3:, data:) are
# off, so no link, redirect or feed entry, however it got into a request, reads a local file or
# reaches another service (such a request fails as NotSupported, counted where it came from).
DOWNLOAD_HANDLERS = {
    "http": "crawler.mirror.MirrorDownloadHandler",
    "https": "crawler.mirror.MirrorDownloadHandler",
    **NOT_WEB_HANDLERS,
}

ITEM_PIPELINES = {
    # the run's name on every line (`run`), set by the CLI (RUN_NAME)
    "pipelines.run.RunPipeline": 50,
    "pipelines.text.TextPipeline": 100,
    "pipelines.dates.DatePipeline": 200,
    "pipelines.ids.IdPipeline": 300,
    "pipelines.coverage.CoveragePipeline": 450,
    "pipelines.validate.ValidatePipeline": 500,
    # after validation: a copy that is dropped must not make a good copy of it a duplicate
    "pipelines.dedup.DedupPipeline": 550,
    "pipelines.state.IncrementalPipeline": 600,
    "pipelines.jsonlines.JsonLinesPipeline": 900,
}

# `scrapy crawl SITE -O out.jsonl` writes the same contract as the CLI.
FEED_EXPORT_FIELDS = list(FIELDS)
FEED_EXPORT_ENCODING = "utf-8"

# Scrapy re-reads each callback's source for every response to warn about generator return
# values; the cache misses every time and it cost ~8% of a crawl's CPU (BENCHMARKS.md).
WARN_ON_GENERATOR_RETURN_VALUE = False

# Listing walks end (crawler/walk.py): at most this many listing pages per site and run (the
# largest real listing has ~1,300); the run report says when a site reached it.
LISTING_PAGE_LIMIT = 2000
# ... and at most this many links of each kind (articles, sections, next pages) from one listing
# page (a sitemap holds at most 50,000): a huge page cannot queue a million requests.
LISTING_LINK_LIMIT = 50000

# Operations (crawler/cli.py): the free space the preflight wants on every disk the run writes
# to, and how long an interrupted run may take to finish its items in flight before it stops.
PREFLIGHT_MIN_FREE_MB = 16
SHUTDOWN_GRACE = 30
# A page dropped for a missing field (an undated article) is remembered and not fetched again
# for this many days (then it is, in case it was fixed); the missing-field alarm wants a field
# missing in at least MISSING_MIN_ITEMS items, so that one bad page never fails a run.
DROPPED_RETRY_DAYS = 30
MISSING_MIN_ITEMS = 2

LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
