"""The site list: sites.toml and the operator's --sites-file files, read and checked in one place
(crawler/sites.py), and loaded by id as spiders bound to their entries (crawler/registry.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from crawler.cli import main, site_list, spider_classes
from crawler.registry import SiteLoader
from crawler.sites import BUILTIN, CMSS, SiteListError, load_sites, read_site_list
from tests.support import ORIGINAL_SITES, crawl

AKMOLA_LIKE = """
[kostanay]
name = "Kostanay regional library"
origin = "https://www.kostlib.kz"
language = "kk"
timezone = "Asia/Almaty"
cms = "wordpress"
news = "https://kostlib.kz/kz/category/news/"
"""


def write(tmp_path: Path, text: str, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_builtin_list_names_every_original_spider_and_one_site_per_cms():
    sites = load_sites()
    assert {s.id for s in sites.values() if s.spider} == set(ORIGINAL_SITES)
    assert all(s.spider == s.id for s in sites.values() if s.spider)
    assert sorted(s.cms for s in sites.values() if s.cms) == sorted(CMSS)
    assert all(s.news and s.source == str(BUILTIN) for s in sites.values())


def test_an_operators_entry_is_a_site_like_any_other(tmp_path):
    sites = load_sites([write(tmp_path, AKMOLA_LIKE)])
    site = sites["kostanay"]
    assert (site.origin, site.language, site.timezone, site.cms) == ("https://www.kostlib.kz", "kk", "Asia/Almaty", "wordpress")
    assert site.hosts() == {"kostlib.kz", "www.kostlib.kz"}  # news on the bare host is the same site
    cls = spider_classes(sites_files=[str(tmp_path / "mine.toml")])["kostanay"]
    spider = cls()
    assert (spider.name, spider.site, spider.origin, spider.language) == ("kostanay", site, site.origin, "kk")
    assert cls.cms == "wordpress" and spider.allowed_domains == ["kostlib.kz", "www.kostlib.kz"]


def test_two_sites_on_one_cms_are_two_spiders_with_their_own_names(tmp_path):
    extra = AKMOLA_LIKE.replace("kostanay", "pavlodar").replace("kostlib", "pavlib")
    classes = spider_classes(sites_files=[str(write(tmp_path, AKMOLA_LIKE)), str(write(tmp_path, extra, "b.toml"))])
    assert classes["kostanay"] is not classes["pavlodar"]
    assert (classes["kostanay"].name, classes["pavlodar"].name) == ("kostanay", "pavlodar")
    assert classes["pavlodar"].origin == "https://www.pavlib.kz"  # a class-level read gives its own site
    assert classes["akmola"].origin == "https://aounb.kz"


@pytest.mark.parametrize("edit, key, why", [
    (lambda t: t.replace('language = "kk"\n', ""), "language", "missing"),
    (lambda t: t.replace('"kk"', '"en"'), "language", "unknown language 'en' (known: fa, vi, kk, ru)"),
    (lambda t: t.replace('"Asia/Almaty"', '"Asia/Nowhere"'), "timezone",
     "unknown time zone 'Asia/Nowhere' (an IANA name such as Asia/Almaty)"),
    (lambda t: t.replace('"wordpress"', '"drupal"'), "cms", "unknown CMS 'drupal' (known: wordpress, joomla, nukeviet)"),
    (lambda t: t.replace('origin = "https://www.kostlib.kz"', 'origin = "ftp://kostlib.kz"'), "origin",
     "not an http(s) origin: 'ftp://kostlib.kz'"),
    (lambda t: t.replace('news = "https://kostlib.kz', 'news = "https://elsewhere.kz'), "news",
     "not a page of https://www.kostlib.kz: 'https://elsewhere.kz/kz/category/news/'"),
    (lambda t: t.replace('cms = "wordpress"', 'cms = "wordpress"\nspider = "hanam"'), "cms", "give cms or spider, not both"),
    (lambda t: t.replace('cms = "wordpress"', 'spider = "nosuch"'), "spider", "no spider named 'nosuch'"),
    (lambda t: t.replace('name = "Kostanay regional library"', "name = 3"), "name", "wants a non-empty string"),
    (lambda t: t + 'colour = "red"\n', "colour", "unknown key (known: cms, language, name, news, origin, spider, timezone)"),
])
def test_a_bad_entry_names_the_file_the_entry_and_the_key(tmp_path, edit, key, why):
    path = write(tmp_path, edit(AKMOLA_LIKE))
    with pytest.raises(SiteListError) as raised:
        SiteLoader.from_settings(_settings(path))
    assert str(raised.value) == f"{path}: [kostanay]: {key}: {why}"


def test_news_on_the_www_host_of_a_bare_origin_is_the_same_site_and_names_are_trimmed(tmp_path):
    text = (AKMOLA_LIKE.replace("https://www.kostlib.kz", "https://kostlib.kz")
            .replace('news = "https://kostlib.kz', 'news = "https://www.kostlib.kz')
            .replace('"Kostanay regional library"', '"  Kostanay regional library "'))
    site = load_sites([write(tmp_path, text)])["kostanay"]
    assert (site.origin, site.news, site.name) == ("https://kostlib.kz", "https://www.kostlib.kz/kz/category/news/",
                                                   "Kostanay regional library")


def test_an_id_given_twice_and_a_bad_id_are_errors(tmp_path):
    with pytest.raises(SiteListError, match=r"\[akmola\]: the id is taken .*sites.toml"):
        load_sites([write(tmp_path, AKMOLA_LIKE.replace("[kostanay]", "[akmola]"))])
    path = write(tmp_path, AKMOLA_LIKE.replace("[kostanay]", '["Kostanay-1"]'))
    with pytest.raises(SiteListError) as raised:
        read_site_list(path)
    assert str(raised.value) == (f"{path}: [Kostanay-1]: the site id must be lower-case letters, digits and _ "
                                 "(at most 40, a letter first)")
    path = write(tmp_path, "kostanay = 3\n")
    with pytest.raises(SiteListError) as raised:
        read_site_list(path)
    assert str(raised.value) == f"{path}: [kostanay]: an entry is a table of keys (name, origin, language, …)"
    with pytest.raises(SiteListError, match="not a TOML file"):
        read_site_list(write(tmp_path, "[kostanay\nname = 1"))
    with pytest.raises(SiteListError, match="cannot read the site list: No such file or directory$"):
        read_site_list(tmp_path / "absent.toml")


def _settings(path: Path):
    from crawler.cli import project_settings

    return project_settings(SITES_FILES=[str(path)])


@pytest.mark.parametrize("command", [["crawl", "--output", "o.jsonl"], ["list"], ["snapshot", "akmola", "--into", "x"],
                                     ["extract", "--output", "o.jsonl", "nothing"], ["reset", "akmola", "--state", "s"]])
def test_every_command_that_takes_sites_refuses_a_bad_site_list_with_exit_2_before_anything(tmp_path, capsys, command,
                                                                                             monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, AKMOLA_LIKE.replace('"kk"', '"en"'))
    assert main([*command, "--sites-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: [kostanay]: language: unknown language 'en'" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.toml"]  # nothing made, nothing asked


def test_list_shows_the_operators_sites_after_the_builtin_ones(tmp_path, capsys):
    assert main(["list", "--sites-file", str(write(tmp_path, AKMOLA_LIKE))]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [*site_list().sites, "kostanay"]
    assert lines[-1].split()[1:] == ["kk", "Asia/Almaty", "https://www.kostlib.kz", "wordpress"]


@pytest.mark.crawl
def test_scrapy_crawl_loads_sites_by_id_through_the_site_list(tmp_path):
    """`scrapy list` (Scrapy's own command, the project's SPIDER_LOADER_CLASS) lists site ids."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    listed = subprocess.run([sys.executable, "-m", "scrapy", "list", "-s", f"SITES_FILES={write(tmp_path, AKMOLA_LIKE)}"],
                            cwd=root, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert listed.stdout.split() == sorted([*site_list().sites, "kostanay"])


@pytest.mark.crawl
def test_crawl_of_an_unknown_site_is_a_usage_error_naming_the_known_ones(tmp_path):
    result = crawl(["crawl", "nosuch", "--output", str(tmp_path / "o.jsonl")], cwd=tmp_path)
    assert result.returncode == 2 and "unknown site(s): nosuch" in result.stderr and "akmola" in result.stderr


@pytest.mark.crawl
def test_an_entry_without_cms_is_recognised_crawled_and_the_report_says_how(tmp_path):
    """A province given by an operator's entry that names no CMS: the saved WordPress copy is
    recognised before the crawl and crawled by its adapter to every expected article."""
    import json

    from crawler.replay import ReplayServer, SiteCopy
    from tests.support import SITES, expected_items, read_lines

    entry = ('[akmola_again]\nname = "Akmola"\norigin = "https://aounb.kz"\nlanguage = "kk"\n'
             'timezone = "Asia/Almaty"\nnews = "https://aounb.kz/kz/category/jana_kz/"\n')
    with ReplayServer([SiteCopy.load(SITES / "akmola")]) as server:
        mirror = server.write_map(tmp_path / "m.json")
        result = crawl(["crawl", "akmola_again", "--sites-file", str(write(tmp_path, entry)), "--mirror", str(mirror),
                        "--output", str(tmp_path / "o.jsonl")], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "cms: recognised as wordpress (generator meta 'WordPress" in result.stderr
    items = read_lines(tmp_path / "o.jsonl")
    assert {i["site"] for i in items} == {"akmola_again"}
    assert sorted(i["url"] for i in items) == sorted(e["url"] for e in expected_items("akmola"))
    (report,) = (tmp_path / "_runs").glob("*.json")
    assert json.loads(report.read_text())["sites"][0]["recognised"].startswith("wordpress (")
