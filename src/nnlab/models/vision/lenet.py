"""LeNet-5, laid out exactly as the seeds' table (the course notes' "Neural network example")."""

from __future__ import annotations

from nnlab import functional as F
from nnlab import nn
from nnlab.autograd.tensor import Tensor

_ACTIVATIONS = {"relu": F.relu, "tanh": F.tanh, "sigmoid": F.sigmoid}
_POOLS = {"max": "MaxPool2d", "avg": "AvgPool2d"}


class LeNet5(nn.Module):
    """logits = FC5(act(FC4(act(FC3(flatten(POOL2(act(CONV2(POOL1(act(CONV1(x))))))))))).

    LeNet-5 (LeCun, Bottou, Bengio & Haffner, 1998, "Gradient-based learning applied to
    document recognition") introduced the pattern every CNN since has followed: small
    learned convolution filters with shared weights, alternating with subsampling
    (pooling), the height and width shrinking while the channels grow, then a few fully
    connected layers. The layout is the seeds' table, one row per layer:

    ============  ==================  ===============  ============
    layer         activation shape    activation size  # parameters
    ============  ==================  ===============  ============
    input         (32, 32, 3)         3,072            0
    CONV1 f=5 s1  (28, 28, 6)         4,704            456
    POOL1 f=2 s2  (14, 14, 6)         1,176            0
    CONV2 f=5 s1  (10, 10, 16)        1,600            2,416
    POOL2 f=2 s2  (5, 5, 16)          400              0
    FC3           (120,)              120              48,120
    FC4           (84,)               84               10,164
    softmax       (10,)               10               850
    ============  ==================  ===============  ============

    62,006 parameters in all (the seeds' "60 k"). ``nnlab.summary(LeNet5(), (3, 32, 32))``
    prints exactly these rows (shapes in NCHW order, batch dim first).

    Choices the seeds leave open, and what is used:

    - Pooling: the seeds only say POOL "reduces the height and width by a factor of 2"
      and that max pooling "is the most common"; f=2, s=2 **max** pooling is the default
      (``pooling="avg"`` gives the original's average subsampling, without its trainable
      coefficient).
    - Activation: the table names none; **ReLU** is the default after each CONV and FC
      layer (``activation="tanh"`` is closer to the 1998 network, which used a scaled tanh).
    - CONV2 has 16 filters: the table's 2,416 = (5·5·6 + 1)·16 parameters and its
      (10, 10, 16) shape fix it; the seed's prose says "10 filters", a slip. Every CONV2
      filter sees all 6 channels (the 1998 network connected C3 to subsets of S2's maps).
    - The "softmax" row is ``fc5``, a Linear 84 → 10 (850 = 84·10 + 10 parameters): the
      model returns **logits**, and the softmax lives in the loss
      (``nnlab.nn.CrossEntropyLoss``) or in ``F.softmax(logits, dim=1)`` at prediction time.

    Activations and the flatten are applied functionally, so ``summary`` lists exactly the
    seven layers of the table.

    Args:
        in_channels: C, input channels (default 3, the seeds' RGB; 1 for grayscale digits).
        num_classes: K, outputs (default 10).
        activation: ``"relu"`` (default), ``"tanh"`` or ``"sigmoid"``.
        pooling: ``"max"`` (default) or ``"avg"``, both f=2, s=2.

    Shape:
        input (N, C, 32, 32); output (N, K) logits.

    Attributes:
        conv1: Conv2d(C, 6, 5), weight (6, C, 5, 5); conv2: Conv2d(6, 16, 5), weight
            (16, 6, 5, 5); fc3: Linear(400, 120); fc4: Linear(120, 84); fc5: Linear(84, K).
            All with PyTorch's default init (U(−1/√fan_in, 1/√fan_in)).
        pool1, pool2: the f=2, s=2 pooling layers.
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 10, activation: str = "relu", pooling: str = "max"):
        super().__init__()
        if activation not in _ACTIVATIONS:
            raise ValueError(f"LeNet5: unknown activation {activation!r}; expected one of {sorted(_ACTIVATIONS)}")
        if pooling not in _POOLS:
            raise ValueError(f"LeNet5: unknown pooling {pooling!r}; expected one of {sorted(_POOLS)}")
        if in_channels < 1 or num_classes < 1:
            raise ValueError(f"LeNet5: in_channels and num_classes must be positive, got {in_channels}, {num_classes}")
        self.activation = activation
        self.pooling = pooling
        pool = getattr(nn, _POOLS[pooling])
        self.conv1 = nn.Conv2d(in_channels, 6, kernel_size=5, stride=1)
        self.pool1 = pool(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5, stride=1)
        self.pool2 = pool(kernel_size=2, stride=2)
        self.fc3 = nn.Linear(16 * 5 * 5, 120)
        self.fc4 = nn.Linear(120, 84)
        self.fc5 = nn.Linear(84, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or tuple(x.shape[-2:]) != (32, 32):
            raise ValueError(
                f"LeNet5: expects input (N, C, 32, 32), got shape {tuple(x.shape)}; the 5×5×16 maps "
                "after POOL2 must flatten to FC3's 400 inputs"
            )
        act = _ACTIVATIONS[self.activation]
        x = self.pool1(act(self.conv1(x)))
        x = self.pool2(act(self.conv2(x)))
        x = x.flatten(1)
        x = act(self.fc3(x))
        x = act(self.fc4(x))
        return self.fc5(x)

    def extra_repr(self) -> str:
        return f"activation={self.activation!r}, pooling={self.pooling!r}"
