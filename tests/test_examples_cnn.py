"""The CNN examples run as written: edge maps of the bundled photos, the seeds' Keras CNN summary."""

import importlib.util
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_edge_detection_example_writes_a_png(tmp_path):
    out = _load("edge_detection").main(str(tmp_path / "edges.png"))
    data = Path(out).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000


def test_keras_cnn_example_prints_the_summary(capsys):
    _load("keras_cnn").main()
    out = capsys.readouterr().out
    assert "69,244,675" in out  # trainable parameters, as Keras counts them
    assert "69,246,659" in out  # plus the 1,984 BatchNorm running statistics
