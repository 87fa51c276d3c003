import os
import uuid

import pytest

from nnlab.tune import run_study

SPACE = {"alpha": ("log", 1e-4, 1.0), "unused": ("uniform", 0.0, 1.0)}


@pytest.mark.needs_database
def test_two_workers_share_a_study_on_a_database_server():
    url = os.environ["NNLAB_TEST_DATABASE_URL"]
    name = f"nnlab-test-{uuid.uuid4().hex[:8]}"
    res = run_study(name, url, "nnlab.tune.objectives:quadratic", SPACE, n_trials=6, workers=2, sampler="random")
    assert sorted(t.number for t in res.trials) == list(range(6))
    assert len({t.extra.get("worker") for t in res.trials}) == 2
