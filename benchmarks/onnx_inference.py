"""``python -m benchmarks.onnx_inference [--quick]``: onnxruntime against nnlab, inference of the same weights.

The harness's pattern (:func:`benchmarks.harness.interleave`): both engines are built in
one process, warmed up, then timed in alternating repeats, and the median per-batch time
is reported. The model is an nnlab model exported with :func:`nnlab.onnx.export`, so both
run the very same weights; their outputs are compared before timing. onnxruntime gets
the threads the process is allowed (``OPENBLAS_NUM_THREADS`` for nnlab's BLAS,
``intra_op_num_threads`` for onnxruntime: the same number). Results go to
``benchmarks/results/onnx.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.harness import FULL, QUICK, ROOT, interleave
from benchmarks.workload import features

ROWS = {
    "lenet5": ("LeNet-5 1×32×32 (nnlab.models.LeNet5), batch 256", 256, (1, 32, 32)),
    "resnet18": ("ResNet-18 3×32×32 (nnlab.models.resnet18, 10 classes), batch 32", 32, (3, 32, 32)),
}


def _model(key: str):
    import nnlab
    from nnlab.models import LeNet5, resnet18

    nnlab.manual_seed(0)
    return LeNet5(in_channels=1) if key == "lenet5" else resnet18(num_classes=10)


def measure(key: str, quick: bool, threads: int) -> dict:
    import onnxruntime as ort

    import nnlab
    from nnlab.onnx import export

    title, batch, shape = ROWS[key]
    model = _model(key).eval()
    x = features((batch, *shape))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"{key}.onnx")
        export(model, x[:1], path, input_names=["x"], dynamic_axes={"x": {0: "batch"}})
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    xt = nnlab.from_numpy(x)
    with nnlab.no_grad():
        ref = model(xt).array
    (out,) = session.run(None, {"x": x})
    rel = float(np.abs(out - ref).max() / np.abs(ref).max())

    def nnlab_step() -> None:
        with nnlab.no_grad():
            model(xt)

    def ort_step() -> None:
        session.run(None, {"x": x})

    times = interleave({"nnlab": nnlab_step, "onnxruntime": ort_step}, QUICK if quick else FULL)
    med = {k: statistics.median(v) for k, v in times.items()}
    return {"key": key, "title": title, "batch": batch, "threads": threads, "max_rel_diff": rel,
            **{f"{k}_ms": v * 1e3 for k, v in med.items()},
            **{f"{k}_samples_per_s": batch / v for k, v in med.items()},
            "speedup_onnxruntime": med["nnlab"] / med["onnxruntime"]}


def markdown(rows: list[dict]) -> str:
    lines = ["| model | threads | nnlab ms/batch | onnxruntime ms/batch | onnxruntime speed-up | max rel. diff |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['title']} | {r['threads']} | {r['nnlab_ms']:.2f} | {r['onnxruntime_ms']:.2f} | "
                     f"**{r['speedup_onnxruntime']:.2f}×** | {r['max_rel_diff']:.1e} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.onnx_inference", description=__doc__)
    parser.add_argument("keys", nargs="*", default=list(ROWS), help=f"rows (default: {', '.join(ROWS)})")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    threads = int(os.environ.get("OPENBLAS_NUM_THREADS", "1"))
    rows = [measure(k, args.quick, threads) for k in args.keys]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "onnx.json").write_text(json.dumps({"quick": args.quick, "rows": rows}, indent=2))
    table = markdown(rows)
    (args.out / "onnx.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
