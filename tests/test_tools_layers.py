"""tools/layers.py (issue 23 point 7): the app layering that docs/architecture.md describes, read from imports."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _layers_tool():
    spec = importlib.util.spec_from_file_location("kokyaku_layers_tool", ROOT / "tools" / "layers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _app(root: Path, name: str, files: dict[str, str]) -> None:
    (root / name).mkdir()
    (root / name / "__init__.py").write_text("")
    (root / name / "apps.py").write_text("")
    for file, text in files.items():
        (root / name / file).write_text(text)


def test_i23_p7_layers_tool_reports_an_upward_import_and_a_circle(tmp_path):
    # given: crm (core) imports events (a feature) inside a function; two events modules import each other
    _app(tmp_path, "crm", {"services.py": "def save():\n    from events import mourning\n"})
    _app(tmp_path, "events", {"mourning.py": "from . import outputs\nfrom crm import services\n",
                              "outputs.py": "from .mourning import x\n"})
    _app(tmp_path, "audit", {"events.py": "import crm.services\n"})
    layers = _layers_tool()

    # when
    graph = layers.module_graph(tmp_path)
    upward = layers.upward_imports(layers.app_graph(graph))
    loops = layers.circles(graph)

    # then: both upward imports are named with their modules, and the circle runs through both apps
    assert [(app, other, sorted(modules)) for app, other, modules in upward] == [
        ("audit", "crm", ["audit.events"]),
        ("crm", "events", ["crm.services"]),
    ]
    assert loops == [["crm.services", "events.mourning", "events.outputs"]]
    assert layers.main(["layers.py", str(tmp_path)]) == 1


def test_i23_p7_layers_tool_passes_a_tree_that_points_down_only(tmp_path):
    _app(tmp_path, "crm", {"services.py": "from fieldconfig import lookup\n"})
    _app(tmp_path, "fieldconfig", {"lookup.py": "import audit.events\n"})
    _app(tmp_path, "audit", {"events.py": "X = 1\n"})
    _app(tmp_path, "events", {"services.py": "from crm.services import save\n"})
    layers = _layers_tool()

    assert layers.main(["layers.py", str(tmp_path)]) == 0
