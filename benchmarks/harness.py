"""Timing and memory measurement, and the driver that runs every workload in its own process.

Timing (:func:`time_workload`): nnlab and PyTorch are built side by side in one process,
warmed up, then timed in alternating repeats — nnlab, torch, nnlab, torch, … — so that
whatever else the machine is doing hits both alike. A repeat runs a step ``inner`` times
(calibrated so a repeat lasts about ``target_s``); the result is the median per-step time
over the repeats. The ratio is nnlab's samples/s over PyTorch's; the spread of the
per-repeat ratios (25th–75th percentile) shows how noisy the machine was. Before every
repeat the process sleeps ``settle_s``: OpenBLAS's worker threads keep spinning for about
0.1 s after NumPy's last matrix product and took a core from PyTorch's threads when
torch's repeat followed at once (a ResNet step 67 → 86 ms; 0.1 s of rest restores it), so
without the pause the ratios favoured nnlab.

Memory (:func:`memory_workload`): each framework gets a fresh process that imports only
itself, builds the model and data, then measures the peak resident set size of a few
steps above the resident size just before them (Linux: the high-water mark ``VmHWM`` is
reset through ``/proc/self/clear_refs``; elsewhere ``ru_maxrss`` is used, which cannot be
reset). That counts everything a step brings in — activations, gradients, optimizer state,
temporaries, allocator slack — the same way for NumPy's and PyTorch's allocations, which
``tracemalloc`` (blind to PyTorch) could not.

Each workload runs in fresh processes (:func:`run`), so one workload's allocations or
thread pools never colour the next one's numbers.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

from benchmarks import cnn, detection, gemm, mlp, recurrent, segmentation, transformer
from benchmarks.frameworks import FRAMEWORKS, TORCH_THREADS, Missing
from benchmarks.workload import Step, Workload

WORKLOADS: dict[str, Workload] = {
    w.key: w for w in mlp.WORKLOADS[:1] + cnn.WORKLOADS[:2] + recurrent.WORKLOADS + transformer.WORKLOADS
    + mlp.WORKLOADS[1:2] + cnn.WORKLOADS[2:] + mlp.WORKLOADS[2:] + gemm.WORKLOADS + detection.WORKLOADS
    + segmentation.WORKLOADS
}
ROOT = Path(__file__).resolve().parent.parent
NOISY_SPREAD = 0.15  # interquartile range of the per-repeat ratios, relative to their median


@dataclass(frozen=True)
class Settings:
    """How long to measure: warm-up calls, timed repeats, seconds per repeat, steps for the memory peak,
    and the rest before each repeat that lets the other framework's threads go idle."""

    warmup: int = 3
    repeats: int = 15
    target_s: float = 0.3
    memory_steps: int = 3
    settle_s: float = 0.25
    min_steps: int = 3


FULL = Settings()
QUICK = Settings(warmup=1, repeats=3, target_s=0.02, memory_steps=2, settle_s=0.0, min_steps=1)


# ---- timing (inside a worker process) ------------------------------------------------------


def interleave(steps: dict[str, Step], settings: Settings) -> dict[str, list[float]]:
    """Per-step seconds of each step for every repeat, the steps taking turns within each repeat."""
    warm = {name: [] for name in steps}
    for _ in range(settings.warmup):
        for name, step in steps.items():
            t0 = time.perf_counter()
            step()
            warm[name].append(time.perf_counter() - t0)
    # At least ``min_steps`` a repeat: the first step after the rest (threads woken, caches cold) is
    # slower, and a repeat of one step (the ResNet at ≈ 0.2 s) would be nothing but that step.
    inner = {name: max(settings.min_steps, min(10_000, round(settings.target_s / max(min(ts), 1e-9))))
             for name, ts in warm.items()}
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(settings.repeats):
        for name, step in steps.items():
            n = inner[name]
            time.sleep(settings.settle_s)
            t0 = time.perf_counter()
            for _ in range(n):
                step()
            times[name].append((time.perf_counter() - t0) / n)
    return times


def _quartiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


def summarize(times: list[float], batch: int, flops: float | None) -> dict[str, Any]:
    med = statistics.median(times)
    out = {"step_ms": med * 1e3, "samples_per_s": batch / med, "repeats": len(times),
           "step_ms_min": min(times) * 1e3, "step_ms_max": max(times) * 1e3}
    if flops:
        out["gflops"] = flops / med / 1e9
    return out


def time_workload(w: Workload, settings: Settings) -> dict[str, Any]:
    """Build both frameworks' steps (and the reference), time them interleaved, summarize."""
    result: dict[str, Any] = {"status": "ok"}
    steps: dict[str, Step] = {}
    for name, make in FRAMEWORKS.items():
        try:
            steps[name] = w.build(make())
        except Missing as e:
            result.setdefault("missing", {})[name] = str(e)
    if w.reference is not None:
        steps["reference"] = w.reference()
    if "nnlab" not in steps:
        result["status"] = "missing"
    times = interleave(steps, settings)
    for name, ts in times.items():
        result[name] = summarize(ts, w.batch, w.flops)
    if "nnlab" in times and "torch" in times:
        paired = [t / n for n, t in zip(times["nnlab"], times["torch"])]
        result["ratio"] = result["torch"]["step_ms"] / result["nnlab"]["step_ms"]
        result["ratio_iqr"] = list(_quartiles(paired))
        result["noisy"] = (result["ratio_iqr"][1] - result["ratio_iqr"][0]) > NOISY_SPREAD * statistics.median(paired)
    if "reference" in times and "nnlab" in times:
        result["reference_ratio"] = result["nnlab"]["gflops"] / result["reference"]["gflops"]
        if "torch" in times:
            result["torch_reference_ratio"] = result["torch"]["gflops"] / result["reference"]["gflops"]
    return result


# ---- peak memory (inside a worker process, one framework only) -------------------------------


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark to the current RSS (Linux ≥ 4.0); False where impossible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return _status_kib("VmHWM") is not None
    except OSError:
        return False


def _maxrss_kib() -> int:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, KiB elsewhere


def memory_workload(w: Workload, framework: str, settings: Settings) -> dict[str, Any]:
    """Peak resident memory (MiB) of ``memory_steps`` steps above the resident size before them."""
    try:
        step = w.build(FRAMEWORKS[framework]())
    except Missing as e:
        return {"status": "missing", "message": str(e)}
    gc.collect()
    exact = _reset_peak()
    before = _status_kib("VmRSS") if exact else _maxrss_kib()
    for _ in range(settings.memory_steps):
        step()
    peak = _status_kib("VmHWM") if exact else _maxrss_kib()
    return {"status": "ok", "peak_mib": max(peak - before, 0) / 1024, "baseline_mib": before / 1024,
            "method": "VmHWM reset via clear_refs" if exact else "ru_maxrss delta (peak not resettable)"}


# ---- the driver -----------------------------------------------------------------------------


def _worker(args: list[str], timeout: float) -> dict[str, Any]:
    """Run ``python -m benchmarks.worker ARGS`` in a fresh process; its last stdout line is JSON."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    try:
        proc = subprocess.run([sys.executable, "-m", "benchmarks.worker", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "error", "message": f"timed out after {timeout:.0f} s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"status": "error", "message": f"worker exited with {proc.returncode}: {tail[0]}"}
    return json.loads(lines[-1])


def measure(w: Workload, quick: bool, timeout: float = 900.0) -> dict[str, Any]:
    """Timing and both memory peaks of one workload, each in its own process."""
    flag = ["--quick"] if quick else []
    row: dict[str, Any] = {"key": w.key, "title": w.title, "batch": w.batch, "target": w.target,
                           "memory_target": w.memory_target, "reference_target": w.reference_target}
    row.update(_worker(["time", w.key, *flag], timeout))
    memory = {fw: _worker(["memory", w.key, fw, *flag], timeout) for fw in FRAMEWORKS}
    row["memory"] = memory
    peaks = [memory[fw].get("peak_mib") for fw in ("nnlab", "torch")]
    if all(p is not None for p in peaks) and peaks[1] > 0:
        row["memory_ratio"] = peaks[0] / peaks[1]
    return row


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    import platform

    import numpy as np

    info: dict[str, Any] = {"python": platform.python_version(), "platform": platform.platform(),
                            "cpus": os.cpu_count(), "numpy": np.__version__}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), None)
    except OSError:
        info["cpu"] = platform.processor()
    try:
        info["load_average"] = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        pass
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = TORCH_THREADS
    except ImportError:
        info["torch"] = None
    return info


def run(keys: list[str] | None = None, quick: bool = False, out_dir: Path | None = None,
        log: Callable[[str], None] = print) -> dict[str, Any]:
    """Measure the chosen workloads (default: all) and write ``latest.json`` and ``latest.md`` to ``out_dir``."""
    from benchmarks.report import markdown

    keys = keys or list(WORKLOADS)
    unknown = [k for k in keys if k not in WORKLOADS]
    if unknown:
        raise ValueError(f"benchmarks: unknown workload(s) {unknown}; choose from {list(WORKLOADS)}")
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    rows = []
    for k in keys:
        log(f"[bench] {k}: {WORKLOADS[k].title} …")
        rows.append(measure(WORKLOADS[k], quick))
    results = {"started": started, "quick": quick, "settings": asdict(QUICK if quick else FULL),
               "machine": machine(), "workloads": rows}
    out_dir = Path(out_dir) if out_dir is not None else ROOT / "benchmarks" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    (out_dir / "latest.md").write_text(markdown(results))
    return results
