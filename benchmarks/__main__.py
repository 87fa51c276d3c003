"""``python -m benchmarks [--quick] [--out DIR] [KEYS ...]``: run the benchmarks and print the table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from benchmarks.harness import WORKLOADS, run

    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("keys", nargs="*", metavar="KEY",
                        help=f"workloads to run (default: all of {', '.join(WORKLOADS)})")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run: 1 warm-up, 3 short repeats")
    parser.add_argument("--out", type=Path, default=None, help="results folder (default benchmarks/results)")
    args = parser.parse_args(argv)
    try:
        results = run(args.keys or None, quick=args.quick, out_dir=args.out,
                      log=lambda msg: print(msg, file=sys.stderr, flush=True))
    except ValueError as e:
        parser.error(str(e))
    from benchmarks.report import markdown

    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
