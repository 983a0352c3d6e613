"""Issue 23: one core, features plugged in. The layering read from the code, the core's registry,
and (point 2) every customer write path leaving history, search keys and event copies right."""

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _layers_tool():
    spec = importlib.util.spec_from_file_location("kokyaku_layers_tool_project", ROOT / "tools" / "layers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_issue23_p1_no_upward_import_and_no_circle():
    # given: the project's own modules, imports at module level and inside functions
    layers = _layers_tool()
    graph = layers.module_graph(ROOT)
    # when
    upward = layers.upward_imports(layers.app_graph(graph))
    loops = layers.circles(graph)
    # then: the core imports no feature, no layer imports one above it, and no modules import each other
    assert [(app, other, sorted(importers)) for app, other, importers in upward] == []
    assert loops == []


def test_issue23_p1_the_tool_says_so_and_exits_0():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "layers.py")], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout
    assert "upward imports: 0, circles: 0" in result.stdout


def test_issue23_p1_crm_imports_no_feature_app():
    # the rule in its plainest words: no module of crm names a feature app
    layers = _layers_tool()
    features = {"dataio", "printouts", "events", "scheduling", "orders"}
    graph = layers.module_graph(ROOT)
    offending = {module: sorted(t for t in targets if t.split(".")[0] in features)
                 for module, targets in graph.items() if module.split(".")[0] == "crm"}
    assert {m: t for m, t in offending.items() if t} == {}
