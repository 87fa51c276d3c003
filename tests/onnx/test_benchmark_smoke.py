"""The onnxruntime-vs-nnlab benchmark's plumbing (never its speed): one quick row end to end."""

from benchmarks.onnx_inference import main


def test_quick_onnx_benchmark_row(tmp_path, capsys):
    assert main(["lenet5", "--quick", "--out", str(tmp_path)]) == 0
    table = (tmp_path / "onnx.md").read_text()
    assert "| LeNet-5 1×32×32" in table and table in capsys.readouterr().out
    import json

    (row,) = json.loads((tmp_path / "onnx.json").read_text())["rows"]
    assert row["max_rel_diff"] < 1e-5 and row["nnlab_ms"] > 0 and row["onnxruntime_ms"] > 0
    assert abs(row["speedup_onnxruntime"] - row["nnlab_ms"] / row["onnxruntime_ms"]) < 1e-9 * row["speedup_onnxruntime"]
