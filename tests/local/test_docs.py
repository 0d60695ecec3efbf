"""The README's and docs' promises: every command in them parses, every link and file they name
exists, every setting and named query is documented where the README says it is."""

from __future__ import annotations

import ast
import io
import re
import shlex
import tokenize
from dataclasses import MISSING, fields
from pathlib import Path

import pytest

from infra.config import EnvironmentSettings
from infra.named_queries import load_named_queries
from spotify_etl.cli import build_parser

ROOT = Path(__file__).parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TEXT = {path: path.read_text(encoding="utf-8") for path in DOCS}
README = TEXT[ROOT / "README.md"]
CONFIGURATION = TEXT[ROOT / "docs" / "configuration.md"]
QUERYING = TEXT[ROOT / "docs" / "querying.md"]
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def _code_lines(text: str) -> list[str]:
    """Lines of a document's command blocks (not ```text output), `\\` continuations joined."""
    lines: list[str] = []
    fence: str | None = None
    for line in text.replace("\\\n", " ").splitlines():
        if line.strip().startswith("```"):
            fence = line.strip()[3:] if fence is None else None
        elif fence in ("", "sh") and line.strip():
            lines.append(line.strip())
    return lines


def _cli_commands(text: str) -> list[list[str]]:
    """Every `python -m spotify_etl ...` of a document's command blocks; optional parts written
    `[--option VALUE]` are parsed as given, a date written `YYYY-MM-DD` as a date."""
    commands = []
    for line in _code_lines(text):
        words = shlex.split(line.split("  #")[0].replace("[", "").replace("]", "")
                            .replace("YYYY-MM-DD", "2026-11-24"))
        for start, word in enumerate(words):
            if word.endswith("python") and words[start + 1: start + 3] == ["-m", "spotify_etl"]:
                commands.append(words[start + 3:])
                break
    return commands


ALL_COMMANDS = [(path.name, argv) for path in DOCS for argv in _cli_commands(TEXT[path])]


@pytest.mark.parametrize(("doc", "argv"), ALL_COMMANDS,
                         ids=[f"{doc}: {' '.join(argv)}" for doc, argv in ALL_COMMANDS])
def test_every_cli_command_in_the_docs_parses(doc: str, argv: list[str]) -> None:
    try:
        build_parser().parse_args(argv)
    except SystemExit as error:  # argparse's way of rejecting a command line
        pytest.fail(f"{doc}: python -m spotify_etl {' '.join(argv)}: rejected ({error.code})")


def _make_targets(text: str) -> set[str]:
    return {line.split()[1] for line in _code_lines(text) if line.startswith("make ")}


def test_the_readme_shows_the_two_commands_and_the_docs_every_other() -> None:
    assert {"demo", "test"} <= _make_targets(README)
    argvs = [argv for _, argv in ALL_COMMANDS]
    commands = {argv[0] for argv in argvs if argv and not argv[0].startswith("-")}
    commands |= {argv[1] for argv in argvs if argv and argv[0] == "-v"}
    assert {"run-local", "query", "auth", "transform", "extract"} <= commands
    targets = set().union(*(_make_targets(text) for text in TEXT.values()))
    assert {"demo", "test", "venv"} <= targets
    for target in targets:
        assert re.search(rf"^{target}:", MAKEFILE, flags=re.MULTILINE), f"make {target}"


def test_cdk_cli_version_matches_the_makefile() -> None:
    pinned = re.search(r"^CDK_CLI := (\S+)", MAKEFILE, flags=re.MULTILINE).group(1)
    for path, text in TEXT.items():
        versions = set(re.findall(r"npx --yes (aws-cdk@\S+)", text))
        assert versions <= {pinned}, path.name
    assert re.findall(r"npx --yes (aws-cdk@\S+)", README)


def _documented_default(value: object) -> str:
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
        row = re.search(rf"^\| `{setting.name}` \| ([^|]+) \|", CONFIGURATION, flags=re.MULTILINE)
        assert row, f"docs/configuration.md lacks {setting.name}"
        assert row.group(1).strip().startswith(_documented_default(setting.default)), setting.name


def test_every_named_query_is_documented() -> None:
    for query in load_named_queries():
        assert re.search(rf"^\| `{query.name}` \| \w", QUERYING, flags=re.MULTILINE), query.name


def _anchor(heading: str) -> str:
    """GitHub's anchor of a markdown heading."""
    slug = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return slug.replace(" ", "-")


def _anchors(text: str) -> set[str]:
    body = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    return {_anchor(m) for m in re.findall(r"^#+ (.+)$", body, flags=re.MULTILINE)}


LINKS = [(path, target) for path in DOCS
         for target in re.findall(r"\]\(([^)\s]+)\)", TEXT[path]) if "://" not in target]


@pytest.mark.parametrize(("path", "target"), LINKS,
                         ids=[f"{path.name}->{target}" for path, target in LINKS])
def test_every_link_between_the_docs_leads_somewhere(path: Path, target: str) -> None:
    file, _, anchor = target.partition("#")
    linked = (path.parent / file).resolve() if file else path
    assert linked.exists(), f"{path.name}: {target}: no such file"
    if anchor:
        assert anchor in _anchors(linked.read_text(encoding="utf-8")), (
            f"{path.name}: {target}: no such heading")


SEARCHED = [ROOT, ROOT / "lambdas", ROOT / "lambdas" / "spotify_runtime", ROOT / "infra",
            ROOT / "spotify_local", ROOT / "spotify_local" / "spotify"]
"""Where a path the docs name may start: the repository, or a package (`transform/tables.py`
is `lambdas/spotify_runtime/transform/tables.py`)."""
NOT_IN_THE_REPOSITORY = ("raw/", "processed/", "state/", "pipeline_runs/", "athena-results/",
                         "data-lake/", "raw_data/", "backfill/", ".lake", "cdk.out/", "DIR/",
                         "bench/.work/", "imports/", "imports-failed/", "reports/", "MyData/",
                         "tables/")
"""Prefixes of S3 keys, of what a run writes, and of a user's own folders (and of Spotify's
export, `MyData/`)."""
PATH = re.compile(r"`((?:[\w.-]+/)+[\w.*-]*)`")


def _named_paths(text: str) -> set[str]:
    """Repository paths a document names in backticks: a folder (`infra/queries/`) or a file of
    ours (`.py`, `.sql`, `.md`); S3 keys, run outputs and URLs are left alone."""
    return {name for name in PATH.findall(text)
            if (name.endswith((".py", ".sql", ".md")) or (name.endswith("/") and "*" not in name))
            and not name.startswith(NOT_IN_THE_REPOSITORY)}


@pytest.mark.parametrize("path", DOCS, ids=[path.name for path in DOCS])
def test_every_file_and_folder_the_docs_name_exists(path: Path) -> None:
    missing = [name for name in _named_paths(TEXT[path])
               if not any(base.joinpath(*name.split("*")[0].split("/")).exists()
                          for base in SEARCHED)]
    assert missing == [], f"{path.name} names what does not exist: {missing}"
    bare = {name for name in {*BARE_PATH.findall(TEXT[path]), *MODULE_FILE.findall(TEXT[path])}
            if not name.startswith(NOT_IN_THE_REPOSITORY) and name not in THEIR_FILES}
    assert _missing(bare) == [], f"{path.name} names what does not exist: {_missing(bare)}"


CODE_ROOTS = ("lambdas", "infra", "spotify_local", "spotify_etl", "bench", "tests")
CODE = [ROOT / "app.py", *sorted(path for folder in CODE_ROOTS
                                  for path in (ROOT / folder).rglob("*.py")
                                  if ".work" not in path.parts)]
BARE_PATH = re.compile(r"(?<![\w./`:-])((?:[\w-]+/)+[\w-]+\.(?:py|md|sql))(?![\w/])")
"""A file named without backticks (`see transform/batch.py`), in prose: not part of a dotted
module name, a URL or a longer path."""


def _prose(source: str) -> list[str]:
    """The comments and the docstrings (module, class, function and attribute) of a module."""
    comments = [token.string for token in tokenize.generate_tokens(io.StringIO(source).readline)
                if token.type == tokenize.COMMENT]
    docstrings = [node.value.value for node in ast.walk(ast.parse(source))
                  if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                  and isinstance(node.value.value, str)]
    return comments + docstrings


MODULE_FILE = re.compile(r"(?<![\w./-])([a-z_][a-z0-9_]*\.py)\b")
"""A Python file named by itself (`layout.py`): some file of ours must have that name."""
OUR_FILE_NAMES = {path.name for path in CODE} | {"conftest.py", "__main__.py"}
THEIR_FILES = ("setup.py",)
"""Files of other projects that our prose names."""


def _paths_in_prose(source: str) -> set[str]:
    return {name for text in _prose(source)
            for name in _named_paths(text) | set(BARE_PATH.findall(text))
            | set(MODULE_FILE.findall(text))
            if not name.startswith(NOT_IN_THE_REPOSITORY) and name not in THEIR_FILES}


def _missing(names: set[str]) -> list[str]:
    return sorted(name for name in names
                  if ("/" not in name and name not in OUR_FILE_NAMES)
                  or ("/" in name and not any(base.joinpath(*name.split("*")[0].split("/"))
                                              .exists() for base in SEARCHED)))


def test_a_comment_or_docstring_naming_a_missing_file_is_caught() -> None:
    gone = "spotify_etl/" + "layer_versions.py"  # built here, so this file's prose stays clean
    old_name = "fake_" + "spotify.py"
    source = (f'"""Pins, see `{gone}`."""\n\n# and docs/storage.md, local/lake.py, layout.py\n'
              f'X = 1\n"""Beside `{gone[:-3]}.txt` (not ours), spotify_runtime.layout and '
              f'{old_name}."""\n')
    assert _paths_in_prose(source) == {gone, "docs/storage.md", "local/lake.py", "layout.py",
                                       old_name}
    assert _missing(_paths_in_prose(source)) == [old_name, "local/lake.py", gone]


@pytest.mark.parametrize("path", CODE, ids=[str(path.relative_to(ROOT)) for path in CODE])
def test_every_file_a_comment_or_docstring_names_exists(path: Path) -> None:
    missing = _missing(_paths_in_prose(path.read_text(encoding="utf-8")))
    assert missing == [], f"{path.relative_to(ROOT)} names what does not exist: {missing}"
