"""No import cycles between the project's own modules (bms, config, xero_sandbox; tests aside).

Every import counts, at module level or inside a function, except the job engine's: it imports
each app's job kinds lazily by design (bms/jobs), which is how jobs stays below every app. An
import under `if TYPE_CHECKING:` never runs and does not count."""

import ast
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
PACKAGES = ("bms", "config", "xero_sandbox")
LAZY_IMPORTS_ALLOWED = ("bms.jobs",)


def _module_name(path: Path, base: Path) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.Module, module: str, *, lazy: bool) -> list[tuple[str, list[str]]]:
    """(imported module, names taken from it) for each import statement that counts."""
    found: list[tuple[str, list[str]]] = []

    def visit(node: ast.AST, *, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import | ast.ImportFrom) and (lazy or not in_function):
                if isinstance(child, ast.ImportFrom):
                    if child.level:  # relative: resolve against this package
                        base = module.rsplit(".", child.level)[0]
                        name = f"{base}.{child.module}" if child.module else base
                    else:
                        name = child.module or ""
                    found.append((name, [alias.name for alias in child.names]))
                else:
                    found.extend((alias.name, []) for alias in child.names)
            visit(child, in_function=inner)

    visit(tree, in_function=False)
    return found


def import_graph(base: Path = REPOSITORY, packages: tuple[str, ...] = PACKAGES) -> dict[str, set[str]]:
    files = {}
    for package in packages:
        for path in (base / package).rglob("*.py"):
            parts = path.relative_to(base).parts
            if "tests" in parts or "migrations" in parts or path.name.startswith("test_") or path.name == "conftest.py":
                continue
            files[_module_name(path, base)] = path
    graph = {}
    for module, path in files.items():
        lazy = not module.startswith(LAZY_IMPORTS_ALLOWED)
        targets = set()
        for name, taken in _imports(ast.parse(path.read_text()), module, lazy=lazy):
            # `from pkg import sub` depends on the submodule; the package's own __init__ is not a cycle.
            submodules = {f"{name}.{item}" for item in taken} & files.keys()
            targets |= submodules if submodules and len(submodules) == len(taken) else {name, *submodules}
        graph[module] = {name for name in targets if name in files and name != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                connect(target)
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
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_the_project_has_no_import_cycles():
    assert cycles(import_graph()) == []


def test_it_finds_a_cycle_through_a_lazy_import_but_not_through_type_checking(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg import b\n")
    (package / "b.py").write_text("def f():\n    from pkg.a import x\n")
    (package / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import d\n")
    (package / "d.py").write_text("from pkg import c\n")
    assert cycles(import_graph(tmp_path, ("pkg",))) == [["pkg.a", "pkg.b"]]
