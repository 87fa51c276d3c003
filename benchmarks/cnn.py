"""Convolutional workloads: b (LeNet-5 train step), c (small ResNet train step), f_lenet (LeNet-5 inference).

The models are written once against ``fw.nn``, so nnlab and PyTorch run the very same
architecture: convolutions, max pooling, batch norm, residual additions, global
average pooling.
"""

from __future__ import annotations

from benchmarks.frameworks import Framework
from benchmarks.workload import Step, Workload, features, inference_step, labels, train_step


def lenet5(fw: Framework):
    """1×28×28 → conv 6@5×5 pad 2 → maxpool 2 → conv 16@5×5 → maxpool 2 → fc 120 → 84 → 10, ReLU."""
    nn = fw.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )


def small_resnet(fw: Framework):
    """conv3×3 32 + BN + ReLU, two basic blocks at 32, a stride-2 block to 64, global average pool, fc 10."""
    nn = fw.nn

    class BasicBlock(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU()
            if stride != 1 or cin != cout:
                self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
            else:
                self.shortcut = nn.Identity()

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return self.relu(out + self.shortcut(x))

    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        BasicBlock(32, 32, 1), BasicBlock(32, 32, 1), BasicBlock(32, 64, 2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10),
    )


def lenet_train(fw: Framework, batch: int = 64) -> Step:
    fw.seed(0)
    model = lenet5(fw)
    opt = fw.optim.Adam(model.parameters(), lr=1e-3)
    x, y = fw.tensor(features((batch, 1, 28, 28))), fw.tensor(labels(batch, 10))
    return train_step(model, fw.F.cross_entropy, opt, x, y)


def lenet_inference(fw: Framework, batch: int = 256) -> Step:
    fw.seed(0)
    return inference_step(fw, lenet5(fw), fw.tensor(features((batch, 1, 28, 28))))


def resnet_train(fw: Framework, batch: int = 32) -> Step:
    fw.seed(0)
    model = small_resnet(fw)
    opt = fw.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = fw.tensor(features((batch, 3, 32, 32))), fw.tensor(labels(batch, 10))
    return train_step(model, fw.F.cross_entropy, opt, x, y)


WORKLOADS = [
    Workload("b", "LeNet-5 1×28×28, batch 64, Adam — train step", 64, lenet_train, target=0.5),
    Workload("c", "small ResNet 3×32×32, batch 32, SGD momentum — train step", 32, resnet_train, target=0.5,
             memory_target=2.0),
    Workload("f_lenet", "LeNet-5 of (b), batch 256 — inference", 256, lenet_inference, target=0.6),
]
