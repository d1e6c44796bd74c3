"""The declared dependencies are the ones the crawler uses: each runtime dependency in
pyproject.toml is imported by the crawler's code (crawler/, pipelines/, spiders/, settings.py),
so nothing is installed for nothing (README, "Dependencies")."""
from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: dependencies used without an import of their own name, and what uses them
USED_THROUGH = {"tzdata": "zoneinfo"}  # the tz database where the system has none, read by zoneinfo


def declared() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [re.split(r"[<>=!~ \[;]", spec, maxsplit=1)[0].lower() for spec in project["dependencies"]]


def imported() -> set[str]:
    """Top-level modules the crawler's code imports (absolute imports, anywhere in a module)."""
    names = set()
    files = [*ROOT.glob("crawler/*.py"), *ROOT.glob("pipelines/*.py"), *ROOT.glob("spiders/*.py"), ROOT / "settings.py"]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def test_every_declared_dependency_is_used_by_the_crawler():
    modules_of: dict[str, set[str]] = {}
    for module, dists in packages_distributions().items():
        for dist in dists:
            modules_of.setdefault(dist.lower(), set()).add(module)
    used = imported()
    unused = [dist for dist in declared()
              if not (modules_of.get(dist, set()) | {USED_THROUGH.get(dist, "")}) & used]
    assert unused == []
    assert "scrapy" in declared() and {"scrapy", "zoneinfo"} <= used and "zoneinfo" in sys.stdlib_module_names


def test_dateparser_is_never_imported_by_a_crawl():
    """The date reader reads every form itself (crawler/dates.py); dateparser is not needed."""
    import subprocess

    code = ("import sys; from crawler.dates import parse_date; from crawler.cli import spider_classes; "
            "import pipelines.dates, crawler.spider; spider_classes(); "
            "from datetime import datetime, timezone; parse_date('Бүгін, 10:15', 'kk', 'Asia/Qyzylorda', now=datetime(2026, 12, 4, tzinfo=timezone.utc)); print('dateparser' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "False"
