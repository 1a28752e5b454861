"""The layout ARCHITECTURE.md describes, checked: layers import downwards only, no import
cycles, no imports hidden inside functions, and no module too long to read whole."""

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
MAX_LINES = 400

# Imports inside functions that are there on purpose, with the reason.
DELIBERATELY_LAZY = {
    ("app.cli.service", "app.main"): "the application more than doubles the start-up of "
    "every other command and of --help, and only `serve` uses it",
}

# What each layer may not import: a service knows no HTTP and no GraphQL; models know no
# services; REST and GraphQL know nothing of each other.
FORBIDDEN = {
    "app.services": ("app.routers", "app.schema", "app.main", "fastapi", "starlette", "strawberry"),
    "app.models": ("app.services", "app.routers", "app.schema", "app.main"),
    "app.routers": ("app.schema",),
    "app.schema": ("app.routers",),
}


@dataclass
class Module:
    name: str
    path: Path
    imports: set[str] = field(default_factory=set)  # run when the module is imported
    nested: list[tuple[int, str]] = field(default_factory=list)  # inside functions


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _targets(node: ast.Import | ast.ImportFrom, module: Module) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = node.module or ""
    if node.level:
        package = (
            module.name if module.path.name == "__init__.py" else module.name.rpartition(".")[0]
        )
        parts = package.split(".")[: len(package.split(".")) - node.level + 1]
        base = ".".join([*parts, base] if base else parts)
    yield base
    yield from (f"{base}.{alias.name}" for alias in node.names)


def _walk(node: ast.AST, module: Module, in_function: bool) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            _walk(child, module, True)
        elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            continue  # read by type checkers only
        elif isinstance(child, ast.Import | ast.ImportFrom):
            for target in _targets(child, module):
                if in_function:
                    module.nested.append((child.lineno, target))
                else:
                    module.imports.add(target)
        else:
            _walk(child, module, in_function)


def _modules() -> dict[str, Module]:
    found = {}
    for path in sorted(APP.rglob("*.py")):
        module = Module(_name(path), path)
        _walk(ast.parse(path.read_text()), module, False)
        found[module.name] = module
    return found


MODULES = _modules()


def _internal(targets: set[str]) -> set[str]:
    return {t for t in targets if t in MODULES}


def test_no_module_is_too_long_to_read_whole() -> None:
    long = {
        str(m.path.relative_to(ROOT)): n
        for m in MODULES.values()
        if (n := len(m.path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}, f"split by responsibility: at most {MAX_LINES} lines a module"


def test_no_imports_hidden_inside_functions() -> None:
    nested = [
        f"{m.path.relative_to(ROOT)}:{line} {target}"
        for m in MODULES.values()
        for line, target in m.nested
        if not {(m.name, target), (m.name, target.rpartition(".")[0])} & DELIBERATELY_LAZY.keys()
    ]
    assert nested == [], "import at the top of the module; a cycle needs a better layout"


def test_no_import_cycles() -> None:
    graph = {name: _internal(m.imports) - {name} for name, m in MODULES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(name: str) -> None:  # Tarjan's strongly connected components
        index[name] = low[name] = len(index)
        stack.append(name)
        for target in graph[name]:
            if target not in index:
                visit(target)
                low[name] = min(low[name], low[target])
            elif target in stack:
                low[name] = min(low[name], index[target])
        if low[name] == index[name]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == name:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in graph:
        if name not in index:
            visit(name)
    assert cycles == []


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_import_downwards_only(layer: str) -> None:
    wrong = {
        name: sorted(t for t in m.imports if t.startswith(FORBIDDEN[layer]))
        for name, m in MODULES.items()
        if name == layer or name.startswith(layer + ".")
    }
    assert {name: targets for name, targets in wrong.items() if targets} == {}


def test_no_type_ignores_for_enum_aliases() -> None:
    found = [
        str(m.path.relative_to(ROOT))
        for m in MODULES.values()
        if "type: ignore[valid-type]" in m.path.read_text()
    ]
    assert found == []


def test_the_checker_sees_a_cycle_and_a_hidden_import() -> None:
    module = Module("app.example", APP / "example.py")
    source = "import app.errors\n\ndef f():\n    from app.services import access\n"
    _walk(ast.parse(source), module, False)
    assert module.imports == {"app.errors"}
    assert module.nested == [(4, "app.services"), (4, "app.services.access")]
