"""Data parallel over MPI, run for real: ``mpiexec -n 2`` (the MPICH wheel's, next to ``sys.executable``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import nnlab
from nnlab import cli
from nnlab.io import load
from tests.distributed import ddp_worker

WORKER = Path(ddp_worker.__file__)
MPIEXEC = Path(sys.executable).parent / "mpiexec"


def _mpiexec(n: int, args: list[str], timeout: float = 90, **env: str) -> subprocess.CompletedProcess:
    """Run ``python ARGS`` on n ranks, with this checkout of nnlab first on the path."""
    environ = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", **env)
    environ["PYTHONPATH"] = os.pathsep.join([str(Path(nnlab.__file__).parents[1]), str(WORKER.parents[2]),
                                             environ.get("PYTHONPATH", "")])
    return subprocess.run([str(MPIEXEC), "-n", str(n), sys.executable, *args], capture_output=True, text=True,
                          timeout=timeout, env=environ)


def test_two_ranks_of_16_equal_one_process_of_32_step_by_step(tmp_path):
    out = tmp_path / "ddp.npz"
    proc = _mpiexec(2, [str(WORKER), "train", str(out)])
    assert proc.returncode == 0, proc.stderr
    two = np.load(out)
    one = ddp_worker.run("train", None)  # this process: a world of one, batch 32
    assert two["steps"].shape == one["steps"].shape == (6, 4 * 9 + 4 + 4 + 4 + 4 * 36 * 3 + 3)
    # Every step's parameters (SGD with momentum, SyncBatchNorm's γ, β), to float32 rounding.
    np.testing.assert_allclose(two["steps"], one["steps"], rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(two["loss"], one["loss"], rtol=1e-5)
    np.testing.assert_allclose(two["running_mean"], one["running_mean"], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(two["running_var"], one["running_var"], rtol=1e-5)
    # And the steps did move the weights (not a comparison of two untouched models).
    assert np.abs(one["steps"][-1] - one["steps"][0]).max() > 1e-2


def _fault(mode: str, **env: str) -> tuple[subprocess.CompletedProcess, float]:
    start = time.monotonic()
    proc = _mpiexec(2, [str(WORKER), mode], timeout=60, **env)
    return proc, time.monotonic() - start


def test_a_rank_that_raises_ends_the_job_with_its_error():
    proc, seconds = _fault("raise")
    assert proc.returncode != 0
    assert "rank 1: uncaught RuntimeError: injected fault on rank 1; aborting all 2 ranks" in proc.stderr
    assert seconds < 30


def test_a_killed_rank_ends_the_job():
    proc, seconds = _fault("kill")
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "BAD TERMINATION OF ONE OF YOUR APPLICATION PROCESSES" in out and "Killed (signal 9)" in out
    assert seconds < 30


def test_a_hung_rank_makes_the_others_time_out_with_a_clear_error():
    proc, seconds = _fault("hang", STEP_TIMEOUT="3")  # rank 1 sleeps 600 s; rank 0 gives up after 3 s
    assert proc.returncode != 0
    assert "timed out after 3 s on rank 0 of 2: another rank failed, hung or exited early" in proc.stderr
    assert seconds < 30


def test_cli_distributed_train_then_resume_on_another_number_of_ranks(tmp_path, capsys):
    common = ["train", "--distributed", "--model", "mlp", "--dropout", "0", "--patience", "0", "--quiet",
              "--out", str(tmp_path), "--batch-size", "32"]
    proc = _mpiexec(2, ["-m", "nnlab", *common, "--epochs", "2", "--name", "run"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("test accuracy") == 1  # rank 0 alone reports
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["world_size"] == 2
    # Resume the 2-rank run on one process for a third epoch; compare with 3 uninterrupted epochs.
    assert cli.main([*common, "--epochs", "3", "--name", "run", "--resume"]) == 0
    assert "resuming from" in capsys.readouterr().out
    assert cli.main([*common, "--epochs", "3", "--name", "ref"]) == 0
    resumed, ref = load(str(tmp_path / "run" / "model.safetensors")), load(str(tmp_path / "ref" / "model.safetensors"))
    assert resumed.keys() == ref.keys()
    for k in ref:
        np.testing.assert_allclose(resumed[k], ref[k], rtol=1e-4, atol=1e-5, err_msg=k)
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    assert len(history["epoch"]) == 1 and history["epoch"][0] == 2
