"""The import graph of the project's packages (``plankg``, ``loaders``, ``service``), from the source.

    python -m plankg.devtools.imports            # the graph, one "module -> imports" line each
    python -m plankg.devtools.imports --check    # exit 1 on a cycle or a router importing a router
    python -m plankg.devtools.imports --markdown # the block ARCHITECTURE.md carries

Every ``import`` counts, at module level or inside a function: an import deferred into a
function still makes the two modules depend on each other, so a cycle through it is a cycle.
``if TYPE_CHECKING:`` imports are left out: they never run. The routers are the modules of
``service.app.ROUTER_MODULES`` (read from the source, not imported).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

PACKAGES = ("plankg", "loaders", "service")


@dataclass
class ImportGraph:
    edges: dict[str, set[str]] = field(default_factory=dict)
    routers: frozenset[str] = frozenset()

    @classmethod
    def of(cls, root: Path) -> ImportGraph:
        modules = {name: path for package in PACKAGES for name, path in _modules(root, package)}
        edges: dict[str, set[str]] = {name: set() for name in modules}
        for name, path in modules.items():
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for target in _imports(tree, name, path.name == "__init__.py"):
                found = _resolve(target, modules)
                if found is not None and found != name:
                    edges[name].add(found)
        return cls(edges, frozenset(_router_modules(root)))

    def cycles(self) -> list[list[str]]:
        """The strongly connected components of more than one module (Tarjan), each sorted."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on_stack: set[str] = set()
        found: list[list[str]] = []
        counter = 0

        def visit(node: str) -> None:
            nonlocal counter
            index[node] = low[node] = counter
            counter += 1
            stack.append(node)
            on_stack.add(node)
            for nxt in sorted(self.edges[node]):
                if nxt not in index:
                    visit(nxt)
                    low[node] = min(low[node], low[nxt])
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

        sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
        for node in sorted(self.edges):
            if node not in index:
                visit(node)
        return sorted(found)

    def router_imports(self) -> list[tuple[str, str]]:
        """(router, router it imports): none may exist."""
        return sorted((a, b) for a in self.routers for b in self.edges.get(a, ()) if b in self.routers)

    def problems(self) -> list[str]:
        out = [f"import cycle: {' <-> '.join(cycle)}" for cycle in self.cycles()]
        out += [f"router {a} imports router {b}" for a, b in self.router_imports()]
        return out

    def lines(self) -> list[str]:
        return [f"{name} -> {', '.join(sorted(targets)) or '(nothing of the project)'}" for name, targets in sorted(self.edges.items())]

    def markdown(self) -> str:
        return "```\n" + "\n".join(self.lines()) + "\n```"


def _modules(root: Path, package: str) -> Iterable[tuple[str, Path]]:
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, is_package: bool) -> Iterable[str]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            skip.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                yield f"{base}.{alias.name}"  # a submodule, or a name of ``base`` (resolved below)


def _resolve(target: str, modules: dict[str, Path]) -> str | None:
    """The longest project module that ``target`` names or lies in."""
    parts = target.split(".")
    while parts:
        name = ".".join(parts)
        if name in modules:
            return name
        parts.pop()
    return None


def _router_modules(root: Path) -> list[str]:
    tree = ast.parse((root / "service" / "app.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "ROUTER_MODULES" for t in node.targets):
            if isinstance(node.value, ast.Tuple | ast.List):
                return [elt.value for elt in node.value.elts if isinstance(elt, ast.Constant) and isinstance(elt.value, str)]
    raise LookupError("service/app.py defines no ROUTER_MODULES")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    graph = ImportGraph.of(Path(__file__).resolve().parents[2])
    if "--check" in args:
        problems = graph.problems()
        for line in problems:
            print(line)
        return 1 if problems else 0
    print(graph.markdown() if "--markdown" in args else "\n".join(graph.lines()))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
