"""The suite runs with one BLAS thread whatever the machine (tests/conftest.py), so its figures are the same everywhere."""

import os

import numpy as np
from threadpoolctl import threadpool_info


def test_blas_is_pinned_to_one_thread():
    np.ones((64, 64)) @ np.ones((64, 64))  # the BLAS is loaded and used
    blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
    assert blas, "no BLAS found by threadpoolctl"
    assert all(i["num_threads"] == 1 for i in blas), blas
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
