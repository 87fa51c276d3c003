"""End-to-end vs a hand-designed pipeline on the toy X-ray task: the pipeline wins small, end-to-end wins big."""

import numpy as np

from nnlab.lessons.end_to_end import crossover, measure_bone, xray_images


def test_the_measuring_step_recovers_the_length_not_the_density():
    X, y, L = xray_images(200, seed=3)
    measured = measure_bone(X)[:, 0] * 10
    assert np.mean(np.abs(measured - L) <= 1) > 0.9
    # the label needs the density: at L = 6 both classes occur
    assert set(y[L == 6].tolist()) == {0, 1}


def test_pipeline_wins_with_little_data_end_to_end_with_a_lot():
    r = crossover(sizes=(10, 100, 3000), seeds=1)
    pipe, e2e = r["pipeline"], r["end-to-end"]
    # measured (2 seeds, docs): pipeline 25.0, 21.3, 20.9 %; end-to-end 47.6, 37.5, 10.5 % (crossing between 300 and 1000)
    assert e2e[0] - pipe[0] > 0.15  # 10 examples: the hand-designed step wins
    assert pipe[2] - e2e[2] > 0.05  # 3000 examples: end-to-end wins
    assert abs(pipe[2] - pipe[1]) < 0.03  # the pipeline has hit its ceiling (the density was thrown away)
    assert e2e[1] - e2e[2] > 0.15  # while end-to-end keeps learning
