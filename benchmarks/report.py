"""The results as a markdown table (``latest.md``); the JSON next to it holds every number."""

from __future__ import annotations

from typing import Any


def _rate(v: float | None) -> str:
    if v is None:
        return "—"
    return f"{v:,.0f}" if v >= 100 else f"{v:.3g}"


def _goal(ratio: float | None, target: float | None) -> str:
    if ratio is None or target is None:
        return ""
    return "✓" if ratio >= target else "✗"


def _memory(row: dict[str, Any]) -> str:
    mem = row.get("memory", {})
    cells = []
    for fw in ("nnlab", "torch"):
        m = mem.get(fw, {})
        cells.append(f"{m['peak_mib']:.1f}" if "peak_mib" in m else m.get("status", "—"))
    text = " / ".join(cells)
    ratio = row.get("memory_ratio")
    if ratio is not None:
        text += f" ({ratio:.2f}×"
        target = row.get("memory_target")
        text += f", ≤ {target:g}× {_goal(target / ratio if ratio else None, 1.0)})" if target else ")"
    return text


def _row(row: dict[str, Any]) -> str:
    status = row.get("status")
    key, title = row["key"], row["title"]
    nn, pt = row.get("nnlab", {}), row.get("torch", {})
    if status == "error":
        return f"| {key} | {title} | error | | | | | {row.get('message', '')} |"
    ratio = row.get("ratio")
    target = row.get("target")
    notes = []
    if status == "missing":
        notes.append("missing: " + "; ".join(row.get("missing", {}).values()))
    if row.get("noisy"):
        lo, hi = row["ratio_iqr"]
        notes.append(f"noisy (per-repeat ratios {lo:.2f}–{hi:.2f})")
    if "reference_ratio" in row:
        notes.append(f"{nn['gflops']:.0f} GFLOP/s = {row['reference_ratio']:.2f} of GEMM "
                     f"(target ≥ {row['reference_target']:g} {_goal(row['reference_ratio'], row['reference_target'])})")
    ratio_text = "missing" if status == "missing" else (f"**{ratio:.2f}**" if ratio is not None else "—")
    goal = f"≥ {target:g} {_goal(ratio, target)}" if target is not None else ""
    return (f"| {key} | {title} | {_rate(nn.get('samples_per_s'))} | {_rate(pt.get('samples_per_s'))} | "
            f"{ratio_text} | {goal} | {_memory(row)} | {', '.join(notes)} |")


def markdown(results: dict[str, Any]) -> str:
    """The table of one run, with the machine and the settings under it."""
    m = results["machine"]
    lines = [
        "| | workload | nnlab samples/s | PyTorch samples/s | nnlab / PyTorch | target | "
        "peak MiB nnlab / PyTorch | notes |",
        "|---|---|---:|---:|---:|---|---|---|",
    ]
    lines += [_row(r) for r in results["workloads"]]
    for r in results["workloads"]:
        ref = r.get("reference")
        if ref:
            lines.append("")
            lines.append(f"{r['key']}: NumPy GEMM on the step's five products {ref['gflops']:.0f} GFLOP/s; "
                         f"nnlab {r['nnlab']['gflops']:.0f} GFLOP/s ({r['reference_ratio']:.2f}), PyTorch "
                         f"{r['torch']['gflops']:.0f} GFLOP/s ({r.get('torch_reference_ratio', 0):.2f}).")
    s = results["settings"]
    lines += [
        "",
        f"Machine: {m.get('cpu')} ({m.get('cpus')} CPUs), {m.get('platform')}; Python {m.get('python')}, "
        f"NumPy {m.get('numpy')}, PyTorch {m.get('torch')} ({m.get('torch_threads')} threads); "
        f"load average at the end {m.get('load_average')}.",
        f"Run {results['started']}{' (quick)' if results['quick'] else ''}: {s['warmup']} warm-up steps, "
        f"median of {s['repeats']} interleaved repeats of ≈{s['target_s']} s each"
        f"{f', {rest} s of rest before each' if (rest := s.get('settle_s')) else ''}; peak memory over "
        f"{s['memory_steps']} steps in a fresh process per framework.",
        "",
    ]
    return "\n".join(lines)
