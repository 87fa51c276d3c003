"""The lesson examples with figures run as written and write their PNGs (the two fast ones, on small grids)."""

import importlib.util
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gradients_and_landscape_examples_write_their_figures(tmp_path, capsys):
    grads = _load("lessons_gradients").main(str(tmp_path), quick=True)
    land = _load("lessons_landscape").main(str(tmp_path), quick=True)
    for path in grads["paths"] + land["paths"]:
        assert Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert abs(grads["slopes"][0] - 1) < 0.1 and abs(grads["slopes"][1] - 2) < 0.1
    assert land["runs"]["sgd"]["steps"] > land["runs"]["momentum"]["steps"] > land["runs"]["adam"]["steps"]
    assert land["violations"]["mlp"] > 0.05 >= land["violations"]["logistic"]
    out = capsys.readouterr().out
    assert "s wall" in out and "s CPU" in out
