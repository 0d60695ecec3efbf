"""`python -m spotify_etl.report.screenshot`: the picture of the report in the README.

Builds the report of a lake (default: the demo's .lake, written by `make demo`), opens it in
headless Chromium with the network off, and saves the top of the page as a PNG (default
docs/report.png).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from spotify_runtime.layout import PROCESSED

from infra.config import load_environment
from spotify_etl.report.browser import BrowserMissingError, offline_page, open_report
from spotify_etl.report.build import write_lake_report

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
    parser = argparse.ArgumentParser(prog="python -m spotify_etl.report.screenshot",
                                     description=__doc__)
    parser.add_argument("--lake", type=Path, default=Path(".lake"))
    parser.add_argument("--out", type=Path, default=Path("docs/report.png"))
    parser.add_argument("--time-zone", default="UTC")
    args = parser.parse_args(argv)
    if not (args.lake / PROCESSED).is_dir():
        print(f"error: no lake at {args.lake}: run `make demo` first", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        html_file = Path(folder) / "report.html"
        write_lake_report(args.lake, html_file, ZoneInfo(args.time_zone),
                          datetime.now(UTC).date(), load_environment("dev").play_rule)
        try:
            screenshot(html_file, args.out)
        except BrowserMissingError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
