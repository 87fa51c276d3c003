"""Fully connected workloads: a (MLP train step), f_mlp (its inference), g (logistic regression).

a and f_mlp are framework overhead plus small matmuls; g is almost nothing but
overhead (a 30 → 1 linear map on 32 samples), where a lean engine should win.
"""

from __future__ import annotations

from benchmarks.frameworks import Framework
from benchmarks.workload import Step, Workload, features, inference_step, labels, train_step


def mlp(fw: Framework):
    """784 → 256 → 128 → 10 with ReLU."""
    nn = fw.nn
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def mlp_train(fw: Framework, batch: int = 128) -> Step:
    fw.seed(0)
    model = mlp(fw)
    opt = fw.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = fw.tensor(features((batch, 784))), fw.tensor(labels(batch, 10))
    return train_step(model, fw.F.cross_entropy, opt, x, y)


def mlp_inference(fw: Framework, batch: int = 256) -> Step:
    fw.seed(0)
    return inference_step(fw, mlp(fw), fw.tensor(features((batch, 784))))


def logistic_train(fw: Framework, batch: int = 32) -> Step:
    """Linear(30, 1) + BCE with logits, plain SGD."""
    fw.seed(0)
    model = fw.nn.Linear(30, 1)
    opt = fw.optim.SGD(model.parameters(), lr=0.1)
    x = fw.tensor(features((batch, 30)))
    y = fw.tensor((labels(batch, 2, (batch, 1))).astype("float32"))
    return train_step(model, fw.F.binary_cross_entropy_with_logits, opt, x, y)


WORKLOADS = [
    Workload("a", "MLP 784-256-128-10, batch 128, SGD momentum — train step", 128, mlp_train, target=0.9),
    Workload("f_mlp", "MLP of (a), batch 256 — inference", 256, mlp_inference, target=0.9),
    Workload("g", "logistic regression, 30 features, batch 32, SGD — train step", 32, logistic_train, target=1.0),
]
