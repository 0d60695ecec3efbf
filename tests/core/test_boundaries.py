"""What imports what: the deployed code never reaches into dev tooling, and back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOYED_INFRA = [ROOT / "app.py", *sorted((ROOT / "spotify_etl").glob("*.py")),
                  *sorted((ROOT / "spotify_etl" / "stacks").glob("*.py")),
                  *sorted((ROOT / "spotify_etl" / "components").glob("*.py")),
                  *sorted((ROOT / "spotify_etl" / "constructs").glob("*.py"))]
LAMBDA_CODE = sorted((ROOT / "lambdas").rglob("*.py"))
DEV_CODE = sorted((ROOT / "spotify_etl_dev").rglob("*.py"))


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at any depth of the file (lazy imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", DEPLOYED_INFRA + LAMBDA_CODE, ids=_name)
def test_stacks_and_lambda_code_never_import_dev_tooling(path: Path) -> None:
    assert not {m for m in imported_modules(path) if m.split(".")[0] == "spotify_etl_dev"}


@pytest.mark.parametrize("path", LAMBDA_CODE, ids=_name)
def test_lambda_code_imports_neither_the_cdk_app_nor_another_component(path: Path) -> None:
    modules = imported_modules(path)
    assert not {m for m in modules if m.split(".")[0] in ("spotify_etl", "aws_cdk")}
    parts = path.relative_to(ROOT / "lambdas" / "spotify_runtime").parts
    for component, other in (("extract", "transform"), ("transform", "extract")):
        if parts[0] == component:
            assert not {m for m in modules if m.startswith(f"spotify_runtime.{other}")}
    if len(parts) == 1:  # a shared module: imports only shared modules
        assert not {m for m in modules
                    if m.startswith(("spotify_runtime.extract", "spotify_runtime.transform"))}


@pytest.mark.parametrize("path", DEV_CODE, ids=_name)
def test_dev_tooling_reads_nothing_under_tests(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    literals = {node.value for node in ast.walk(tree)
                if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert "tests" not in literals and not [s for s in literals if s.startswith("tests/")]
    assert not {m for m in imported_modules(path) if m.split(".")[0] == "tests"}
