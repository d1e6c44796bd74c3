"""Retry backoff: how long a failed request waits before its next try."""
from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.settings import Settings

from crawler.retry import BackoffRetryMiddleware


def middleware(**settings) -> BackoffRetryMiddleware:
    return BackoffRetryMiddleware(Settings({"RETRY_ENABLED": True, **settings}))


def tried(times: int) -> Request:
    return Request("http://thuvienhanam.gov.vn/a.html", meta={"retry_times": times} if times else {})


@pytest.mark.parametrize("times, wait", [(0, 0.25), (1, 0.5), (2, 1.0), (3, 2.0), (5, 8.0), (9, 8.0)])
def test_waits_double_from_a_quarter_second_up_to_the_cap(times, wait):
    assert middleware().delay(tried(times)) == wait


def test_base_and_cap_come_from_the_settings():
    mw = middleware(RETRY_BACKOFF_BASE=0.01, RETRY_BACKOFF_MAX=0.03)
    assert [mw.delay(tried(n)) for n in range(4)] == [0.01, 0.02, 0.03, 0.03]


@pytest.mark.parametrize("header, wait", [("5", 5.0), (" 5 ", 5.0), ("60", 8.0), ("0", 0.25),
                                          ("Wed, 21 Oct 2026 07:28:00 GMT", 0.25), ("", 0.25), (None, 0.25)])
def test_retry_after_in_seconds_is_obeyed_up_to_the_cap(header, wait):
    headers = {"Retry-After": header} if header is not None else {}
    response = Response("http://thuvienhanam.gov.vn/a.html", status=503, headers=headers)
    assert middleware().delay(tried(0), response) == wait
