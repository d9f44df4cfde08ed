"""The package layout: imports point one way, and every package shows only its public names."""

from __future__ import annotations

import ast
from pathlib import Path

import certkit

PACKAGE = Path(certkit.__file__).parent
# the stages, lowest first: a module may import only from its own level or below
LEVELS = [
    {"errors", "status", "ids", "_text", "emails", "findings", "config", "_retry"},
    {"ledger"},
    {"sheets"},
    {"docs"},
    {"checks"},
    {"summary", "jobs"},
    {"send"},
    {"site"},
    {"track"},
    {"run"},
    {"ui", "_progress", "cli", "_cli_unattended", "_cli_life", "_cli_after", "__init__", "__main__"},
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every certkit module `path` imports, top-level, inside functions and TYPE_CHECKING alike."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("certkit"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("certkit"):
                continue
            for alias in node.names:  # `from . import _pictures` imports a module
                sub = f"{target}.{alias.name}"
                found.add(sub if _exists(sub) else target)
    return found


def _exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").exists() or (PACKAGE / rel / "__init__.py").exists()


def _graph() -> dict[str, set[str]]:
    graph = {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py")}
    for mod, deps in graph.items():  # importing a package's module from outside runs its __init__ first
        for dep in list(deps):
            parts = dep.split(".")
            if len(parts) > 2 and not mod.startswith(".".join(parts[:2])):
                deps.add(".".join(parts[:2]))
    return graph


def test_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(mod: str) -> None:
        state[mod] = 1
        stack.append(mod)
        for dep in sorted(graph.get(mod, ())):
            if dep == mod:
                continue
            if state.get(dep) == 1:
                cycle = [*stack[stack.index(dep):], dep]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[mod] = 2

    for mod in sorted(graph):
        if mod not in state:
            visit(mod)


def _level(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    for i, names in enumerate(LEVELS):
        if top in names:
            return i
    raise AssertionError(f"{module} is on no level of tests/test_layout.py's LEVELS")


def test_imports_point_down_the_pipeline():
    wrong = []
    for mod, deps in _graph().items():
        for dep in deps:
            if dep != "certkit" and _level(dep) > _level(mod):
                wrong.append(f"{mod} imports {dep}")
    assert not wrong, "a stage imports a later one:\n" + "\n".join(sorted(wrong))


def test_modules_inside_packages_are_private():
    for init in PACKAGE.glob("*/__init__.py"):
        for mod in init.parent.glob("*.py"):
            if init.parent.name != "ui":
                assert mod.name.startswith("_"), f"{mod} should be private (_name.py)"


def test_outside_a_package_only_its_public_names_are_imported():
    """Other stages, tests and scripts import `certkit.docs`, never `certkit.docs._stage`."""
    root = PACKAGE.parent
    files = [p for d in ("certkit", "tests", "benchmarks", "scripts") for p in (root / d).rglob("*.py")]
    wrong = []
    for path in files:
        here = _module_name(path) if path.is_relative_to(PACKAGE) else ""
        for dep in _imports(path):
            parts = dep.split(".")
            if len(parts) > 2 and parts[2].startswith("_") and not here.startswith(".".join(parts[:2])):
                wrong.append(f"{path.relative_to(root)} imports {dep}")
    assert not wrong, "\n".join(sorted(wrong))
