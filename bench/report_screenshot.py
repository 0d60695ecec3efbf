"""`python -m bench.report_screenshot`: the pictures of the report in the README.

Builds this year's page of a lake (default: the demo's .lake, written by `make demo`) with its
share card (default docs/card.png), opens the page in headless Chromium with the network off,
and saves its top as a PNG (default docs/report.png).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from spotify_runtime.layout import PROCESSED, TABLES
from spotify_runtime.report.period import Period

from bench.browser import BrowserMissingError, offline_page, open_report
from infra.config import load_environment
from spotify_etl.report.build import build_report
from spotify_local.lake_queries import LakeQueries

WIDTH, HEIGHT = 1280, 1700


def screenshot(html_file: Path, png: Path, *, width: int = WIDTH, height: int = HEIGHT) -> None:
    """Save the first `height` pixels of the page at `width` as `png`; fail on any request."""
    with offline_page(width, height) as (page, log):
        open_report(page, html_file)
        png.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(png))
    if log.network_requests or log.console_errors:
        raise RuntimeError(f"the page asked for {log.network_requests} and logged "
                           f"{log.console_errors}")


def main(argv: list[str] | None = None) -> int:
    """Build the lake's report and screenshot it."""
    parser = argparse.ArgumentParser(prog="python -m bench.report_screenshot",
                                     description=__doc__)
    parser.add_argument("--lake", type=Path, default=Path(".lake"))
    parser.add_argument("--out", type=Path, default=Path("docs/report.png"))
    parser.add_argument("--card", type=Path, default=Path("docs/card.png"))
    parser.add_argument("--time-zone", default="UTC")
    args = parser.parse_args(argv)
    if not any((args.lake / folder).is_dir() for folder in (TABLES, PROCESSED)):
        print(f"error: no lake at {args.lake}: run `make demo` first", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        html_file = Path(folder) / "report.html"
        year = datetime.now(UTC).year
        build_report(LakeQueries(args.lake), Period.year(year, ZoneInfo(args.time_zone)),
                     html_file, source=f"the local lake {args.lake}",
                     rule=load_environment("dev").play_rule, title=f"Your {year}",
                     compare=True, card=args.card)
        try:
            screenshot(html_file, args.out)
        except BrowserMissingError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    print(f"wrote {args.out} and {args.card}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
