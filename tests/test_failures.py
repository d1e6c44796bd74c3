"""Why a request failed, in an operator's words, from the exceptions Scrapy and Twisted really
raise (wrapped as Scrapy wraps them); and the silent-site deadline on a set clock."""
from __future__ import annotations

import pytest
from OpenSSL.SSL import Error as TLSError
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, DownloadTimeoutError
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseNeverReceived

from crawler.failures import DEADLINE, SilentSiteDeadline, SiteGivenUp, cause, failure_cause


def wrapped(outer: type[BaseException], inner: BaseException) -> BaseException:
    """As Scrapy ≥ 2.14 raises them: its own exception, Twisted's as the cause."""
    try:
        raise outer(str(inner)) from inner
    except outer as exc:
        return exc


@pytest.mark.parametrize("exc, timeout, words", [
    (error.DNSLookupError("no-such-host.invalid"), None, "DNS name not found"),
    (wrapped(CannotResolveHostError, error.DNSLookupError("x")), None, "DNS name not found"),
    (wrapped(DownloadConnectionRefusedError, error.ConnectionRefusedError()), None, "connection refused"),
    (error.TimeoutError(), 30.0, "timed out after 30 s"),
    (wrapped(DownloadTimeoutError, error.TimeoutError()), 2.54, "timed out after 2.5 s"),
    (ResponseNeverReceived([Failure(TLSError([("SSL routines", "", "wrong version number")]))]), None,
     "TLS handshake failed"),
    (ResponseNeverReceived([Failure(error.ConnectionLost())]), None, "connection broken"),
    (HttpError(Response("http://h/", status=503), "ignored"), None, "HTTP 503"),
    (SiteGivenUp(60), None, "no answer within 60 s, given up (SILENT_SITE_GIVE_UP)"),
])
def test_causes_in_words(exc, timeout, words):
    assert cause(exc, timeout) == words


def test_a_timeout_cut_by_the_deadline_is_the_deadline():
    request = Request("http://h/", meta={"download_timeout": 12.5, DEADLINE: 60})
    failure = Failure(error.TimeoutError())
    failure.request = request
    assert failure_cause(failure) == "no answer within 60 s, given up (SILENT_SITE_GIVE_UP)"
    request.meta.pop(DEADLINE)
    assert failure_cause(failure) == "timed out after 12.5 s"


def test_the_deadline_cuts_timeouts_until_the_first_answer_then_gives_up():
    now = [1000.0]
    deadline = SilentSiteDeadline(60, clock=lambda: now[0])
    deadline.spider_opened()
    first = Request("http://h/robots.txt", meta={"download_timeout": 30})
    deadline.process_request(first)
    assert first.meta["download_timeout"] == 30 and DEADLINE not in first.meta  # 60 s left: not cut
    now[0] += 45
    second = Request("http://h/", meta={"download_timeout": 30})
    deadline.process_request(second)
    assert second.meta["download_timeout"] == 15 and second.meta[DEADLINE] == 60
    now[0] += 15
    with pytest.raises(SiteGivenUp):
        deadline.process_request(Request("http://h/", meta={"download_timeout": 30}))
    deadline.process_response(second, Response("http://h/"))  # the site answered once:
    late = Request("http://h/a", meta={"download_timeout": 30})
    deadline.process_request(late)  # never hurried again
    assert late.meta["download_timeout"] == 30


def test_no_deadline_when_set_to_zero():
    deadline = SilentSiteDeadline(0, clock=lambda: 1e9)
    request = Request("http://h/", meta={"download_timeout": 30})
    deadline.process_request(request)
    assert request.meta["download_timeout"] == 30
