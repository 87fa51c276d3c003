"""nnlab against PyTorch CPU, side by side in the same run: ``python -m benchmarks [--quick] [KEYS ...]``.

One module per workload family (:mod:`benchmarks.mlp`, :mod:`benchmarks.cnn`,
:mod:`benchmarks.recurrent`, :mod:`benchmarks.transformer`, :mod:`benchmarks.gemm`);
:mod:`benchmarks.harness` times and measures them, :mod:`benchmarks.report` writes the
table. Results go to ``benchmarks/results/latest.{json,md}`` (not committed). Speed is
never a pass/fail test: see docs/performance.md for the latest table and what it means.
"""
