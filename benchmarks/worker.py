"""One measurement in a fresh process: ``python -m benchmarks.worker time KEY`` or ``memory KEY FRAMEWORK``.

Prints the result as one JSON line (the driver in :mod:`benchmarks.harness` reads the
last line); an unexpected error becomes ``{"status": "error", ...}`` rather than a crash,
so one broken workload never hides the others.
"""

from __future__ import annotations

import json
import sys
import traceback
import warnings


def main(argv: list[str]) -> int:
    from benchmarks.harness import FULL, QUICK, WORKLOADS, memory_workload, time_workload

    quick = "--quick" in argv
    args = [a for a in argv if a != "--quick"]
    settings = QUICK if quick else FULL
    warnings.simplefilter("ignore")  # library warnings would only clutter the JSON channel
    try:
        mode, key = args[0], args[1]
        w = WORKLOADS[key]
        result = time_workload(w, settings) if mode == "time" else memory_workload(w, args[2], settings)
    except Exception as e:  # reported in the table, next to the workloads that did run
        traceback.print_exc()
        result = {"status": "error", "message": f"{type(e).__name__}: {e}"}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
