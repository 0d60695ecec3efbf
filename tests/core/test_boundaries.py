"""What imports what, as one rule over the top-level packages; no import cycle anywhere; and the
Lambda package holds only what its functions run.

The rule: a package imports only itself and the packages before it in DEPLOY_ORDER. The Lambda
code (spotify_runtime) imports nothing of ours; the CDK app (infra) only the Lambda code's shared
values; the local simulation (spotify_local) both; the command line (spotify_etl) those three;
bench everything but tests.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_ROOTS = {"spotify_runtime": ROOT / "lambdas" / "spotify_runtime",
                 "infra": ROOT / "infra", "spotify_local": ROOT / "spotify_local",
                 "spotify_etl": ROOT / "spotify_etl",
                 "bench": ROOT / "bench"}
DEPLOY_ORDER = ("spotify_runtime", "infra", "spotify_local", "spotify_etl", "bench", "tests")
OURS = set(DEPLOY_ORDER)


def module_files() -> dict[str, Path]:
    """Every module of ours, by dotted name (app.py is the CDK app's entry point)."""
    modules = {"app": ROOT / "app.py"}
    for package, folder in PACKAGE_ROOTS.items():
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            if any(part.startswith(".") for part in parts):  # bench/.work: a run's scratch
                continue
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
        if package_of(module) in ("spotify_local", "spotify_etl"):
            literals = {node.value for node in ast.walk(ast.parse(path.read_text()))
                        if isinstance(node, ast.Constant) and isinstance(node.value, str)}
            assert "tests" not in literals and not [s for s in literals
                                                    if s.startswith("tests/")], module


STAND_IN_LIBRARIES = ("moto", "duckdb", "werkzeug")
"""What only a stand-in needs: moto's AWS, DuckDB as Athena, the local Spotify's server."""


def test_the_command_line_carries_no_stand_ins() -> None:
    """Stand-ins live in spotify_local; the commands use them through it."""
    for module, path in MODULES.items():
        if package_of(module) == "spotify_etl":
            imported = _third_party_imports(path)
            assert not imported & set(STAND_IN_LIBRARIES), (module, imported)


def _third_party_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def unused_definitions(files: list[Path], users: list[Path] = ()) -> list[str]:
    """Public top-level names defined in `files` that no code in `files` or `users` uses (a
    name loaded, an attribute, an import, or a dotted name in a string: `pkg.module.Name`), as
    `file:line name`."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in files}
    used: set[str] = set()
    for path in [*files, *users]:
        for node in ast.walk(trees.get(path) or ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                used.add(node.id)
            elif isinstance(node, ast.Attribute):
                used.add(node.attr)
            elif isinstance(node, ast.ImportFrom):
                used |= {alias.name for alias in node.names}
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                used |= set(re.findall(r"^[\w.]+\.(\w+)$", node.value))
    unused = []
    for path, tree in trees.items():
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                names = [node.name]
            elif isinstance(node, ast.Assign):
                names = [target.id for target in node.targets if isinstance(target, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names = [node.target.id]
            else:
                continue
            unused += [f"{path.relative_to(ROOT)}:{node.lineno} {name}" for name in names
                       if not name.startswith("_") and name not in used
                       and name not in HANDLER_NAMES]
    return unused


HANDLER_NAMES = {"handler"}
"""The functions' entry points: Lambda calls them by name (contract.*_HANDLER)."""


def test_the_lambda_package_holds_only_what_its_functions_use() -> None:
    """Nothing in spotify_runtime is there for the local run, the command line or the tests
    only: every public name it defines is used by its own code, or by the CDK app that deploys
    it (the values both sides agree on: contract.py, layout.py, the tables' definitions)."""
    files = sorted(PACKAGE_ROOTS["spotify_runtime"].rglob("*.py"))
    deploy = [*sorted(PACKAGE_ROOTS["infra"].rglob("*.py")), ROOT / "app.py"]
    assert unused_definitions(files, deploy) == []


def test_the_check_sees_a_name_only_others_use(tmp_path: Path) -> None:
    used, only_local = tmp_path / "a.py", tmp_path / "b.py"
    used.write_text("from b import helper\n\ndef handler(event):\n    return helper(event)\n")
    only_local.write_text("def helper(x):\n    return x\n\n\nclass FolderThing:\n    pass\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert unused_definitions([used, only_local]) == ["b.py:5 FolderThing"]
    finally:
        ROOT = saved
