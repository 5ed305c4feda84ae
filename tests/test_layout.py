"""The package's boundaries: a thin public surface, no private reach across packages, no
import cycles, modules that fit in one sitting."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "points"
#: the most lines a module may have (one sitting)
MAX_LINES = 700


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()
#: modules whose names have no underscore part: what users may import
PUBLIC = sorted(m for m in MODULES if not any(p.startswith("_") for p in m.split(".")))


def _package(module: str) -> str:
    return module if MODULES[module].name == "__init__.py" else module.rsplit(".", 1)[0]


def _imports(module: str) -> list[tuple[str, str, int]]:
    """(module imported from, name, line) for every `points` import of `module`, those
    under `if TYPE_CHECKING:` included (a cycle there is still a cycle of meaning)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package(module).split(".")
                base = base[:len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] == "points":
                out += [(source, a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.Import):
            out += [(a.name, "", node.lineno) for a in node.names
                    if a.name.split(".")[0] == "points"]
    return out


def _target(source: str, name: str) -> str:
    """The module an import makes this module depend on."""
    full = f"{source}.{name}" if name else source
    return full if full in MODULES else source


#: private helpers another package may import, each with its reason
SHARED: set[tuple[str, str]] = set()  # (module, private module) pairs allowed


def test_no_private_name_is_imported_from_another_package() -> None:
    """`_name` is private to its package: modules of one package may share it, no other."""
    found = []
    for module in MODULES:
        for source, name, line in _imports(module):
            if (module, source) in SHARED:
                continue
            parts = [*source.split("."), *([name] if name else [])]
            private = [p for p in parts[1:] if p.startswith("_") and p != "__version__"]
            if not private:
                continue
            # the private part's package must contain the importing module
            cut = parts.index(private[0])
            owner = ".".join(parts[:cut])
            if not (module == owner or module.startswith(owner + ".")):
                found.append(f"{module}:{line} imports {'.'.join(parts)}")
    assert found == []


def test_no_import_cycles() -> None:
    graph = {m: {_target(s, n) for s, n, _ in _imports(m)} - {m} for m in MODULES}
    graph = {m: {d for d in deps if d in MODULES} for m, deps in graph.items()}
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                cycles.append(" → ".join([*stack[stack.index(d):], d]))
            elif d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    assert cycles == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_fit_in_one_sitting(module: str) -> None:
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines"


@pytest.mark.parametrize("module", PUBLIC)
def test_public_modules_list_what_they_offer(module: str) -> None:
    """`__all__` names exactly the public things a public module defines or re-exports, each
    documented."""
    mod = importlib.import_module(module)
    exported = getattr(mod, "__all__", None)
    assert exported is not None, f"{module} has no __all__"
    assert len(set(exported)) == len(exported), "a name is listed twice"
    for name in exported:
        assert hasattr(mod, name), f"{module}.__all__ names {name}, which is missing"
        obj = getattr(mod, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), f"{module}.{name} has no docstring"
    own = {name for name, obj in vars(mod).items()
           if not name.startswith("_") and getattr(obj, "__module__", None) == module
           and (inspect.isclass(obj) or inspect.isfunction(obj))}
    assert own <= set(exported), f"{module} defines public {sorted(own - set(exported))} " \
        "without listing them in __all__ (make them private or list them)"


def test_the_top_level_api_is_small() -> None:
    import points

    assert len(points.__all__) <= 40
    assert {"score", "load_schedule", "schedule_for", "Applicant", "ScoreCard",
            "PointsError"} <= set(points.__all__)
