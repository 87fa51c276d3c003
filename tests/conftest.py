"""Suite-wide setup: one BLAS thread, whatever the machine or the environment says.

Matrix products summed by two BLAS threads round differently from one thread's; over
a training run those last bits move where early stopping lands (the default LeNet-5
run ends at 98.1 % with two threads and 98.9 % with one). Pinning the thread count
here, before any test runs and in every xdist worker, makes every figure the suite
asserts the same on a laptop, a 2-core CI box and a 64-core server.
"""

import os

# Before NumPy loads its BLAS (a later import then starts with one thread) ...
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

from threadpoolctl import threadpool_limits  # noqa: E402

import numpy as np  # noqa: E402,F401  (loads the BLAS so that the limit below reaches it)

# ... and for a BLAS already loaded (a plugin imported NumPy first): limit it for the whole session.
_BLAS_LIMIT = threadpool_limits(limits=1, user_api="blas")


def pytest_report_header(config):
    from threadpoolctl import threadpool_info

    blas = [f"{i['internal_api']}:{i['num_threads']}" for i in threadpool_info() if i["user_api"] == "blas"]
    return f"nnlab: BLAS threads pinned to 1 ({', '.join(blas) or 'no BLAS found'})"
