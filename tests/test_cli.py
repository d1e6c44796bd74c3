"""The command line's small promises: options after the command, help that names everything,
`extract` taking --quiet and -s like `crawl`, and log lines that never glue onto the progress line."""
from __future__ import annotations

import io
import logging

import pytest

from crawler.cli import build_parser, clear_progress_before_logs


@pytest.mark.parametrize("argv, level", [
    (["crawl", "--log-level", "INFO", "hanam"], "INFO"),
    (["--log-level", "DEBUG", "crawl", "hanam"], "DEBUG"),
    (["crawl", "hanam"], "WARNING"),
    (["extract", "--log-level", "ERROR", "--output", "x.jsonl", "a.warc.gz"], "ERROR"),
    (["demo", "--log-level", "INFO"], "INFO"),
])
def test_log_level_before_or_after_the_command(argv, level):
    assert build_parser().parse_args(argv).log_level == level


def test_extract_takes_quiet_and_settings():
    args = build_parser().parse_args(["extract", "--quiet", "-s", "CONCURRENT_ITEMS=8", "--output", "x.jsonl", "a"])
    assert args.quiet and args.set == ["CONCURRENT_ITEMS=8"]


def test_help_names_every_command_and_the_site_argument(capsys):
    parser = build_parser()
    text = parser.format_help()
    for command in ("crawl", "extract", "list", "demo", "snapshot", "reset", "state"):
        assert command in text.split("positional arguments")[0], command  # the description
        assert command in text.split("positional arguments")[1], command  # the commands
    with pytest.raises(SystemExit):
        parser.parse_args(["crawl", "--help"])
    positional = capsys.readouterr().out.split("positional arguments:")[1].split("options:")[0]
    assert "SITE" in positional and "site ids to crawl" in positional


def test_a_log_line_wipes_the_progress_line_first():
    terminal = io.StringIO()
    handler = logging.StreamHandler(terminal)
    clear_progress_before_logs([handler], terminal)
    clear_progress_before_logs([handler], terminal)  # once, however often a tick asks
    logger = logging.getLogger("test-progress")
    logger.addHandler(handler)
    try:
        terminal.write("\rhanam 12p/3i ")
        logger.warning("hanam: skipped http://h/x (not_a_page)")
    finally:
        logger.removeHandler(handler)
    assert terminal.getvalue() == "\rhanam 12p/3i \r\x1b[Khanam: skipped http://h/x (not_a_page)\n"
