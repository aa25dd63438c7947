"""The shape of the code, read from the source with `ast` (nothing is imported):
core imports no door; doors do not import each other (only `cli` may start `web`/`bots`);
the pure modules reach no I/O library, directly or through other project modules."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "web", "bots", "cli")
DOORS = ("web", "bots", "cli")
# Which other top-level packages each package may import. `cli` is the process launcher: it
# starts the web server and the bots; they never import it, nor each other.
ALLOWED = {
    "core": {"core"},
    "web": {"core", "web"},
    "bots": {"core", "bots"},
    "cli": {"core", "cli", "web", "bots"},
}
IO_LIBRARIES = ("aiohttp", "redis", "asyncpg", "openai", "stripe", "telegram", "discord")
PURE = (
    "core.text",  # length, split, numbering
    "core.articles.extract",  # extraction from an HTML string
    "core.generate.offline",  # the offline generator
    "core.quotas",  # the quota policy (counters only through a Protocol)
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _sources() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py")}


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports_in(node: ast.AST, module: str, is_package: bool):
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _type_checking_only(child):
            yield from (n for stmt in child.orelse for n in _imports_in_stmt(stmt, module,
                                                                            is_package))
            continue
        yield from _imports_in_stmt(child, module, is_package)


def _imports_in_stmt(node: ast.AST, module: str, is_package: bool):
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield node.lineno, alias.name
    elif isinstance(node, ast.ImportFrom):
        if node.level:  # relative: resolve against this module's package
            base = module.split(".")
            base = base[: len(base) - node.level + (1 if is_package else 0)]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        for alias in node.names:  # `from core.store import sqlite` imports that module
            full = f"{target}.{alias.name}"
            yield node.lineno, full if full in _sources() else target
    else:
        yield from _imports_in(node, module, is_package)


@cache
def imports_of(module: str) -> tuple[tuple[int, str], ...]:
    """(line, imported module) for every import in `module`, at any depth, except those only
    made for type checkers (`if TYPE_CHECKING:`)."""
    path = _sources()[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return tuple(_imports_in(tree, module, path.name == "__init__.py"))


def _project_module(name: str) -> str | None:
    """The project module an import refers to (the longest known prefix), or None."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in _sources():
            return candidate
        parts.pop()
    return None


def test_the_source_tree_is_found():
    modules = _sources()
    for package in PACKAGES:
        assert package in modules, f"{package}/__init__.py is missing"
    assert len(modules) > 80


@pytest.mark.parametrize("package", PACKAGES)
def test_no_package_imports_a_door_it_must_not(package):
    wrong = [
        f"{module}:{line} imports {name}"
        for module in _sources() if module.split(".")[0] == package
        for line, name in imports_of(module)
        if name.split(".")[0] in PACKAGES and name.split(".")[0] not in ALLOWED[package]
    ]
    assert not wrong, "\n".join(wrong)


def _reachable(start: str) -> dict[str, str]:
    """Every project module `start` imports, directly or not: {module: the one importing it}."""
    seen = {start: ""}
    todo = [start]
    while todo:
        module = todo.pop()
        for _, name in imports_of(module):
            target = _project_module(name)
            if target and target not in seen:
                seen[target] = module
                todo.append(target)
            parent = target.rsplit(".", 1)[0] if target and "." in target else None
            if parent and parent not in seen:  # importing a.b runs a/__init__.py
                seen[parent] = module
                todo.append(parent)
    return seen


def _pure_modules() -> list[str]:
    return sorted(m for m in _sources() for p in PURE if m == p or m.startswith(p + "."))


@pytest.mark.parametrize("module", _pure_modules())
def test_pure_modules_reach_no_io_library(module):
    reached = _reachable(module)
    wrong = [
        f"{importer}:{line} imports {name}  (reached from {module})"
        for importer in reached
        for line, name in imports_of(importer)
        if name.split(".")[0] in IO_LIBRARIES
    ]
    assert not wrong, "\n".join(wrong)


def test_the_rules_catch_a_door_import_and_an_io_import(tmp_path, monkeypatch):
    """The checks above can fail: a core module importing web, a pure one importing redis."""
    fake = {"core.bad": tmp_path / "bad.py", "core.text.bad": tmp_path / "tbad.py"}
    fake["core.bad"].write_text("def f():\n    from web.app import create_app\n")
    fake["core.text.bad"].write_text("import redis.asyncio\n")
    monkeypatch.setattr(
        __import__(__name__, fromlist=["_sources"]), "_sources", lambda: {**_real(), **fake})
    imports_of.cache_clear()
    try:
        assert ("web.app" in {n for _, n in imports_of("core.bad")})
        with pytest.raises(AssertionError):
            test_no_package_imports_a_door_it_must_not("core")
        with pytest.raises(AssertionError):
            test_pure_modules_reach_no_io_library("core.text.bad")
    finally:
        imports_of.cache_clear()


_real = _sources


def _edges(module: str) -> set[str]:
    """The project modules `module` imports, except the packages above it (their `__init__`
    runs first anyway)."""
    targets = {_project_module(name) for _, name in imports_of(module)} - {None, module}
    return {t for t in targets if not module.startswith(t + ".")}


def _cycles() -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in _edges(module):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while (member := stack.pop()) != module:
                group.append(member)
            if group:
                found.append(sorted([module, *group]))

    for module in sorted(_sources()):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles():
    """Not even through an import inside a function (e.g. a store and its migrator)."""
    assert _cycles() == []
