"""Product code stays small enough to read: no module over 400 lines, no function over 60.

A function counts from its `def` line to its last line (decorators aside); a module counts its
physical lines. Tests and migrations are not product code.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
ROOTS = ["bms", "xero_sandbox", "config"]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _product_modules(base: Path, root: str) -> Iterator[Path]:
    for path in sorted((base / root).rglob("*.py")):
        parts = path.relative_to(base).parts
        if "tests" in parts or "migrations" in parts or path.name.startswith("test_") or path.name == "conftest.py":
            continue
        yield path


def size_violations(roots: list[str], base: Path = REPOSITORY) -> list[str]:
    """`path: N lines` for each long module, `path:function: N lines` for each long function."""
    found = []
    for root in roots:
        for path in _product_modules(base, root):
            source = path.read_text()
            name = path.relative_to(base)
            lines = len(source.splitlines())
            if lines > MAX_MODULE_LINES:
                found.append(f"{name}: {lines} lines")
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = node.end_lineno - node.lineno + 1
                    if length > MAX_FUNCTION_LINES:
                        found.append(f"{name}:{node.name}: {length} lines")
    return found


def test_no_product_module_or_function_is_over_the_limits():
    assert size_violations(ROOTS) == []


def test_it_counts_a_function_from_its_def_to_its_last_line_without_decorators(tmp_path):
    package = tmp_path / "pkg"
    (package / "tests").mkdir(parents=True)
    body = "\n".join(f"    x{n} = {n}" for n in range(59))
    (package / "short.py").write_text(f"@decorator\n@another\ndef fits():\n{body}\n")  # 60 lines from its def
    (package / "long.py").write_text(f"def too_long():\n{body}\n    return x0\n")  # 61
    (package / "big.py").write_text("x = 1\n" * 401)
    (package / "tests" / "test_huge.py").write_text("x = 1\n" * 1000)
    assert size_violations(["pkg"], base=tmp_path) == ["pkg/big.py: 401 lines", "pkg/long.py:too_long: 61 lines"]
