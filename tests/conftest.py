"""Hypothesis profiles: the default runs 300 examples a property; mutation runs (mutmut, which
runs the covering tests once per mutant) pass --hypothesis-profile=mutation for 40.

Shifted calendars: the suite must pass on any day, and is checked by running it under libfaketime
(`FAKETIME=+3y LD_PRELOAD=…/libfaketime.so.1 FAKETIME_DONT_FAKE_MONOTONIC=1`). There `time.sleep`
fails with EINVAL (Python 3.11 sleeps until an absolute CLOCK_MONOTONIC deadline, which
libfaketime 0.9.10 shifts into the past), and the standard library sleeps in
`subprocess.Popen.wait(timeout=…)`; so where that is so, the test processes sleep with
crawler.clock.pause (a timed event wait: the same wait, on the same clock)."""
import time

from hypothesis import settings

from crawler.clock import pause


def _sleep_is_broken() -> bool:
    try:
        time.sleep(0.0001)
    except OSError:
        return True
    return False


if _sleep_is_broken():
    time.sleep = pause

settings.register_profile("default", max_examples=300)
settings.register_profile("mutation", max_examples=40)
settings.load_profile("default")
