"""The run report from a site's Scrapy stats: every number in it, the problems that fail a site,
the text a person reads and the JSON a machine reads. The stats are the names Scrapy and this
crawler count under; the expected values are worked out by hand from them."""
from __future__ import annotations

import json

from crawler.report import RunReport, site_report

STATS = {
    "response_received_count": 41,
    "output/lines": 30,
    "item_scraped_count": 31,
    "dropped/duplicate_url": 1,
    "dropped/duplicate_content": 2,
    "dropped/missing_title": 1,
    "skipped/not_a_page": 1,
    "skipped/article_http_404": 2,
    "httperror/response_ignored_status_count/404": 2,
    "httperror/response_ignored_status_count/500": 1,
    "downloader/exception_count": 5,
    "retry/count": 4,
    "retry/max_reached": 1,
    "log_count/ERROR": 2,
    "charset/utf-8_body_under_another_label": 2,
    "charset/undecodable_bytes_replaced": 1,
    "downloader/response_status_count/200": 38,
    "downloader/response_status_count/404": 2,
    "listing/article_links": 40,
    "article/responses": 35,
    "coverage/items": 34,
    "coverage/url": 34,
    "coverage/title": 33,
    "coverage/body": 34,
    "coverage/published_at": 34,
    "coverage/date_raw": 34,
    "coverage/images": 17,
    "elapsed_time_seconds": 3.14159,
    "finish_reason": "finished",
}


def test_every_number_of_a_site_report():
    r = site_report("hanam", STATS)
    assert (r.site, r.pages_fetched, r.new_items, r.duplicates, r.extracted, r.seconds) == \
        ("hanam", 41, 30, 3, 34, 3.14)
    assert r.dropped == {"duplicate_content": 2, "duplicate_url": 1, "missing_title": 1}
    assert r.skipped == {"article_http_404": 2, "not_a_page": 1}
    # download errors: 5 exceptions, 4 of them retried and 1 that ran out of retries
    assert r.errors == {"http_errors": 3, "download_errors": 2, "gave_up_retrying": 1, "retries": 4,
                        "logged_errors": 2, "charset_fixes": 3}
    assert r.fill_rates == {"url": 1.0, "title": 0.971, "kicker": 0.0, "lead": 0.0, "body": 1.0,
                            "published_at": 1.0, "date_raw": 1.0, "author": 0.0, "category": 0.0,
                            "images": 0.5, "comment_count": 0.0, "view_count": 0.0}
    assert r.ok and r.problems == []


def test_items_scraped_count_when_nothing_was_written_to_a_sink():
    stats = {k: v for k, v in STATS.items() if k != "output/lines"}
    assert site_report("hanam", stats).new_items == 31


def test_negative_error_counts_are_floored_at_zero():
    stats = {**STATS, "downloader/exception_count": 1, "retry/count": 4, "retry/max_reached": 0}
    assert site_report("hanam", stats).errors["download_errors"] == 0


def test_unreachable_site_names_what_answered():
    stats = {"downloader/response_status_count/503": 4, "downloader/response_status_count/404": 1}
    r = site_report("travinh", stats)
    assert r.problems == ["unreachable: no page answered with success: HTTP 404 (1 response); HTTP 503 (4 responses)"]
    assert site_report("travinh", {}).problems == [
        "unreachable: no page answered with success: no request was answered or failed (nothing was asked?)"]


def test_unreachable_site_says_why_most_frequent_cause_first():
    stats = {"failure/connection refused": 1, "failure/DNS name not found": 3, "failure/HTTP 503": 2,
             "downloader/response_status_count/503": 2}
    assert site_report("travinh", stats).problems == [
        "unreachable: no page answered with success: DNS name not found (3 requests); "
        "connection refused (1 request); HTTP 503 (2 responses)"]


def test_a_crawl_that_ended_early_is_a_problem():
    r = site_report("hanam", {**STATS, "finish_reason": "closespider_timeout"})
    assert r.problems == ["crawl ended early: closespider_timeout"]
    # an interrupt (shutdown) is no site problem: the run report says the run was interrupted
    assert site_report("hanam", {**STATS, "finish_reason": "shutdown"}).ok
    assert site_report("hanam", {k: v for k, v in STATS.items() if k != "finish_reason"}).ok


def test_listings_without_article_links_are_a_problem():
    r = site_report("hanam", {**STATS, "listing/article_links": 0})
    assert r.problems == ["no article links on the listings: listing layout changed or site down"]


def test_articles_fetched_but_none_read_is_a_problem():
    stats = {k: v for k, v in STATS.items() if not k.startswith("coverage/")}
    r = site_report("hanam", stats)
    assert r.problems == ["35 article pages fetched, none could be read: article layout changed"]
    assert r.fill_rates["title"] == 0.0
    assert site_report("hanam", {**stats, "article/responses": 0}).ok  # nothing fetched, nothing to read


def test_every_required_field_is_checked():
    for name in ("title", "body", "published_at"):
        r = site_report("hanam", {**STATS, f"coverage/{name}": 20}, missing_max=0.2)
        assert r.problems == [f"layout: {name} missing in 41% of 34 items"], name
    assert site_report("hanam", {**STATS, "coverage/date_raw": 0}).ok  # optional for the alarm


def test_run_report_text_and_json(tmp_path):
    ok = site_report("hanam", STATS)
    failed = site_report("travinh", {"downloader/response_status_count/503": 2})
    run = RunReport(run="2026-11-22T031500Z", started="s", finished="f", exit_code=1,
                    outputs=["out/hanam/2026-11-22T031500Z.jsonl"], sites=[ok, failed])
    lines = run.text().splitlines()
    assert lines[0] == "run 2026-11-22T031500Z: exit 1"
    assert lines[1] == "  hanam        ok        41 pages,   30 new items, 3 duplicates skipped, 3.1s"
    assert lines[2] == "      dropped: missing_title 1"  # duplicates are on the line above
    assert lines[3] == "      skipped: article_http_404 2, not_a_page 1"
    assert lines[4] == ("      errors: http_errors 3, download_errors 2, gave_up_retrying 1, retries 4, "
                        "logged_errors 2, charset_fixes 3")
    assert lines[5].startswith("      filled: url 100%, title 97%, kicker 0%")
    assert lines[6] == "  travinh      FAILED     0 pages,    0 new items, 0 duplicates skipped, 0.0s"
    assert lines[7] == "      PROBLEM: unreachable: no page answered with success: HTTP 503 (2 responses)"
    assert lines[8] == "  wrote out/hanam/2026-11-22T031500Z.jsonl"
    assert len(lines) == 9  # a site with nothing extracted has no fill line, no empty groups
    saved = run.save(tmp_path / "runs" / "r.json")
    assert saved == tmp_path / "runs" / "r.json" and [p.name for p in saved.parent.iterdir()] == ["r.json"]
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["exit_code"] == 1 and data["run"] == "2026-11-22T031500Z" and data["outputs"] == run.outputs
    assert [s["ok"] for s in data["sites"]] == [True, False]
    assert data["sites"][0]["dropped"] == ok.dropped and data["sites"][1]["problems"] == failed.problems
    run.outputs.append("خروجی.jsonl")
    assert "خروجی.jsonl" in run.save(tmp_path / "r2.json").read_text(encoding="utf-8")  # UTF-8, not escaped


def test_the_default_threshold_is_a_fifth():
    assert site_report("hanam", {**STATS, "coverage/items": 10, "coverage/title": 8, "coverage/body": 10,
                                 "coverage/published_at": 10}).ok
    assert not site_report("hanam", {**STATS, "coverage/items": 10, "coverage/title": 7, "coverage/body": 10,
                                     "coverage/published_at": 10}).ok


def test_counts_a_crawl_never_made_are_zero():
    """A site that answered but whose crawl never counted articles or retries."""
    r = site_report("hanam", {"downloader/response_status_count/200": 1, "downloader/exception_count": 2})
    assert r.errors["download_errors"] == 2
    assert r.problems == ["no article links on the listings: listing layout changed or site down"]
    fetched = site_report("hanam", {"downloader/response_status_count/200": 1, "listing/article_links": 3})
    assert fetched.ok  # links listed, no article fetched yet: nothing to read, no alarm
    unfilled = site_report("hanam", {"downloader/response_status_count/200": 1, "listing/article_links": 3,
                                     "article/responses": 10, "coverage/items": 10, "coverage/body": 10,
                                     "coverage/published_at": 10})
    assert unfilled.problems == ["layout: title missing in 100% of 10 items"]


def test_a_report_saved_where_no_folder_is_yet(tmp_path):
    run = RunReport(run="r", started="s", finished="f", exit_code=0, outputs=[],
                    sites=[site_report("hanam", {**STATS, "dropped/contract_break": 1})])
    path = run.save(tmp_path / "new" / "deeper" / "_runs" / "r.json")
    assert json.loads(path.read_text(encoding="utf-8"))["sites"][0]["ok"] is True
    assert "      dropped: contract_break 1, missing_title 1" in run.text().splitlines()
