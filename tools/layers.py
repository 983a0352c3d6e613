#!/usr/bin/env python3
"""The layering of Kokyaku's apps, read from the code's imports (module level and inside functions).

    python3 tools/layers.py          # the app graph, imports that point up a layer, import circles

Layers, lowest first; an app may import its own layer and the ones below (docs/architecture.md):
    audit, fieldconfig  <-  crm, jobs (the core)  <-  the feature apps (dataio, printouts, events, scheduling,
    ops, workflow, orders, api, points, mailing, inquiry)  <-  config
ui_ja holds translations only. Exit status 1 when an import points up a layer or modules import
each other in a circle. Standard library only: runs without the virtualenv.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

LAYERS = [
    {"ui_ja"},
    {"audit", "fieldconfig"},
    {"crm", "jobs"},
    {"dataio", "printouts", "events", "scheduling", "ops", "workflow", "orders", "api", "points", "mailing",
     "inquiry"},
    {"config"},
]
SKIP = {"migrations", "tests", "bench", "tools", "templates", "static", "locale"}


def layer_of(app: str) -> int | None:
    return next((i for i, apps in enumerate(LAYERS) if app in apps), None)


def modules(root: Path) -> dict[str, Path]:
    """Every module of the apps (top-level packages with an apps.py), by dotted name."""
    apps = {p.parent.name for p in root.glob("*/apps.py")}
    found = {}
    for app in sorted(apps):
        for path in sorted((root / app).rglob("*.py")):
            rel = path.relative_to(root)
            if any(part in SKIP or part.startswith(".") for part in rel.parts):
                continue
            name = ".".join(rel.with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imported_names(path: Path, name: str):
    """Dotted names a module imports, relative imports resolved; `from a import b` gives a and a.b."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                module = ".".join(parts + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def module_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the project modules it imports."""
    mods = modules(root)
    graph = {}
    for name, path in mods.items():
        targets = set()
        for imported in imported_names(path, name):
            hit = next((m for m in (imported, imported.rpartition(".")[0]) if m in mods), None)
            if hit and hit != name:
                targets.add(hit)
        graph[name] = targets
    return graph


def app_graph(graph: dict[str, set[str]]) -> dict[str, dict[str, set[str]]]:
    """App -> imported app -> the importing modules."""
    apps: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for module, targets in graph.items():
        app = module.split(".")[0]
        apps[app]  # every app appears, even one importing no other
        for target in targets:
            other = target.split(".")[0]
            if other != app:
                apps[app][other].add(module)
    return apps


def upward_imports(apps) -> list[tuple[str, str, set[str]]]:
    """(app, imported app, modules) where the imported app sits in a higher layer."""
    found = []
    for app, targets in sorted(apps.items()):
        for other, importers in sorted(targets.items()):
            mine, theirs = layer_of(app), layer_of(other)
            if mine is not None and theirs is not None and theirs > mine:
                found.append((app, other, importers))
    return found


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other, directly or round a loop (Tarjan, iterative)."""
    index, low, on_stack, stack, result, counter = {}, {}, set(), [], [], 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, ())))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    result.append(sorted(group))
    return sorted(result)


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    graph = module_graph(root)
    apps = app_graph(graph)
    print("App imports (app -> imported apps, with the number of importing modules):")
    for app in sorted(apps, key=lambda a: (layer_of(a) if layer_of(a) is not None else 99, a)):
        targets = ", ".join(f"{other} ({len(importers)})" for other, importers in sorted(apps[app].items()))
        print(f"  {app:12} -> {targets or '-'}")
    upward = upward_imports(apps)
    print("\nImports that point up a layer:")
    for app, other, importers in upward:
        print(f"  {app} -> {other}: {', '.join(sorted(importers))}")
    if not upward:
        print("  none")
    loops = circles(graph)
    print("\nModules importing each other in a circle:")
    for group in loops:
        print("  " + " <-> ".join(group))
    if not loops:
        print("  none")
    print(f"\nupward imports: {len(upward)}, circles: {len(loops)}")
    return 1 if upward or loops else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
