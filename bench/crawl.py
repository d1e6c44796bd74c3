"""The real `python -m crawler` command line with benchmark settings on top of settings.py.

BENCH_SETTINGS (a JSON object in the environment) overrides project settings by name before the
CLI loads them, e.g. {"AUTOTHROTTLE_ENABLED": false, "CONCURRENT_REQUESTS": 32}: the CLI reads the
`settings` module, which is patched here, so nothing in the project changes for a benchmark.
BENCH_PROFILE=FILE profiles the whole run with pyinstrument and writes a text report to FILE.
"""
from __future__ import annotations

import json
import os
import sys

from crawler.cli import PROJECT_ROOT


def main() -> int:
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    import settings

    for name, value in json.loads(os.environ.get("BENCH_SETTINGS") or "{}").items():
        setattr(settings, name, value)
    from crawler.cli import main as cli_main

    profile = os.environ.get("BENCH_PROFILE")
    if not profile:
        return cli_main(sys.argv[1:])
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.002, async_mode="disabled")
    profiler.start()
    try:
        return cli_main(sys.argv[1:])
    finally:
        profiler.stop()
        from pyinstrument.renderers import ConsoleRenderer

        with open(profile, "w", encoding="utf-8") as f:
            f.write(profiler.output_text(unicode=True, color=False, show_all=False))
            f.write("\n\nFlat (self time by function):\n")
            f.write(profiler.output(ConsoleRenderer(unicode=True, color=False, flat=True, show_all=True)))


if __name__ == "__main__":
    sys.exit(main())
