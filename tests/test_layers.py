"""The layers of DESIGN.md: imports point down only, and no module imports itself back through others.

Every import of the package counts, wherever it stands (module level, inside a function, under
TYPE_CHECKING): a cycle hidden in a function is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import dmconsole

PACKAGE = Path(dmconsole.__file__).parent

# Each layer may import the layers after it in this list, never those before it.
LAYERS = [
    ("front ends", ("dmconsole.tui", "dmconsole.repl", "dmconsole.cli", "dmconsole.__main__")),
    ("commands", ("dmconsole.commands",)),
    ("lab", ("dmconsole.lab",)),
    ("engine", ("dmconsole.engine.engine", "dmconsole.engine.__init__")),
    ("targets", ("dmconsole.engine.targets",)),
    ("dm", ("dmconsole.engine.dm",)),
    ("block", ("dmconsole.engine.block",)),
    ("core", ("dmconsole.engine.core",)),
    ("views", ("dmconsole.engine.views",)),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts)


def is_package(name: str) -> bool:
    return (PACKAGE.parent / name.replace(".", "/") / "__init__.py").exists()


def imports_of(path: Path) -> set[str]:
    return imports_in(path.read_text(), module_name(path), path.name == "__init__.py")


def imports_in(source: str, name: str, is_init: bool = False) -> set[str]:
    """The dmconsole modules a module's source imports (``from x import y`` counts y when y is a module)."""
    package = name if is_init else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("dmconsole"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("dmconsole"):
                continue
            found.add(target)
            for alias in node.names:
                if is_package(target) and (PACKAGE.parent / f"{target.replace('.', '/')}/{alias.name}.py").exists():
                    found.add(f"{target}.{alias.name}")
                elif is_package(f"{target}.{alias.name}"):
                    found.add(f"{target}.{alias.name}")
    found.discard(name)
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p).removesuffix(".__init__"): p for p in PACKAGE.rglob("*.py")}
    return {name: {m.removesuffix(".__init__") for m in imports_of(path)} & set(modules)
            for name, path in modules.items()}


def layer_of(name: str) -> int:
    """The layer of a module: the one whose prefix names it most closely (``dmconsole.engine.__init__`` is
    the package module itself, not everything under it)."""
    best, best_length = None, -1
    for index, (_label, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            exact = prefix.endswith(".__init__")
            prefix = prefix.removesuffix(".__init__")
            if (name == prefix or (not exact and name.startswith(prefix + "."))) and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    if name == "dmconsole":
        return 0
    if best is None:
        raise AssertionError(f"{name} is in no layer of DESIGN.md")
    return best


def test_every_module_is_in_a_layer():
    for name in graph():
        layer_of(name)


def upward_imports(edges: dict[str, set[str]]) -> list[str]:
    found = []
    for name, imported in sorted(edges.items()):
        for other in sorted(imported):
            if layer_of(other) < layer_of(name):
                found.append(f"{name} ({LAYERS[layer_of(name)][0]}) imports {other} ({LAYERS[layer_of(other)][0]})")
    return found


def cycles_in(edges: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles (strongly connected components of more than one module)."""
    edges = {name: {m for m in imported if m in edges} for name, imported in edges.items()}
    # a package's __init__ importing its own modules is how a package is made, not a cycle through it
    for name in edges:
        edges[name] = {m for m in edges[name] if not (is_package(name) and m.startswith(name + "."))}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges[node]):
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
                cycles.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return cycles


def test_imports_point_down_only():
    assert upward_imports(graph()) == []


def test_no_import_cycles():
    assert cycles_in(graph()) == []


def test_the_checks_see_what_they_look_for():
    """An engine module importing the commands layer, lazily in a function, and a cycle, are both caught."""
    lazy = "def f():\n    from ...commands import session\n"
    assert imports_in(lazy, "dmconsole.engine.block.probe") == {"dmconsole.commands", "dmconsole.commands.session"}
    edges = graph()
    edges["dmconsole.engine.block.bio"] = edges["dmconsole.engine.block.bio"] | {"dmconsole.commands.session"}
    assert upward_imports(edges) == ["dmconsole.engine.block.bio (block) imports dmconsole.commands.session "
                                     "(commands)"]
    edges["dmconsole.engine.core.clock"] = edges["dmconsole.engine.core.clock"] | {"dmconsole.engine.core.klog"}
    edges["dmconsole.engine.core.klog"] = edges["dmconsole.engine.core.klog"] | {"dmconsole.engine.core.clock"}
    assert ["dmconsole.engine.core.clock", "dmconsole.engine.core.klog"] in cycles_in(edges)


def test_dmsetup_reads_the_kernel_only_through_the_ioctls():
    """dmsetup's package may use the dm ioctls, errno and the wait primitives; never mapped devices, tables or
    targets."""
    allowed = {"dmconsole.engine.core.errno", "dmconsole.engine.core.waits", "dmconsole.engine.dm.ioctl",
               "dmconsole.engine", "dmconsole.engine.core", "dmconsole.engine.dm"}
    used = {m for name, imported in graph().items() if name.startswith("dmconsole.commands.dmsetup")
            for m in imported if m.startswith("dmconsole.engine")}
    assert used <= allowed, used - allowed
    live_fields = {"live", "inactive", "disk_added", "held_bios", "devices", "targets", "block_io"}
    for path in (PACKAGE / "commands" / "dmsetup").glob("*.py"):
        tree = ast.parse(path.read_text())
        touched = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)} & live_fields
        assert touched <= {"targets"}, (path.name, touched)  # `targets` is --tree's -o option here
        assert "MappedDevice" not in path.read_text(), path.name
