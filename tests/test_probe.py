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


# -- the parts of a look, on answers made to measure ------------------------------------------

class _Site:
    """A loopback site answering each path as told (status, headers, body); it notes what it was asked."""

    def __init__(self, pages: dict[str, tuple[int, dict[str, str], bytes]]):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        site = self
        self.asked: list[tuple[str, str]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.asked.append((self.path, self.headers.get("User-Agent", "")))
                status, headers, body = pages.get(self.path, (404, {}, b"gone"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def mirror(self, origin: str):
        from crawler.mirror import MirrorMap

        return MirrorMap({origin: self.base})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    made = []

    def make(pages):
        made.append(_Site(pages))
        return made[-1]

    yield make
    for s in made:
        s.close()


def test_fetch_names_the_crawler_reads_the_charset_and_cuts_the_body(site, monkeypatch):
    import crawler.probe as probe

    text = "<html lang='ru'><title>Новости библиотеки</title></html>"
    s = site({"/ru": (200, {"Content-Type": "text/html; charset=windows-1251", "Link": '<https://x.kz/wp-json/>; rel="https://api.w.org/"'},
                      text.encode("cp1251")),
              "/big": (200, {"Content-Type": "text/html"}, b"a" * 100),
              "/bad": (200, {"Content-Type": "text/html; charset=nosuch-8"}, "ё".encode()),
              "/raw": (200, {}, "ә".encode() + b"\xff")})
    page = probe.fetch("https://x.kz/ru", s.mirror("https://x.kz"))
    assert (page.url, page.status, page.text) == ("https://x.kz/ru", 200, text)
    assert page.headers["link"].startswith("<https://x.kz/wp-json/>") and "content-type" in page.headers
    assert s.asked[-1] == ("/ru", probe.USER_AGENT)
    monkeypatch.setattr(probe, "MAX_BYTES", 10)
    assert probe.fetch("https://x.kz/big", s.mirror("https://x.kz")).text == "a" * 10
    assert probe.fetch("https://x.kz/bad", s.mirror("https://x.kz")).text == "ё"  # an unknown charset: UTF-8
    assert probe.fetch("https://x.kz/raw", s.mirror("https://x.kz")).text == "ә\ufffd"  # none: UTF-8, errors replaced
    gone = probe.fetch("https://x.kz/nothing", s.mirror("https://x.kz"))
    assert (gone.status, gone.text) == (404, "gone")  # an HTTP error is an answer too


def test_no_answer_is_a_probe_error_that_says_why(tmp_path):
    import json

    (tmp_path / "closed.json").write_text(json.dumps({"https://gone.kz": "http://127.0.0.1:9"}), encoding="utf-8")
    with pytest.raises(ProbeError, match=r"^https://gone.kz/: no answer \(\[Errno 111\] Connection refused\)$"):
        recognise("https://gone.kz/", str(tmp_path / "closed.json"))


def test_a_listing_without_signs_leads_to_the_home_page_and_redirect_statuses_are_the_redirecting_ones(site):
    import crawler.probe as probe

    home = b'<html lang="vi"><meta name="generator" content="NukeViet v4.5"><a href="/tin-tuc/">Tin t\xe1\xbb\xa9c</a></html>'
    s = site({"/": (200, {"Content-Type": "text/html; charset=utf-8"}, home),
              "/tin-tuc/": (200, {"Content-Type": "text/html; charset=utf-8"}, b"<html><p>plain</p></html>"),
              "/moved": (302, {"Location": "/tin-tuc/"}, b""),
              "/notmod": (304, {"Location": "/elsewhere"}, b""),
              "/loc": (200, {"Location": "/elsewhere", "Content-Type": "text/html"}, b"<html lang='vi'></html>")})
    found = recognise("https://lib.vn/moved", s.mirror("https://lib.vn"))
    assert [p for p, _ in s.asked] == ["/moved", "/tin-tuc/", "/"]
    assert (found.cms, found.origin, found.news) == ("nukeviet", "https://lib.vn", "https://lib.vn/tin-tuc/")
    assert found.how == ["generator meta 'NukeViet v4.5'"]
    page, left = probe.look("https://lib.vn/loc", s.mirror("https://lib.vn"), 3)
    assert (page.url, left) == ("https://lib.vn/loc", 2)  # a Location on a 200 is no redirect
    page, left = probe.look("https://lib.vn/notmod", s.mirror("https://lib.vn"), 3)
    assert (page.url, page.status, left) == ("https://lib.vn/notmod", 304, 2)
    away = site({"/": (301, {"Location": "ftp://ftp.vn/x"}, b"")})
    with pytest.raises(ProbeError, match="redirects off the site, to ftp://ftp.vn/x"):
        probe.look("https://ftp.vn/", away.mirror("https://ftp.vn"), 3)


def test_signs_read_the_generator_link_headers_and_markup_of_each_core():
    from crawler.probe import Page, signs

    def page(html: str, headers: dict | None = None) -> Page:
        return Page(url="https://x.kz/", status=200, headers=headers or {}, text=html)

    assert signs(page('<meta name="Generator" content="WordPress 6.5">')) == {"wordpress": ["generator meta 'WordPress 6.5'"]}
    assert signs(page("", {"link": '<https://x.kz/wp-json/>; rel="https://api.w.org/"'})) == {"wordpress": ["REST API link"]}
    assert signs(page('<link rel="https://api.w.org/" href="/wp-json/">')) == {"wordpress": ["REST API link"]}
    assert signs(page('<script src="/media/jui/js/jquery.min.js"></script>')) == {"joomla": ["Joomla script options"]}
    assert signs(page("<script>var nv_base_siteurl = '/';</script>")) == {"nukeviet": ["NukeViet script variables"]}
    assert signs(page("<p>a library</p>")) == {}
    both = signs(page('<meta name="generator" content="Joomla! 4"><img src="/wp-content/a.jpg">'))
    assert both == {"wordpress": ["wp-content/wp-includes paths"], "joomla": ["generator meta 'Joomla! 4'"]}


@pytest.mark.parametrize("html, language", [
    ('<html lang="kk-KZ">', "kk"), ('<html lang="ru_RU">', "ru"), ('<html lang="KZ">', "kk"), ('<html lang="vie">', "vi"),
    ('<html><meta http-equiv="Content-Language" content="fa-IR">', "fa"), ('<html lang="en-US">', None), ("<p>x</p>", None),
])
def test_the_page_language_is_its_html_lang_or_content_language(html, language):
    from crawler.probe import Page, page_language

    assert page_language(Page(url="https://x.kz/", status=200, headers={}, text=html)) == language


@pytest.mark.parametrize("origin, language, zone", [
    ("https://lib.kz", "ru", "Asia/Almaty"), ("https://www.lib.gov.vn", None, "Asia/Ho_Chi_Minh"),
    ("https://lib.ir", "fa", "Asia/Tehran"), ("https://lib.org", "fa", "Asia/Tehran"), ("https://lib.org", "vi", "Asia/Ho_Chi_Minh"),
    ("https://lib.org", "kk", "Asia/Almaty"), ("https://lib.org", "ru", None), ("https://lib.org", None, None),
])
def test_the_suggested_clock_is_the_countrys_by_domain_then_by_language(origin, language, zone):
    from crawler.probe import clock

    assert clock(origin, language) == zone


def test_the_news_listing_is_a_same_site_page_link_that_says_news_categories_first_on_wordpress():
    from crawler.probe import Page, news_listing

    def page(url: str, html: str) -> Page:
        return Page(url=url, status=200, headers={}, text=html)

    links = ('<a href="https://other.kz/news/">News</a><a href="javascript:void(0)">Жаңалықтар</a>'
             '<a href="ftp://x.kz/news/">News</a><a href="/feed/">Жаңалықтар</a><a href="/news/rss.xml">News</a>'
             '<a href="/kz/jana/#top">Жаңалықтар</a><a href="/kz/category/jana/">Басты</a><a>Жаңалықтар</a>')
    assert news_listing(page("https://x.kz/", links), "joomla") == "https://x.kz/kz/jana/"
    assert news_listing(page("https://x.kz/", links), "wordpress") == "https://x.kz/kz/category/jana/"
    assert news_listing(page("https://x.kz/kz/category/jana/", ""), "wordpress") == "https://x.kz/kz/category/jana/"
    assert news_listing(page("https://x.kz/kz/jana/", ""), "wordpress") is None  # not a category: a post
    assert news_listing(page("https://x.kz/kz/jana/", ""), "joomla") == "https://x.kz/kz/jana/"
    assert news_listing(page("https://www.x.kz/", '<a href="https://x.kz/tin-tuc/">x</a>'), None) == "https://x.kz/tin-tuc/"
    assert news_listing(page("https://x.kz/", '<a href="/about/">Жаңалықтар жоқ</a>'), None) == "https://x.kz/about/"
    assert news_listing(page("https://x.kz/", '<a href="/about/">About</a>'), None) is None


def test_the_entry_is_toml_that_says_what_it_could_not_tell():
    from crawler.probe import Finding

    found = Finding(url="https://www.2gis-lib.kz/", origin="https://www.2gis-lib.kz", title='Lib "A" \\ B')
    assert found.entry() == "\n".join([
        "# recognised: no known CMS", "[site_2gis_lib]", 'name = "Lib \\"A\\" \\\\ B"',
        'origin = "https://www.2gis-lib.kz"', "# language = ?  (fa, vi, kk, ru)", "# timezone = ?  (an IANA name)"])
    found = Finding(url="https://x.kz/", origin="https://x.kz", cms="joomla", how=["a", "b"], language="ru",
                    timezone="Asia/Almaty", news="https://x.kz/n")
    assert found.entry() == "\n".join([
        "# recognised: joomla (a; b)", "[x]", 'name = "x.kz"', 'origin = "https://x.kz"', 'language = "ru"',
        'timezone = "Asia/Almaty"', 'cms = "joomla"', 'news = "https://x.kz/n"'])


def test_recognise_on_an_http_site_names_it_by_its_site_name_and_breaks_a_tie_of_signs_in_order(site):
    """Two cores' signs as many each: the first CMS in crawler.probe.SIGNS (a WordPress theme
    that borrows a Joomla script is a WordPress site more often than the other way round); the
    page's og:site_name names it; a .org site's clock comes from its language."""
    html = ('<html lang="vi"><head><meta property="og:site_name" content=" Thư viện tỉnh "><title>Trang chủ</title>'
            '<script src="/media/system/js/core.js"></script></head><body><img src="/wp-content/a.jpg">'
            '<a href="/tin-tuc/">Tin tức</a></body></html>')
    s = site({"/": (200, {"Content-Type": "text/html; charset=utf-8"}, html.encode())})
    found = recognise("http://lib.org/", s.mirror("http://lib.org"))
    assert (found.url, found.origin, found.cms, found.how) == ("http://lib.org/", "http://lib.org", "wordpress",
                                                               ["wp-content/wp-includes paths"])
    assert (found.title, found.language, found.timezone, found.news) == ("Thư viện tỉnh", "vi", "Asia/Ho_Chi_Minh",
                                                                         "http://lib.org/tin-tuc/")
    bare = site({"/": (200, {"Content-Type": "text/html"}, b"<html><body>x</body></html>")})
    found = recognise("http://bare.org/", bare.mirror("http://bare.org"))
    assert (found.cms, found.how, found.title, found.language, found.timezone) == (None, [], None, None, None)
