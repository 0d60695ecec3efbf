"""Reading the lock files (`make lock` writes them with uv): which package each pins, at what."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEV_LOCK = ROOT / "requirements" / "dev.txt"
CDK_LOCK = ROOT / "requirements" / "cdk.txt"
LAMBDA_LOCK = ROOT / "lambdas" / "requirements.txt"
TRANSFORM_LOCK = ROOT / "lambdas" / "transform-requirements.txt"
"""What the transform and history-import functions bundle beside the layer (PyIceberg)."""
REPORT_LOCK = ROOT / "lambdas" / "requirements-report.txt"
"""What the monthly report function bundles (plotly, pillow)."""
LOCKS = (DEV_LOCK, CDK_LOCK, LAMBDA_LOCK, TRANSFORM_LOCK, REPORT_LOCK)

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)")


def normalized(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: Path) -> dict[str, set[str]]:
    """Each pinned package of `lock` and its version(s): a universal lock may pin one package at
    two versions under different markers."""
    found: dict[str, set[str]] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            found.setdefault(normalized(match[1]), set()).add(match[3])
    return found


def requirement_blocks(lock: Path) -> list[str]:
    """Each requirement of `lock` with its continuation lines (its hashes)."""
    blocks: list[str] = []
    for line in lock.read_text(encoding="utf-8").splitlines():
        if _PIN.match(line):
            blocks.append(line)
        elif blocks and line.startswith("    --hash="):
            blocks[-1] += "\n" + line
    return blocks
