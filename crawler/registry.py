"""Which spider crawls a site: Scrapy's spider loader over the site list (SPIDER_LOADER_CLASS).

A spider class describes how a kind of site is built: one of the five hand-written sites, or a
CMS (its adapter, `cms = "wordpress"`). A site is an entry of the site list (crawler.sites); the
loader binds the entry to its class, so `scrapy crawl akmola`, `scrapy list` and the CLI all load
sites by id. Extra site lists come from the setting SITES_FILES (the CLI's --sites-file).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from scrapy.spiderloader import SpiderLoader

from crawler.sites import Site, load_sites


class NotRecognised(Exception):
    """An entry without `cms` whose site shows no sign of a CMS we have an adapter for."""


class SiteLoader:
    def __init__(self, settings: Any):
        classes = SpiderLoader(settings)
        by_name = {name: classes.load(name) for name in classes.list()}
        #: CMS name → its adapter class
        self.adapters: dict[str, type] = {cls.cms: cls for cls in by_name.values() if getattr(cls, "cms", None)}
        #: hand-written spiders by name
        self.spiders: dict[str, type] = {n: c for n, c in by_name.items() if not getattr(c, "cms", None)}
        self.sites: dict[str, Site] = load_sites(settings.getlist("SITES_FILES"), spiders=self.spiders)
        self.mirror: str | None = settings.get("MIRROR_MAP")
        self._bound: dict[str, type] = {}

    @classmethod
    def from_settings(cls, settings: Any) -> SiteLoader:
        return cls(settings)

    def spider_class(self, site: Site) -> type:
        """The class that crawls `site`, bound to it. A site whose entry names no CMS is looked at
        first (crawler.probe: a handful of requests) to recognise it; NotRecognised if it cannot be."""
        if site.spider:
            return self.spiders[site.spider].bound(site)
        if site.cms is None:
            site = self.recognised(site)
        return self.adapters[site.cms].bound(site)

    def recognised(self, site: Site) -> Site:
        from crawler.probe import ProbeError, recognise

        url = site.news or site.origin + "/"
        try:
            finding = recognise(url, self.mirror)
        except ProbeError as exc:
            raise NotRecognised(f"{site.id}: its CMS could not be recognised: {exc}") from exc
        if finding.cms not in self.adapters:
            raise NotRecognised(f"{site.id}: {url} shows no sign of {', '.join(self.adapters)}: "
                                "name its cms in the entry")
        return replace(site, cms=finding.cms, recognised=f"{finding.cms} ({'; '.join(finding.how)})")

    def load(self, spider_name: str) -> type:
        if spider_name not in self.sites:
            raise KeyError(f"Spider not found: {spider_name}")
        if spider_name not in self._bound:
            self._bound[spider_name] = self.spider_class(self.sites[spider_name])
        return self._bound[spider_name]

    def list(self) -> list[str]:
        return list(self.sites)

    def find_by_request(self, request: Any) -> list[str]:
        from urllib.parse import urlsplit

        host = urlsplit(request.url).hostname or ""
        return [site.id for site in self.sites.values() if host in site.hosts()]
