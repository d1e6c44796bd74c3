"""`probe`: a look at a site (a handful of requests) and the entry it would get; an entry without
`cms` is recognised the same way before a crawl. The home pages of the three CMS provinces as
they answered (tests/fixtures/probe), served on loopback."""
from __future__ import annotations

import json
import re

import pytest

from crawler.cli import main
from crawler.probe import MAX_REQUESTS, ProbeError, recognise
from crawler.registry import NotRecognised, SiteLoader
from crawler.replay import ReplayServer, SiteCopy, edited_copy
from crawler.sites import load_sites
from tests.support import FIXTURES

PROBE = FIXTURES / "probe"
ORIGINS = {"akmola": "https://aounb.kz", "laocai": "https://thuvientinhlaocai.vn", "karaganda": "https://karlib.kz"}
WANT = {
    "akmola": ("wordpress", "kk", "Asia/Almaty", "https://aounb.kz/kz/category/jana_kz/"),
    "laocai": ("nukeviet", "vi", "Asia/Ho_Chi_Minh", "https://thuvientinhlaocai.vn/index.php/vi/news/"),
    "karaganda": ("joomla", "ru", "Asia/Almaty", "https://karlib.kz/index.php/ru/novosti"),
}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("probe")
    with ReplayServer([SiteCopy.load(PROBE / site) for site in ORIGINS]) as server:
        yield server.write_map(tmp / "mirror.json")


@pytest.mark.parametrize("site", sorted(ORIGINS))
def test_probe_recognises_each_cms_its_language_clock_and_news_listing(site, served):
    found = recognise(ORIGINS[site] + "/", str(served))
    assert (found.cms, found.language, found.timezone, found.news) == WANT[site]
    assert found.origin == ORIGINS[site]
    assert any(how.startswith("generator meta") for how in found.how) and len(found.how) >= 2


@pytest.mark.parametrize("site", sorted(ORIGINS))
def test_the_printed_entry_is_a_valid_site_list_entry_that_crawls_the_same_site(site, served, tmp_path, capsys):
    assert main(["probe", ORIGINS[site] + "/", "--mirror", str(served)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"# recognised: {WANT[site][0]} (generator meta")
    path = tmp_path / "probed.toml"
    path.write_text(printed, encoding="utf-8")
    (entry,) = load_sites([path], builtin=None).values()
    assert (entry.cms, entry.language, entry.timezone, entry.news, entry.origin) == (*WANT[site], ORIGINS[site])


def test_without_the_generator_meta_the_other_signs_of_the_core_still_tell(served, tmp_path):
    strip = re.compile(rb'<meta[^>]*name="generator"[^>]*>', re.I)
    for site in ORIGINS:
        edited_copy(PROBE / site, tmp_path / site, lambda _path, body: strip.sub(b"", body))
    with ReplayServer([SiteCopy.load(tmp_path / site) for site in ORIGINS]) as server:
        mirror = server.write_map(tmp_path / "m.json")
        for site in ORIGINS:
            found = recognise(ORIGINS[site] + "/", str(mirror))
            assert found.cms == WANT[site][0], site
            assert not any(how.startswith("generator") for how in found.how)


def test_a_site_of_no_known_cms_is_said_so_and_probe_exits_1(tmp_path, capsys):
    from crawler.replay import write_copy

    page = b'<html lang="kk"><head><title>Library</title></head><body><a href="/news/">News</a></body></html>'
    write_copy(tmp_path / "plain", "https://plain.kz", [("/", 200, [("Content-Type", b"text/html; charset=utf-8")], page)])
    with ReplayServer([SiteCopy.load(tmp_path / "plain")]) as server:
        mirror = server.write_map(tmp_path / "m.json")
        found = recognise("https://plain.kz/", str(mirror))
        assert (found.cms, found.language, found.timezone, found.news) == (None, "kk", "Asia/Almaty", "https://plain.kz/news/")
        assert main(["probe", "https://plain.kz/", "--mirror", str(mirror)]) == 1
        assert capsys.readouterr().out.startswith("# recognised: no known CMS")


def test_redirects_are_followed_on_the_site_only_and_requests_are_few(tmp_path, monkeypatch):
    import crawler.probe as probe
    from crawler.replay import write_copy

    asked = []
    fetch = probe.fetch
    monkeypatch.setattr(probe, "fetch", lambda url, mirror: asked.append(url) or fetch(url, mirror))

    loop = [(f"/{n}", 301, [("Location", f"https://loop.kz/{n + 1}".encode())], b"") for n in range(10)]
    away = [("/", 302, [("Location", b"http://127.0.0.2/")], b"")]
    write_copy(tmp_path / "loop", "https://loop.kz", loop)
    write_copy(tmp_path / "away", "https://away.kz", away)
    with ReplayServer([SiteCopy.load(tmp_path / "loop"), SiteCopy.load(tmp_path / "away")]) as server:
        mirror = server.write_map(tmp_path / "m.json")
        with pytest.raises(ProbeError, match="too many redirects"):
            recognise("https://loop.kz/0", str(mirror))
        assert asked == [f"https://loop.kz/{n}" for n in range(MAX_REQUESTS)]
        with pytest.raises(ProbeError, match="redirects off the site"):
            recognise("https://away.kz/", str(mirror))
    with pytest.raises(ProbeError, match="not an http"):
        recognise("file:///etc/passwd")


def test_an_entry_without_cms_is_recognised_before_the_crawl_and_says_how(served, tmp_path):
    from crawler.cli import project_settings

    entry = ('[akmola2]\nname = "A"\norigin = "https://aounb.kz"\nlanguage = "kk"\n'
             'timezone = "Asia/Almaty"\nnews = "https://aounb.kz/"\n')
    (tmp_path / "s.toml").write_text(entry, encoding="utf-8")
    loader = SiteLoader.from_settings(project_settings(SITES_FILES=[str(tmp_path / "s.toml")], MIRROR_MAP=str(served)))
    cls = loader.load("akmola2")
    assert cls.cms == "wordpress" and cls.bound_site.cms == "wordpress"
    assert cls.bound_site.recognised.startswith("wordpress (generator meta 'WordPress")
    nowhere = entry.replace("akmola2", "gone").replace("aounb.kz", "gone.kz")
    (tmp_path / "g.toml").write_text(nowhere, encoding="utf-8")
    (tmp_path / "closed.json").write_text(json.dumps({"https://gone.kz": "http://127.0.0.1:9"}), encoding="utf-8")
    loader = SiteLoader.from_settings(project_settings(SITES_FILES=[str(tmp_path / "g.toml")],
                                                       MIRROR_MAP=str(tmp_path / "closed.json")))
    with pytest.raises(NotRecognised, match="gone: its CMS could not be recognised"):
        loader.load("gone")


def test_an_entry_without_cms_or_news_is_looked_at_on_its_home_page_and_a_site_of_no_known_cms_is_named(tmp_path):
    """Without `news`, the home page (origin + "/") is looked at; a site that shows no CMS we have
    an adapter for is refused with the entry, the URL and the adapters named."""
    import crawler.probe as probe
    from crawler.cli import project_settings
    from crawler.replay import write_copy

    page = b'<html lang="kk"><head><title>Library</title></head><body><a href="/news/">News</a></body></html>'
    write_copy(tmp_path / "plain", "https://plain.kz", [("/", 200, [("Content-Type", b"text/html; charset=utf-8")], page)])
    (tmp_path / "s.toml").write_text('[plain]\nname = "P"\norigin = "https://plain.kz"\nlanguage = "kk"\n'
                                     'timezone = "Asia/Almaty"\n', encoding="utf-8")
    with ReplayServer([SiteCopy.load(tmp_path / "plain")]) as server:
        mirror = server.write_map(tmp_path / "m.json")
        loader = SiteLoader.from_settings(project_settings(SITES_FILES=[str(tmp_path / "s.toml")], MIRROR_MAP=str(mirror)))
        asked = []
        fetch = probe.fetch
        probe.fetch = lambda url, mirror: asked.append(url) or fetch(url, mirror)
        try:
            with pytest.raises(NotRecognised) as raised:
                loader.load("plain")
        finally:
            probe.fetch = fetch
    assert asked == ["https://plain.kz/"]
    assert str(raised.value) == ("plain: https://plain.kz/ shows no sign of joomla, nukeviet, wordpress: "
                                 "name its cms in the entry")


def test_the_loader_knows_sites_by_id_and_by_host_and_says_how_a_cms_was_recognised(served, tmp_path):
    from scrapy import Request

    from crawler.cli import project_settings

    (tmp_path / "s.toml").write_text('[aounb]\nname = "A"\norigin = "https://aounb.kz"\nlanguage = "kk"\n'
                                     'timezone = "Asia/Almaty"\n', encoding="utf-8")
    loader = SiteLoader.from_settings(project_settings(SITES_FILES=[str(tmp_path / "s.toml")], MIRROR_MAP=str(served)))
    assert sorted(loader.spiders) == ["chaharmahal", "gilan", "hanam", "kyzylorda", "travinh"]
    assert sorted(loader.adapters) == ["joomla", "nukeviet", "wordpress"]
    with pytest.raises(KeyError, match="Spider not found: nosuch"):
        loader.load("nosuch")
    assert loader.find_by_request(Request("https://www.aounb.kz/kz/")) == ["akmola", "aounb"]
    assert loader.find_by_request(Request("https://elsewhere.kz/")) == []
    site = loader.load("aounb").bound_site
    found = recognise("https://aounb.kz/", str(served))
    assert site.recognised == f"wordpress ({'; '.join(found.how)})"
