"""What imports what, as one rule over the top-level packages, and no import cycle anywhere.

The rule: a package imports only itself and the packages before it in DEPLOY_ORDER. The Lambda
code (spotify_runtime) imports nothing of ours; the CDK app (infra) only the Lambda code's shared
values; the command line and its stand-ins (spotify_etl) both; bench everything but tests.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_ROOTS = {"spotify_runtime": ROOT / "lambdas" / "spotify_runtime",
                 "infra": ROOT / "infra", "spotify_etl": ROOT / "spotify_etl",
                 "bench": ROOT / "bench"}
DEPLOY_ORDER = ("spotify_runtime", "infra", "spotify_etl", "bench", "tests")
OURS = set(DEPLOY_ORDER)


def module_files() -> dict[str, Path]:
    """Every module of ours, by dotted name (app.py is the CDK app's entry point)."""
    modules = {"app": ROOT / "app.py"}
    for package, folder in PACKAGE_ROOTS.items():
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            parts = parts[:-1] if parts[-1] == "__init__" else parts
            modules[".".join((package, *parts))] = path
    return modules


MODULES = module_files()


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at any depth of the file (lazy and type-only imports too),
    and every module under a package it loads by name (`importlib.import_module(f"pkg.{x}")`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module"
              and node.args):
            argument = node.args[0]
            if isinstance(argument, ast.Constant):
                found.add(argument.value)
            elif isinstance(argument, ast.JoinedStr) and isinstance(argument.values[0],
                                                                     ast.Constant):
                prefix = argument.values[0].value
                found |= {name for name in MODULES if name.startswith(prefix)}
    return {name for name in found if name in MODULES or name.split(".")[0] in OURS}


def package_of(module: str) -> str:
    return "infra" if module == "app" else module.split(".")[0]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_package_imports_only_itself_and_the_packages_before_it(module: str) -> None:
    allowed = DEPLOY_ORDER[: DEPLOY_ORDER.index(package_of(module)) + 1]
    assert not {m for m in imported_modules(MODULES[module]) if package_of(m) not in allowed}


def test_no_module_imports_itself_through_others() -> None:
    graph = {module: {m for m in imported_modules(path) if m in MODULES and m != module}
             for module, path in MODULES.items()}
    cycles = [component for component in strongly_connected(graph) if len(component) > 1]
    assert cycles == []


def test_the_rule_sees_a_cycle_and_a_forbidden_import(tmp_path: Path) -> None:
    """The checks above would fail on a lazy import that closes a loop, and on infra -> CLI."""
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [
        ["a", "b", "c"], ["d"]]
    lazy = tmp_path / "lazy.py"
    lazy.write_text("def f():\n    from spotify_etl.cli import main\n    return main\n")
    assert "spotify_etl.cli" in imported_modules(lazy)


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, each sorted, in name order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(components)


def test_stand_ins_read_nothing_under_tests() -> None:
    for module, path in MODULES.items():
        if package_of(module) == "spotify_etl":
            literals = {node.value for node in ast.walk(ast.parse(path.read_text()))
                        if isinstance(node, ast.Constant) and isinstance(node.value, str)}
            assert "tests" not in literals and not [s for s in literals
                                                    if s.startswith("tests/")], module
