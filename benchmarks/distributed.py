"""``python -m benchmarks.distributed [--epochs E]``: 2 MPI ranks × 1 thread against 1 process × 2 threads (and × 1).

Both arms run the same command, ``nnlab train --distributed`` (LeNet-5 on the digits,
global batch 32, SGD), so the data order and the steps are the same; one arm is
``mpiexec -n 2`` with ``OPENBLAS_NUM_THREADS=1``, the other one process with 2 BLAS
threads. From each run's ``history.json``: training throughput (samples of the epoch's
full global batches per second of epoch time, which includes the dev evaluation) and
the wall time until the dev accuracy first reaches the target. Results go to
``benchmarks/results/distributed.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.harness import ROOT


def _arm(ranks: int, threads: int, epochs: int, out: str) -> dict:
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    cmd = [sys.executable, "-m", "nnlab", "train", "--distributed", "--model", "lenet5", "--epochs", str(epochs),
           "--patience", "0", "--quiet", "--out", out, "--name", f"r{ranks}t{threads}"]
    if ranks > 1:
        cmd = [str(Path(sys.executable).parent / "mpiexec"), "-n", str(ranks)] + cmd
    subprocess.run(cmd, check=True, env=env, capture_output=True, text=True)
    run = Path(out) / f"r{ranks}t{threads}"
    return {"history": json.loads((run / "history.json").read_text()),
            "metrics": json.loads((run / "metrics.json").read_text())}


def summarize(arm: dict, target: float, samples_per_epoch: int) -> dict:
    h = arm["history"]["history"] if "history" in arm["history"] else arm["history"]
    times = np.asarray(h["time"])
    reached = np.flatnonzero(np.asarray(h["val_accuracy"]) >= target)
    return {"samples_per_s": float(samples_per_epoch / np.median(times)),
            "epoch_s_median": float(np.median(times)),
            "time_to_target_s": float(times[: reached[0] + 1].sum()) if reached.size else None,
            "epochs_to_target": int(reached[0] + 1) if reached.size else None,
            "best_dev_accuracy": float(np.max(h["val_accuracy"])),
            "test_accuracy": arm["metrics"]["test_accuracy"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.distributed", description=__doc__)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--target", type=float, default=0.95, help="dev accuracy to reach (default 0.95)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    from nnlab.data import get_dataset

    n_train = len(get_dataset("digits").X_train)
    samples = (n_train // 32) * 32
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for ranks, threads in ((2, 1), (1, 2), (1, 1)):  # the last: the single-thread baseline
            rows.append({"ranks": ranks, "threads": threads,
                         **summarize(_arm(ranks, threads, args.epochs, tmp), args.target, samples)})
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "distributed.json").write_text(json.dumps({"target": args.target, "rows": rows}, indent=2))
    lines = [f"| arm | samples/s | epoch (s) | epochs to dev acc ≥ {args.target} | time to it (s) | best dev acc | test acc |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['ranks']} rank(s) × {r['threads']} thread(s) | {r['samples_per_s']:.0f} | "
                     f"{r['epoch_s_median']:.2f} | {r['epochs_to_target']} | "
                     f"{'—' if r['time_to_target_s'] is None else format(r['time_to_target_s'], '.1f')} | "
                     f"{r['best_dev_accuracy']:.4f} | {r['test_accuracy']:.4f} |")
    table = "\n".join(lines) + "\n"
    (args.out / "distributed.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
