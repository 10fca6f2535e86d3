"""No import circle anywhere in the package: not at module level, not under TYPE_CHECKING, not inside a function.

The graph is read from the source (every ``import`` and ``from ... import`` statement anywhere in a module's AST),
not from what happens to load at runtime, so a circle that is hidden today by a lazy or type-only import still
fails: such circles break as soon as someone hoists the import, and they mean two modules cannot be understood,
tested or moved apart. An edge goes to the module named; ``from package import name`` goes to ``package.name``
when that is a module, else to ``package`` (its ``__init__``). Importing ``a.b.c`` also runs ``a/__init__`` and
``a/b/__init__``, but that edge is not counted: every module of a package would otherwise sit in a circle with
an ``__init__`` that re-exports it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import gradient_evals

ROOT = Path(gradient_evals.__file__).parent
PACKAGE = "gradient_evals"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _edges(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(name, is_package, node)
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                targets.add(submodule if submodule in modules else source)
    return {t for t in targets if t in modules and t != name}


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _edges(name, path, modules) for name, path in modules.items()}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted, largest first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(components, key=lambda c: (-len(c), c))


def _describe(component: list[str], graph: dict[str, set[str]]) -> str:
    members = set(component)
    lines = [f"{m} -> {', '.join(sorted(graph[m] & members))}" for m in component]
    return "\n  ".join(["circle:", *lines])


def test_the_graph_sees_every_kind_of_import() -> None:
    graph = import_graph()
    # A module-level relative import, an absolute one, and one inside a function.
    assert "gradient_evals._client" in graph["gradient_evals"]
    assert "gradient_evals._sync" in graph["gradient_evals"]
    assert len(graph) == len(_modules()) > 50


def test_find_cycles_reports_a_circle_and_ignores_a_chain() -> None:
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circle_in_the_package() -> None:
    graph = import_graph()
    cycles = find_cycles(graph)
    assert not cycles, "\n".join(_describe(c, graph) for c in cycles)


# One direction between the layers (CONTRIBUTING.md, "The layout"): a resource's workflow methods call into
# `workflows/`, and a workflow reaches the API only through the protocols of `workflows/_resources.py` that the
# resources meet. A workflow importing a resource (or the client, the facade, the command line, the renderers or
# the emulator above them) would make the two layers one.
ABOVE_THE_WORKFLOWS = (
    "gradient_evals.resources",
    "gradient_evals._client",
    "gradient_evals._sync",
    "gradient_evals.cli",
    "gradient_evals.reports",
    "gradient_evals.testing",
)


def _reaches(imported: str, layers: tuple[str, ...]) -> bool:
    return imported == "gradient_evals" or any(imported == m or imported.startswith(m + ".") for m in layers)


def test_the_layer_check_sees_a_forbidden_edge() -> None:
    assert _reaches("gradient_evals.resources.evaluation_runs", ABOVE_THE_WORKFLOWS)
    assert _reaches("gradient_evals", ABOVE_THE_WORKFLOWS)
    assert not _reaches("gradient_evals.resourcesque", ABOVE_THE_WORKFLOWS)
    assert not _reaches("gradient_evals.types", ABOVE_THE_WORKFLOWS)
    # The resources do import the workflows: the edge the rule is about exists in one direction.
    graph = import_graph()
    assert "gradient_evals.workflows.recover" in graph["gradient_evals.resources.evaluation_runs"]


def test_workflows_never_import_the_resources_or_anything_above_them() -> None:
    graph = import_graph()
    edges = sorted(
        f"{importer} -> {imported}"
        for importer, targets in graph.items()
        if importer.startswith("gradient_evals.workflows")
        for imported in targets
        if _reaches(imported, ABOVE_THE_WORKFLOWS)
    )
    assert not edges, "workflows take protocols (workflows/_resources.py), not resources:\n  " + "\n  ".join(edges)
