"""The package's layering as a checked rule: no import runs back up the layers, no cycle among subpackages.

backend → autograd → ops → functional → nn → optim / data / train / io / vision → models →
applications (text, audio, diagnostics, rl, onnx, explain, profiler) → CLI and run drivers
(runs*, tune, distributed, cli); docs/architecture.md has the table.
Every ``import`` of every file under ``src/nnlab`` is read with ``ast`` (imports inside
functions too, so a lazy import cannot hide an arrow); the package's ``__init__`` is the
facade and may import everything.
"""

from __future__ import annotations

import ast
import functools
import pathlib

import nnlab

ROOT = pathlib.Path(nnlab.__file__).parent

LAYERS: dict[str, int] = {
    "backend": 0,
    "autograd": 1,
    "ops": 2,
    "functional": 3, "linalg": 3,
    "nn": 4,
    "optim": 5, "data": 5, "train": 5, "io": 5,
    "models": 6,
    "vision": 5,
    "text": 7, "audio": 7, "diagnostics": 7, "explain": 7, "profiler": 7,
    "cuda": 0, "accelerator": 0, "backends": 0, "utils": 5,
    "onnx": 7, "rl": 7, "lessons": 7, "distributed": 8, "tune": 8,
    "runs": 8, "runs_generative": 8, "runs_onnx": 8, "cli": 8, "__main__": 8,
}
FACADE = "nnlab"  # the top-level package: only the CLI layer may import from it


def _unit(path: pathlib.Path) -> str:
    """The subpackage (or top-level module) a file belongs to."""
    rel = path.relative_to(ROOT)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _targets(node: ast.AST) -> list[str]:
    """The nnlab units an import statement reaches (FACADE for names taken from ``nnlab`` itself)."""
    if isinstance(node, ast.Import):
        mods = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        if node.module == "nnlab":
            return [a.name if a.name in LAYERS else FACADE for a in node.names]
        mods = [node.module]
    else:
        return []
    out = []
    for m in mods:
        parts = m.split(".")
        if parts[0] == "nnlab":
            out.append(parts[1] if len(parts) > 1 else FACADE)
    return out


@functools.lru_cache(maxsize=1)
def _graph() -> dict[str, dict[str, list[str]]]:
    """unit → {imported unit → [files making that import]}."""
    graph: dict[str, dict[str, list[str]]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        if path == ROOT / "__init__.py":
            continue
        unit = _unit(path)
        edges = graph.setdefault(unit, {})
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for target in _targets(node):
                if target != unit:
                    edges.setdefault(target, []).append(str(path.relative_to(ROOT)))
    return graph


def test_every_unit_has_a_layer():
    assert sorted(set(_graph()) - set(LAYERS)) == []


def test_no_import_runs_back_up_the_layers():
    upward = []
    for unit, edges in _graph().items():
        for target, files in edges.items():
            if target == FACADE:
                if LAYERS[unit] < LAYERS["cli"]:
                    upward.append(f"{unit} imports the nnlab facade ({', '.join(sorted(set(files)))})")
            elif LAYERS[target] > LAYERS[unit]:
                upward.append(f"{unit} (layer {LAYERS[unit]}) imports {target} (layer {LAYERS[target]}) "
                              f"in {', '.join(sorted(set(files)))}")
    assert upward == []


def test_no_cycle_among_subpackages():
    graph = {u: {t for t in e if t != FACADE} for u, e in _graph().items()}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(u: str, path: list[str]) -> list[str] | None:
        state[u] = 1
        for t in sorted(graph.get(u, ())):
            if state.get(t) == 1:
                return path + [u, t]
            if t not in state:
                found = visit(t, path + [u])
                if found:
                    return found
        state[u] = 2
        return None

    cycles = [c for u in sorted(graph) if u not in state for c in [visit(u, [])] if c]
    assert cycles == []


def test_the_check_sees_an_upward_import():
    # The parser must catch every form: plain, from-package, from-module, and imports inside functions.
    tree = ast.parse("import nnlab.models\nfrom nnlab import train\ndef f():\n    from nnlab.text.lm import generate\n"
                     "from nnlab import tensor\n")
    found = [t for node in ast.walk(tree) for t in _targets(node)]
    assert sorted(found) == sorted(["models", "train", "text", FACADE])


def test_only_the_core_uses_the_internal_constructor():
    # Outside autograd/ and ops/, tensors come from the public nnlab.from_numpy / nnlab.as_tensor.
    users = []
    for path in sorted(ROOT.rglob("*.py")):
        if _unit(path) in ("autograd", "ops"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "_wrap":
                users.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert users == []
