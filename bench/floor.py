"""The floor: a process that only parses the raw file with the standard library's `json`.

Any transform that builds Python objects for the payload pays at least this much.
Usage: `python -m bench.floor RAW.json`.
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str] | None = None) -> int:
    """Parse the file named by the single argument and exit."""
    (path,) = sys.argv[1:] if argv is None else argv
    with open(path, encoding="utf-8") as handle:
        json.load(handle)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
