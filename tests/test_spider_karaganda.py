"""Karaganda (karlib.kz, Joomla 3.10, ru): the Joomla adapter on the province's saved pages, the
CMS's quirks, one article under many URLs, other themes and Joomla 4 markup around the same core
output, and real crawls over loopback (v1, unchanged rerun, v2, feed switched off)."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from lxml import html as lxml_html
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse

from crawler.replay import ReplayServer, SiteCopy
from crawler.urls import article_id as item_id
from spiders.joomla import article_id
from tests.support import (chrome_in_items, EXPECTED_V2, FIXTURES, SITES, SITES_V2, OfflineRun, crawl, differences,
                           expected_items, outputs, read_lines, saved_response, site_spider)

SITE = "karaganda"
ORIGIN = "https://karlib.kz"
TZ = "Asia/Almaty"
CRAWLED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
EXPECTED = expected_items(SITE)
EXPECTED_NEW = expected_items(SITE, EXPECTED_V2)
LISTING = f"{ORIGIN}/index.php/ru/novosti"
FEED = f"{LISTING}?format=feed&type=rss"
PAGES = [LISTING, f"{LISTING}?start=10", f"{LISTING}?start=20"]
VARIANTS = FIXTURES / "joomla"
# 477 lives in the sub-category 'Мероприятия' (catid 17), 857 in 'Новости' (catid 9)
A477 = f"{ORIGIN}/index.php/ru/novosti/meropriyatiya/477-podvedeny-itogi-oblastnogo-konkursa-luchshij-bibliotekar"
A857 = f"{ORIGIN}/index.php/ru/novosti/857-peredvizhnaya-biblioteka-obsluzhila-chitatelej-aktogajskogo-rajona"
A439 = f"{ORIGIN}/index.php/ru/novosti/439-oblastnoj-seminar-praktikum-elektronnyj-katalog-praktika-vedeniya"


def by_url(url: str) -> dict:
    return next(item for item in EXPECTED if item["url"] == url)


def html_response(url: str, body: str | bytes) -> HtmlResponse:
    return HtmlResponse(url=url, body=body.encode() if isinstance(body, str) else body,
                        headers={"Content-Type": "text/html; charset=utf-8"}, encoding="utf-8")


def one_item(response: HtmlResponse) -> dict:
    (item,) = OfflineRun(SITE, CRAWLED_AT).items_of(response)
    return item


def saved_text(url: str) -> str:
    return saved_response(SITE, url).text


@pytest.fixture(scope="module")
def spider():
    return site_spider(SITE)


# -- the saved copies -----------------------------------------------------------------------------

def test_saved_copies_hold_every_expected_article():
    assert len(EXPECTED) == 30 and len(EXPECTED_NEW) == 34
    assert {e["url"] for e in EXPECTED} < {e["url"] for e in EXPECTED_NEW}
    for root, expected in ((SITES, EXPECTED), (SITES_V2, EXPECTED_NEW)):
        copy = SiteCopy.load(root / SITE)
        assert all(copy.answer(e["url"].removeprefix(ORIGIN)) is not None for e in expected)


# -- ways in: the feed, the blog, its pages -------------------------------------------------------

def test_feed_names_the_latest_articles_and_leads_to_the_listing(spider):
    response = saved_response(SITE, FEED)
    links = list(spider.article_links(response))
    assert len(links) == 10
    assert set(links) <= {e["url"] for e in EXPECTED}
    assert list(spider.next_pages(response)) == [LISTING]
    assert spider.start_urls_of_site() == [FEED]


def test_blog_entries_are_articles_and_modules_beside_it_are_not(spider):
    response = saved_response(SITE, LISTING)
    articles = list(spider.article_links(response))
    assert len(set(articles)) == 10
    assert A477.replace("477-podvedeny-itogi-oblastnogo-konkursa-luchshij-bibliotekar",
                        "950-vecher-pamyati-gafu-kajyrbekova-proshjol-v-biblioteke") in articles  # sub-category
    # the 'Анонс' module links unrouted URLs and a removed article; 'Последние новости' and
    # 'Популярное' link articles of other pages: none of them is an entry of this page
    assert response.css("a[href*='option=com_content']") and response.css("a[href*='707-itogi-goda']")
    assert not [a for a in articles if "option=" in a or "707-" in a]
    popular = response.css(".mostread a::attr(href)").getall()
    assert f"{ORIGIN}{popular[0]}" not in articles
    # the PDF in the category description is no entry either
    assert not [a for a in articles if a.endswith(".pdf")]


def test_pages_are_walked_forward_one_at_a_time(spider):
    requests = list(spider.parse_listing(saved_response(SITE, LISTING)))
    listings = [r.url for r in requests if r.callback == spider.parse_listing]
    assert listings == [PAGES[1]]
    assert list(spider.next_pages(saved_response(SITE, PAGES[1]))) == [PAGES[2]]  # not back to page 1
    assert list(spider.next_pages(saved_response(SITE, PAGES[2]))) == []


def test_home_page_blog_pages_through_index_php(spider):
    """A featured/home blog at / pages as /index.php?start=N; links to other listings are not its pages."""
    page = J4_BLOG.format(items="").replace('href="/novosti?start=20"', 'href="/index.php?start=20"') \
        .replace('href="/novosti"', 'href="/"')
    page = page.replace("</ul></nav>", '<li><a class="page-link" href="/kontakty?start=30">x</a></li></ul></nav>')
    assert list(spider.next_pages(html_response(f"{ORIGIN}/", page))) == [f"{ORIGIN}/index.php?start=20"]


def test_listing_walk_reaches_every_article(spider):
    found = set()
    for url in PAGES:
        found |= {r.url for r in spider.parse_listing(saved_response(SITE, url)) if r.callback == spider.parse_article}
    assert found == {e["url"] for e in EXPECTED}


# -- fields and the CMS's quirks ------------------------------------------------------------------

def test_time_comes_from_the_datetime_attribute_on_the_printed_day():
    """'Опубликовано: 06 июня 2019' prints no time; <time datetime> carries 17:50:09+06:00."""
    item = one_item(saved_response(SITE, A439))
    assert item["date_raw"] == "06 июня 2019"
    assert item["published_at"] == "2019-06-06T17:50:09+06:00"


def test_offset_after_kazakhstan_moved_to_plus_five():
    assert one_item(saved_response(SITE, A857))["published_at"] == "2024-10-22T16:30:00+05:00"


def test_caption_only_in_the_title_attribute_is_not_printed_figcaptions_are():
    response = saved_response(SITE, A857)
    assert response.css(".item-image img.caption::attr(title)").get() == "Книжная выставка"
    assert one_item(response)["images"] == [{"url": f"{ORIGIN}/images/novosti/2024/10/DSC_9074.jpg", "caption": None}]
    captions = [i["caption"] for i in one_item(saved_response(SITE, A477))["images"]]
    assert captions == ["Церемония награждения", None, "В читальном зале"]


def test_no_chrome_in_any_field():
    leaks = ("защищён от спам-ботов", "Печать", "Информация о материале", "Подробнее...", "Опубликовано",
             "Просмотров", "Автор:", "Категория:", "Последние новости", "Анонс", "Вы здесь")
    assert chrome_in_items(SITE, leaks, ("title", "body", "author", "category", "date_raw", "images"), CRAWLED_AT) == {}


def test_modified_date_and_null_dates_are_never_the_publication_date():
    """dd.modified is an edit time; Joomla 3 prints an unset date as 30 November -0001."""
    page = saved_text(A439)
    modified = ('<dd class="modified"><span class="icon-calendar"></span><time datetime="2025-02-03T10:11:12+05:00" '
                'itemprop="dateModified">Обновлено: 03 февраля 2025</time></dd>')
    edited = page.replace('<dd class="published">', modified + '<dd class="published">', 1)
    assert one_item(html_response(A439, edited))["published_at"] == "2019-06-06T17:50:09+06:00"
    only_modified = re.sub(r'<dd class="published">.*?</dd>', "", edited, flags=re.S)
    with pytest.raises(DropItem):  # no publication date at all: no item rather than the edit time
        one_item(html_response(A439, only_modified))
    null = edited.replace('datetime="2019-06-06T17:50:09+06:00"', 'datetime="-0001-11-30T00:00:00+05:00"') \
        .replace("Опубликовано: 06 июня 2019", "Опубликовано: 30 ноября -0001")
    created = ('<dd class="create"><time datetime="2019-06-05T09:08:07+06:00" itemprop="dateCreated">'
               'Создано: 05 июня 2019</time></dd>')
    null = null.replace(modified, modified + created)
    item = one_item(html_response(A439, null))
    assert item["date_raw"] == "05 июня 2019"
    assert item["published_at"] == "2019-06-05T09:08:07+06:00"  # the printed created date, its moment


def test_no_printed_date_the_microdata_moment_on_the_site_clock():
    page = re.sub(r'<dd class="published">.*?</dd>', '<meta itemprop="datePublished" content="2019-06-06T11:50:09Z">',
                  saved_text(A439), flags=re.S)
    item = one_item(html_response(A439, page))
    assert item["published_at"] == "2019-06-06T17:50:09+06:00"
    assert item["date_raw"] == "2019-06-06T11:50:09Z"


def test_a_printed_time_is_never_replaced_by_the_markup():
    page = saved_text(A439).replace("Опубликовано: 06 июня 2019", "Опубликовано: 06 июня 2019 12:30")
    assert one_item(html_response(A439, page))["published_at"] == "2019-06-06T12:30:00+06:00"


def test_other_language_version_is_not_an_item():
    url = f"{ORIGIN}/index.php/kz/zhanalyqtar/439-oblystyq-seminar"
    page = saved_text(A439).replace('content="ru-RU"', 'content="kk-KZ"').replace('lang="ru-ru"', 'lang="kk-kz"')
    run = OfflineRun(SITE, CRAWLED_AT)
    assert run.items_of(html_response(url, page)) == []
    assert run.stats["skipped/other_language"] == 1
    # an article for all languages ('*') names the site's default language, shown on this version
    everywhere = saved_text(A439).replace('content="ru-RU"', 'content="kk-KZ"')
    assert one_item(html_response(A439, everywhere))["title"] == by_url(A439)["title"]


# -- one article, one item, under every URL --------------------------------------------------------

def test_article_id_of_joomla_urls():
    assert article_id(A477) == "477"
    assert article_id(f"{ORIGIN}/index.php?option=com_content&view=article&id=477:podvedeny&catid=17&Itemid=105") == "477"
    assert article_id(f"{A477}?tmpl=component&print=1&layout=default") == "477"
    assert article_id(f"{ORIGIN}/novosti/477-podvedeny.html") == "477"
    assert article_id(LISTING) is None and article_id(f"{LISTING}?start=10") is None
    assert article_id(f"{ORIGIN}/index.php?option=com_content&view=category&id=9") is None


def test_unrouted_url_gives_the_sef_url_in_its_category():
    """The 'Анонс' module's index.php?option=com_content&view=article&id=ID:alias&catid=N&Itemid=N."""
    url = f"{ORIGIN}/index.php?option=com_content&view=article&id=477:podvedeny-itogi-oblastnogo-konkursa-luchshij-bibliotekar&catid=17&Itemid=105"
    item = one_item(html_response(url, (VARIANTS / "karaganda-477-option.html").read_bytes()))
    assert item["url"] == A477 and item["id"] == item_id(SITE, A477)
    assert not differences(item, by_url(A477), TZ)


def test_unrouted_url_without_the_print_link_uses_its_category():
    url = f"{ORIGIN}/index.php?option=com_content&view=article&id=477:podvedeny-itogi-oblastnogo-konkursa-luchshij-bibliotekar&catid=17&Itemid=105"
    page = re.sub(r'<li class="print-icon">.*?</li>', "", (VARIANTS / "karaganda-477-option.html").read_text(), flags=re.S)
    assert "print=1" not in page
    assert one_item(html_response(url, page))["url"] == A477


def test_print_view_is_the_same_article():
    url = f"{A857}?tmpl=component&print=1&layout=default"
    response = html_response(url, (VARIANTS / "karaganda-857-print.html").read_bytes())
    assert response.css("meta[name=robots]::attr(content)").get() == "noindex, nofollow"
    item = one_item(response)
    assert item["url"] == A857
    assert not differences(item, by_url(A857), TZ)


def test_another_category_path_gives_the_article_in_its_own_category():
    wrong_path = A477.replace("/novosti/meropriyatiya/", "/novosti/")
    assert one_item(html_response(wrong_path, saved_text(A477)))["url"] == A477


def test_every_url_of_one_article_is_one_item_in_a_run():
    run = OfflineRun(SITE, CRAWLED_AT)
    (first,) = run.items_of(saved_response(SITE, A477))
    option = f"{ORIGIN}/index.php?option=com_content&view=article&id=477:podvedeny-itogi-oblastnogo-konkursa-luchshij-bibliotekar&catid=17&Itemid=105"
    for response in (html_response(option, (VARIANTS / "karaganda-477-option.html").read_bytes()),
                     html_response(A477 + "?utm_source=vk", saved_text(A477))):
        with pytest.raises(DropItem):
            run.items_of(response)
    assert run.stats["dropped/duplicate_url"] == 2
    assert first["url"] == A477


def test_canonical_pointing_away_is_not_taken_one_naming_the_article_is():
    page = saved_text(A439)
    home = page.replace("<head>", f'<head><link href="{ORIGIN}/" rel="canonical">', 1)
    assert one_item(html_response(A439, home))["url"] == A439
    listing = page.replace("<head>", f'<head><link href="{LISTING}" rel="canonical">', 1)
    assert one_item(html_response(A439, listing))["url"] == A439
    other = page.replace("<head>", f'<head><link href="{A857}" rel="canonical">', 1)
    assert one_item(html_response(A439, other))["url"] == A439
    short = f"{ORIGIN}/novosti/439-oblastnoj-seminar-praktikum-elektronnyj-katalog-praktika-vedeniya"
    named = page.replace("<head>", f'<head><link href="{short}" rel="canonical">', 1)
    assert one_item(html_response(A439, named))["url"] == short


def test_relative_links_resolve_against_base_href():
    """Joomla 3 prints <base href> with the requested URL; a relative src resolves against it."""
    page = saved_text(A439).replace('src="/images/novosti/2019/06/photo_9401.jpg"', 'src="images/novosti/2019/06/photo_9401.jpg"')
    page = page.replace(f'<base href="{A439}" />', f'<base href="{ORIGIN}/" />')
    item = one_item(html_response(A439, page))
    assert item["images"][0]["url"] == f"{ORIGIN}/images/novosti/2019/06/photo_9401.jpg"


# -- other themes, Joomla 4 -----------------------------------------------------------------------

OTHER_THEME = """<!DOCTYPE html><html lang="ru-ru"><head><meta charset="utf-8"><title>{title} | Библиотека</title></head>
<body class="site com_content view-article">
<div id="wrapper"><header id="sp-header"><div class="logo"><a href="/"><img src="/templates/shaper/images/logo.png" alt="logo"></a></div>
<ul class="sp-megamenu-parent"><li><a href="/index.php/ru/novosti">Новости</a></li></ul></header>
<section id="sp-main-body"><div class="row"><div id="sp-component" class="col-lg-8"><div class="sp-column"><div class="sp-module-content">
{core}
</div></div></div>
<aside id="sp-right" class="col-lg-4"><div class="sp-module"><h3 class="sp-module-title">Популярное</h3>
<ul class="mostread"><li><a href="/index.php/ru/novosti/467-x"><span>Другая новость</span></a></li></ul>
<img src="/images/banners/kazneb.png" alt=""></div></aside></div></section>
<footer id="sp-footer"><p>E-mail: <span id="cloak1a2b">Этот адрес электронной почты защищён от спам-ботов.</span>
<script>document.getElementById('cloak1a2b').innerHTML = '';</script></p></footer></div></body></html>"""


def core_output(url: str) -> tuple[str, str]:
    """The com_content output of a saved page (the .item-page element), and its title."""
    tree = lxml_html.fromstring(saved_response(SITE, url).body)
    (core,) = tree.cssselect(".item-page")
    return lxml_html.tostring(core, encoding="unicode"), by_url(url)["title"]


@pytest.mark.parametrize("url", [A439, A477, A857])
def test_same_core_output_under_another_theme_gives_the_same_item(url):
    core, title = core_output(url)
    item = one_item(html_response(url, OTHER_THEME.format(core=core, title=title)))
    assert not differences(item, by_url(url), TZ)


J4_ARTICLE = """<!DOCTYPE html><html lang="ru-ru" dir="ltr"><head><meta charset="utf-8">
<meta name="generator" content="Joomla! - Open Source Content Management">
<title>{title}</title>{canonical}</head>
<body class="site com_content wrapper-static view-article no-layout no-task itemid-105">
<header class="header container-header full-width"><nav class="navbar"><ul class="mod-menu mod-list nav">
<li class="nav-item item-105 current active"><a href="/novosti" aria-current="location">Новости</a></li></ul></nav></header>
<div class="site-grid"><div class="grid-child container-component">
<nav class="mod-breadcrumbs__wrapper" aria-label="Навигатор сайта"><ol class="mod-breadcrumbs breadcrumb px-3 py-2">
<li class="mod-breadcrumbs__item breadcrumb-item"><a href="/novosti" class="pathway"><span>Новости</span></a></li></ol></nav>
<main>
<div class="com-content-article item-page" itemscope itemtype="https://schema.org/Article">
    <meta itemprop="inLanguage" content="ru-RU">
    <div class="page-header"><h1 itemprop="headline">{title}</h1></div>
    <dl class="article-info text-muted">
        <dt class="article-info-term">Подробности</dt>
        <dd class="createdby" itemprop="author" itemscope itemtype="https://schema.org/Person">
            <span class="icon-user icon-fw" aria-hidden="true"></span>
            Автор: <span itemprop="name">{author}</span></dd>
        <dd class="category-name"><span class="icon-folder-open icon-fw" aria-hidden="true"></span>
            Категория: <a href="/novosti" itemprop="genre">{category}</a></dd>
        <dd class="published"><span class="icon-calendar icon-fw" aria-hidden="true"></span>
            <time datetime="{moment}" itemprop="datePublished">Опубликовано: {printed}</time></dd>
        <dd class="hits"><span class="icon-eye icon-fw" aria-hidden="true"></span>
            <meta itemprop="interactionCount" content="UserPageVisits:{hits}">Просмотров: {hits}</dd>
    </dl>
    <figure class="left item-image">
        <img src="/images/novosti/2024/10/DSC_9074.jpg#joomlaImage://local-images/novosti/2024/10/DSC_9074.jpg?width=800&amp;height=600"
             itemprop="image" alt="" width="800" height="600" loading="lazy">
        <figcaption class="caption">Книжная выставка</figcaption>
    </figure>
    <div itemprop="articleBody" class="com-content-article__body">{body}</div>
    <nav class="pagenavigation" aria-label="Навигация по странице"><span class="pagination ms-0">
        <a class="btn btn-sm btn-secondary previous" href="/novosti/841-aktsiya" rel="prev">Назад</a></span></nav>
</div></main></div>
<div class="grid-child container-sidebar-right"><div class="sidebar-right card"><h3 class="card-header">Последние новости</h3>
<ul class="mod-articleslatest latestnews mod-list"><li itemscope itemtype="https://schema.org/Article">
<a href="/novosti/871-x" itemprop="url"><span itemprop="name">Другая новость</span></a></li></ul></div></div></div>
<footer class="container-footer footer full-width"><div class="grid-child"><p>© 2026</p></div></footer></body></html>"""


def j4_page(canonical: str = "") -> str:
    """Article 857 as Joomla 4's core layouts (Cassiopeia) print it, SEF without /index.php/ and
    without a language segment."""
    expected = by_url(A857)
    body = "".join(f"<p>{p}</p>" for p in expected["body"].split("\n\n"))
    return J4_ARTICLE.format(title=expected["title"], author=expected["author"], category=expected["category"],
                             moment="2024-10-22T16:30:00+05:00", printed=expected["date_raw"],
                             hits=expected["view_count"], body=body,
                             canonical=f'<link href="{canonical}" rel="canonical">' if canonical else "")


def test_joomla4_article_markup():
    url = f"{ORIGIN}/novosti/857-peredvizhnaya-biblioteka-obsluzhila-chitatelej-aktogajskogo-rajona"
    item = one_item(html_response(url + "?Itemid=105", j4_page()))
    expected = {**by_url(A857), "url": url,
                # Joomla 4 prints the full-text image's caption in a figcaption
                "images": [{"url": f"{ORIGIN}/images/novosti/2024/10/DSC_9074.jpg", "caption": "Книжная выставка"}]}
    assert not differences(item, expected, TZ)
    # Joomla 4 prints <link rel=canonical> where it knows the article's URL better
    named = one_item(html_response(f"{ORIGIN}/index.php?option=com_content&view=article&id=857&catid=9", j4_page(url)))
    assert named["url"] == url


J4_BLOG = """<!DOCTYPE html><html lang="ru-ru"><head><meta charset="utf-8"><title>Новости</title></head>
<body class="site com_content view-category layout-blog"><main>
<div class="com-content-category-blog blog" itemscope itemtype="https://schema.org/Blog">
<div class="com-content-category-blog__items blog-items">{items}</div>
<div class="com-content-category-blog__navigation w-100">
<p class="com-content-category-blog__counter counter float-md-end pt-3 pe-2">Страница 2 из 3</p>
<div class="com-content-category-blog__pagination"><nav class="pagination__wrapper" aria-label="Навигация по страницам">
<ul class="pagination ms-0 mb-4">
<li class="page-item"><a aria-label="В начало" href="/novosti" class="page-link"><span class="icon-angle-double-left"></span></a></li>
<li class="page-item"><a aria-label="Назад" href="/novosti?start=0" class="page-link"><span class="icon-angle-left"></span></a></li>
<li class="page-item"><a aria-label="Страница 1" href="/novosti" class="page-link">1</a></li>
<li class="active page-item"><a aria-current="true" aria-label="Страница 2" href="#" class="page-link">2</a></li>
<li class="page-item"><a aria-label="Страница 3" href="/novosti?start=20" class="page-link">3</a></li>
<li class="page-item"><a aria-label="Вперёд" href="/novosti?start=20" class="page-link"><span class="icon-angle-right"></span></a></li>
</ul></nav></div></div></div></main>
<aside><ul class="mod-articlesnews"><li><a href="/novosti/871-x">Модуль</a></li></ul></aside></body></html>"""
J4_ITEM = """<div class="com-content-category-blog__item blog-item" itemprop="blogPost" itemscope itemtype="https://schema.org/BlogPosting">
<figure class="left item-image"><a href="{href}" itemprop="url"><img src="/images/intro.jpg" itemprop="thumbnailUrl" alt=""></a></figure>
<div class="item-content"><div class="page-header"><h2 itemprop="name"><a href="{href}" itemprop="url">Заголовок</a></h2></div>
<p>Вступление.</p><p class="readmore"><a class="btn btn-secondary" href="{href}">Подробнее …</a></p></div></div>"""


def test_joomla4_blog_entries_and_pagination(spider):
    hrefs = ["/novosti/913-oblastnoj-seminar", "/novosti/meropriyatiya/893-opredeleny-pobediteli", "/novosti/zhivaya-klassika"]
    page = J4_BLOG.format(items="".join(J4_ITEM.format(href=h) for h in hrefs))
    response = html_response(f"{ORIGIN}/novosti?start=10", page)
    assert list(dict.fromkeys(spider.article_links(response))) == [ORIGIN + h for h in hrefs]
    assert list(spider.next_pages(response)) == [f"{ORIGIN}/novosti?start=20"]


# -- the dates pipeline's rule for a machine moment -------------------------------------------------

@pytest.mark.parametrize("printed, moment, published", [
    ("06 июня 2019", "2019-06-06T11:50:09Z", "2019-06-06T17:50:09+06:00"),  # UTC moment, site's clock
    ("06 июня 2019 09:15", "2019-06-06T17:50:09+06:00", "2019-06-06T09:15:00+06:00"),  # printed time wins
    ("", "2024-10-22T16:30:00+05:00", "2024-10-22T16:30:00+05:00"),  # nothing printed: the moment
    ("06 июня 2019", "not a moment", "2019-06-06T00:00:00+06:00"),
], ids=["utc-moment", "printed-time-wins", "nothing-printed", "not-a-moment"])  # ASCII ids: mutmut selects by id
def test_publication_moment_rule(printed, moment, published):
    from crawler.items import ArticleItem
    from pipelines.dates import DatePipeline

    run = OfflineRun(SITE, CRAWLED_AT)
    item = ArticleItem(url=A439, date_raw=printed, published_moment=moment, crawled_at="2026-03-01T12:00:00Z")
    out = DatePipeline(run.crawler).process_item(item)
    assert out["published_at"] == published
    assert "published_moment" not in out  # never in a line, never in a fingerprint


# -- real crawls over loopback ----------------------------------------------------------------------

def scheduled(mirror: Path, work: Path, *extra: str):
    return crawl(["crawl", SITE, "--mirror", str(mirror), "--output-dir", str(work / "out"),
                  "--state", str(work / "state.sqlite"), *extra], cwd=work)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Four scheduled runs on one state: v1, v1 again, v2, v2 again: what each wrote and asked."""
    work = tmp_path_factory.mktemp("karaganda")
    runs = []
    for root in (SITES, SITES, SITES_V2, SITES_V2):
        before = set(outputs(work / "out"))
        copy = SiteCopy.load(root / SITE)
        with ReplayServer([copy]) as server:
            result = scheduled(server.write_map(work / "mirror.json"), work)
        runs.append((result, sorted(set(outputs(work / "out")) - before), list(copy.requests)))
    return runs


@pytest.mark.crawl
def test_first_run_writes_exactly_the_expected_items(history):
    result, files, _ = history[0]
    assert result.returncode == 0, result.stderr[-2000:]
    (written,) = files
    items = read_lines(written)
    assert sorted(i["url"] for i in items) == sorted(e["url"] for e in EXPECTED)
    assert not {i["url"]: d for i in items if (d := differences(i, by_url(i["url"]), TZ))}


@pytest.mark.crawl
def test_unchanged_rerun_asks_for_robots_and_the_feed_only(history):
    for result, files, requests in (history[1], history[3]):
        assert result.returncode == 0, result.stderr[-2000:]
        assert files == []
        assert len(requests) == 2, requests
        assert any("format=feed" in r for r in requests)


@pytest.mark.crawl
def test_v2_run_writes_exactly_the_new_articles(history):
    result, files, _ = history[2]
    assert result.returncode == 0, result.stderr[-2000:]
    (written,) = files
    new = {e["url"]: e for e in EXPECTED_NEW if e["url"] not in {o["url"] for o in EXPECTED}}
    items = read_lines(written)
    assert sorted(i["url"] for i in items) == sorted(new) and len(new) == 4
    assert not {i["url"]: d for i in items if (d := differences(i, new[i["url"]], TZ))}


@pytest.mark.crawl
def test_a_site_with_its_feed_switched_off_is_crawled_whole_from_its_blog(tmp_path):
    """The feed answers 404 (switched off): the blog gives every article; a rerun on the unchanged
    site asks robots.txt, the feed and the blog's first page only."""
    feed = "/index.php/ru/novosti?format=feed&type=rss"
    asked = []
    for _ in range(2):
        copy = SiteCopy.load(SITES / SITE, {feed: {"status": 404}})
        with ReplayServer([copy]) as server:
            result = scheduled(server.write_map(tmp_path / "m.json"), tmp_path)
        assert result.returncode == 0, result.stderr[-2000:]
        asked.append(list(copy.requests))
    assert feed in asked[0]
    items = read_lines(*outputs(tmp_path / "out"))
    assert sorted(i["url"] for i in items) == sorted(e["url"] for e in EXPECTED)
    assert sorted(asked[1]) == sorted(["/robots.txt", feed, "/index.php/ru/novosti"])


def test_modern_router_urls_without_ids():
    """Joomla 4's router may drop the ID: a canonical URL is then the article's only when its
    last segment is the article's alias."""
    url = f"{ORIGIN}/novosti/peredvizhnaya-biblioteka-obsluzhila-chitatelej-aktogajskogo-rajona"
    assert one_item(html_response(url + "?Itemid=105", j4_page()))["url"] == url
    assert one_item(html_response(url + "?Itemid=105", j4_page(canonical=url)))["url"] == url
    other = f"{ORIGIN}/novosti/drugaya-novost"
    assert one_item(html_response(url, j4_page(canonical=other)))["url"] == url
    assert one_item(html_response(url, j4_page(canonical=f"{ORIGIN}/novosti")))["url"] == url


def test_email_link_carries_the_sef_url():
    """Joomla 3's e-mail icon links com_mailto with the article's URL in base64."""
    import base64

    url = f"{ORIGIN}/index.php?option=com_content&view=article&id=477&catid=17&Itemid=105"
    link = base64.b64encode(A477.encode()).decode()
    email = (f'<li class="email-icon"><a href="/index.php?option=com_mailto&amp;tmpl=component&amp;template=karlib'
             f'&amp;link={link}">E-mail</a></li>')
    page = re.sub(r'<li class="print-icon">.*?</li>', email, (VARIANTS / "karaganda-477-option.html").read_text(), flags=re.S)
    page = page.replace("Категория: <a href=", "Категория: <span data-href=")  # no category link either
    assert one_item(html_response(url, page))["url"] == A477


def test_articles_routed_without_a_menu_item_keep_their_path():
    """Without a menu item for its category Joomla routes /component/content/article/ID-alias."""
    url = f"{ORIGIN}/index.php/ru/component/content/article/477-podvedeny-itogi-oblastnogo-konkursa-luchshij-bibliotekar"
    page = re.sub(r'<li class="print-icon">.*?</li>', "", saved_text(A477), flags=re.S)
    page = page.replace('href="/index.php/ru/novosti/meropriyatiya" itemprop="genre"',
                        'href="/index.php/ru/component/content/category/17-meropriyatiya?Itemid=101" itemprop="genre"')
    assert one_item(html_response(url + "?catid=17&Itemid=101", page))["url"] == url


def j5_page() -> str:
    """Joomla 5 prints no microdata in its layouts (a schema.org plugin writes JSON-LD instead):
    the same page without itemprop/itemscope, with the menu's page heading above the title."""
    page = re.sub(r'\s(?:itemprop|itemtype)="[^"]*"|\sitemscope', "", j4_page())
    title = by_url(A857)["title"]
    return page.replace(f'<div class="page-header"><h1>{title}</h1></div>',
                        f'<div class="page-header"><h1> Новости </h1></div><div class="page-header"><h2>{title}</h2></div>')


def test_joomla5_markup_without_microdata():
    url = f"{ORIGIN}/novosti/857-peredvizhnaya-biblioteka-obsluzhila-chitatelej-aktogajskogo-rajona"
    page = j5_page()
    assert "itemprop" not in page and "com-content-article__body" in page
    item = one_item(html_response(url, page))
    expected = {**by_url(A857), "url": url,
                "images": [{"url": f"{ORIGIN}/images/novosti/2024/10/DSC_9074.jpg", "caption": "Книжная выставка"}]}
    assert not differences(item, expected, TZ)
    # no printed date: the JSON-LD of the schema.org plugin
    ld = '<script type="application/ld+json">{"@type":"BlogPosting","datePublished":"2024-10-22T11:30:00+00:00"}</script>'
    undated = re.sub(r'<dd class="published">.*?</dd>', "", page, flags=re.S).replace("</head>", ld + "</head>")
    assert one_item(html_response(url, undated))["published_at"] == "2024-10-22T16:30:00+05:00"


def test_joomla5_blog_without_microdata(spider):
    hrefs = ["/novosti/913-oblastnoj-seminar", "/novosti/meropriyatiya/893-opredeleny-pobediteli"]
    page = re.sub(r'\s(?:itemprop|itemtype)="[^"]*"|\sitemscope', "",
                  J4_BLOG.format(items="".join(J4_ITEM.format(href=h) for h in hrefs)))
    response = html_response(f"{ORIGIN}/novosti?start=10", page)
    assert list(dict.fromkeys(spider.article_links(response))) == [ORIGIN + h for h in hrefs]


def test_cloaked_email_in_the_text_reads_as_printed_and_the_footer_stays_out():
    page = saved_text(A439)
    footer = re.search(r'<span id="cloak[0-9a-f]+">.*?</script>', page, flags=re.S).group()
    assert "защищён от спам-ботов" in footer  # the footer's address, written by a script
    j3 = page.replace("в системе «ИРБИС».</p>", f"в системе «ИРБИС». Пишите: {footer}</p>", 1)
    item = one_item(html_response(A439, j3))
    assert item["body"].endswith("в системе «ИРБИС». Пишите: info@karlib.kz")
    j4 = page.replace("в системе «ИРБИС».</p>",
                      'в системе «ИРБИС». Пишите: <joomla-hidden-mail is-link="1" is-email="1" first="aW5mbw==" '
                      'last="a2FybGliLmt6" text="aW5mb0BrYXJsaWIua3o=" base="">Этот адрес электронной почты '
                      'защищён от спам-ботов.</joomla-hidden-mail></p>', 1)
    assert one_item(html_response(A439, j4))["body"].endswith("Пишите: info@karlib.kz")
    assert "спам" not in one_item(saved_response(SITE, A439))["body"]
