"""The README's promises: every command in it parses, every setting and named query is there."""

from __future__ import annotations

import re
import shlex
from dataclasses import MISSING, fields
from pathlib import Path

import pytest

from infra.config import EnvironmentSettings
from infra.named_queries import load_named_queries
from spotify_etl.cli import build_parser

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def _code_lines() -> list[str]:
    """Lines of the README's command blocks (not ```text output), `\\` continuations joined."""
    lines: list[str] = []
    fence: str | None = None
    for line in README.replace("\\\n", " ").splitlines():
        if line.strip().startswith("```"):
            fence = line.strip()[3:] if fence is None else None
        elif fence in ("", "sh") and line.strip():
            lines.append(line.strip())
    return lines


def _cli_commands() -> list[list[str]]:
    commands = []
    for line in _code_lines():
        words = shlex.split(line.split("  #")[0])
        for start, word in enumerate(words):
            if word.endswith("python") and words[start + 1: start + 3] == ["-m", "spotify_etl"]:
                commands.append(words[start + 3:])
                break
    return commands


@pytest.mark.parametrize("argv", _cli_commands(), ids=" ".join)
def test_every_cli_command_in_the_readme_parses(argv: list[str]) -> None:
    try:
        build_parser().parse_args(argv)
    except SystemExit as error:  # argparse's way of rejecting a command line
        pytest.fail(f"python -m spotify_etl {' '.join(argv)}: rejected ({error.code})")


def test_the_readme_shows_the_cli_and_make_targets_it_relies_on() -> None:
    commands = {argv[0] for argv in _cli_commands() if argv and not argv[0].startswith("-")}
    commands |= {argv[1] for argv in _cli_commands() if argv and argv[0] == "-v"}
    assert {"run-local", "query", "auth", "transform"} <= commands
    targets = {line.split()[1] for line in _code_lines() if line.startswith("make ")}
    assert {"demo", "test", "venv"} <= targets
    for target in targets:
        assert re.search(rf"^{target}:", MAKEFILE, flags=re.MULTILINE), f"make {target}"


def test_cdk_cli_version_matches_the_makefile() -> None:
    pinned = re.search(r"^CDK_CLI := (\S+)", MAKEFILE, flags=re.MULTILINE).group(1)
    versions = set(re.findall(r"npx --yes (aws-cdk@\S+)", README))
    assert versions == {pinned}


def _readme_default(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value == ():
        return "`[]`"
    return f"`{value}`"


def test_every_setting_is_documented_with_its_default() -> None:
    for setting in fields(EnvironmentSettings):
        if setting.name == "name":
            continue
        assert setting.default is not MISSING
        row = re.search(rf"^\| `{setting.name}` \| ([^|]+) \|", README, flags=re.MULTILINE)
        assert row, f"README configuration table lacks {setting.name}"
        assert row.group(1).strip().startswith(_readme_default(setting.default)), setting.name


def test_every_named_query_is_documented() -> None:
    for query in load_named_queries():
        assert f"`{query.name}`" in README
