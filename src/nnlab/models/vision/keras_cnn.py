"""The seeds' Keras CNN (the "Code" section of the course notes on CNNs), translated layer for layer into nnlab."""

from __future__ import annotations

import math
from collections import OrderedDict

from nnlab import nn

# (filters, kernel size, dropout rate) of the seed's five Conv2D → ReLU → BN → MaxPool → Dropout stages.
STAGES: list[tuple[int, int, float]] = [(32, 3, 0.2), (64, 5, 0.2), (128, 3, 0.3), (256, 5, 0.3), (512, 3, 0.3)]


def _pooled_size(n: int, times: int) -> int:
    """Spatial size after ``times`` 2×2 'same' max pools: ⌈n/2⌉ each."""
    for _ in range(times):
        n = math.ceil(n / 2)
    return n


def keras_cnn(in_channels: int = 3, num_classes: int = 3, input_size: int = 256, softmax: bool = False) -> nn.Sequential:
    """logits = Dense(3)(Dropout(ReLU(Dense(2048)(Flatten(5 × [Conv2D → ReLU → BN → MaxPool → Dropout](x)))))).

    The seeds' Keras model, one nnlab layer per Keras layer and in the same order::

        Conv2D(32, (3,3), strides=1, padding='same', input_shape=(256,256,3))
        Activation('relu'); BatchNormalization(); MaxPooling2D((2,2), padding='same'); Dropout(0.2)
        Conv2D(64, (5,5), 'same')  → relu → BN → MaxPool 'same' → Dropout(0.2)
        Conv2D(128, (3,3), 'same') → relu → BN → MaxPool 'same' → Dropout(0.3)
        Conv2D(256, (5,5), 'same') → relu → BN → MaxPool 'same' → Dropout(0.3)
        Conv2D(512, (3,3), 'same') → relu → BN → MaxPool 'same' → Dropout(0.3)
        Flatten(); Dense(2048); Activation('relu'); Dropout(0.5); Dense(3, activation='softmax')

    How each Keras piece maps:

    - ``Conv2D(f, k, padding='same')`` (stride 1) → ``Conv2d(C, f, k, padding="same")``:
      pads (k−1)/2 on each side for these odd kernels, keeping H×W.
    - ``MaxPooling2D((2,2), padding='same')`` (stride = pool size) → ``MaxPool2d(2, 2,
      ceil_mode=True)``: Keras pads odd sizes at the bottom/right with values the max
      ignores, giving ⌈n/2⌉; ceil mode lets the last window hang over the edge, the same
      ⌈n/2⌉ and the same values. At 256×256 every size is even: 256 → 128 → 64 → 32 → 16 → 8.
    - ``BatchNormalization()`` → ``BatchNorm2d(f, eps=1e-3, momentum=0.01)``: Keras's
      defaults (ε = 0.001, running average decay 0.99, i.e. PyTorch momentum 0.01).
    - ``Dropout(r)`` → ``Dropout(r)`` (elements, as Keras; not ``Dropout2d``).
    - ``Flatten`` → ``Flatten``: 8·8·512 = 32,768 features. Keras flattens (H, W, C), nnlab
      (C, H, W): the count is the same, the order of the Dense kernel's rows differs.
    - ``Dense(3, activation='softmax')`` → ``Linear(2048, 3)`` returning logits (the
      softmax belongs in ``CrossEntropyLoss``); ``softmax=True`` appends ``Softmax(dim=1)``
      to return probabilities as the Keras model does.

    Parameter counts agree with Keras's ``model.summary()`` layer by layer for Conv2D
    (k·k·C_in·f + f) and Dense (D_in·D_out + D_out): 69,242,691 together. Keras lists
    BatchNormalization with 4·f parameters (γ, β trainable; moving mean and variance
    non-trainable); nnlab counts γ and β as parameters (2·f: 1,984 in all) and keeps the
    running statistics as buffers (another 1,984 values). So ``summary`` reports
    69,244,675 parameters, Keras's "Trainable params"; Keras's "Total params" is
    69,246,659 = parameters + BatchNorm buffers. Weights keep nnlab's (PyTorch's)
    default init, not Keras's Glorot-uniform.

    Args:
        in_channels: C, input channels (default 3).
        num_classes: K, outputs of the last Dense (default 3).
        input_size: side of the square input (default 256), to size the first Dense layer.
        softmax: end with ``Softmax(dim=1)`` (default ``False``: logits).

    Shape:
        input (N, C, input_size, input_size); output (N, K).

    Returns:
        an ``nn.Sequential`` whose children carry Keras's default layer names (``conv2d``,
        ``activation``, ``batch_normalization``, ``max_pooling2d``, ``dropout``, ``conv2d_1``,
        …, ``flatten``, ``dense``, ``dense_1``), so ``nnlab.summary`` reads like Keras's.
    """
    if in_channels < 1 or num_classes < 1 or input_size < 1:
        raise ValueError(
            f"keras_cnn: in_channels, num_classes and input_size must be positive, got {in_channels}, "
            f"{num_classes}, {input_size}"
        )
    counts: dict[str, int] = {}

    def name(kind: str) -> str:
        i = counts.get(kind, 0)
        counts[kind] = i + 1
        return kind if i == 0 else f"{kind}_{i}"

    layers: OrderedDict[str, nn.Module] = OrderedDict()
    c = in_channels
    for filters, k, rate in STAGES:
        layers[name("conv2d")] = nn.Conv2d(c, filters, k, stride=1, padding="same")
        layers[name("activation")] = nn.ReLU()
        layers[name("batch_normalization")] = nn.BatchNorm2d(filters, eps=1e-3, momentum=0.01)
        layers[name("max_pooling2d")] = nn.MaxPool2d(2, 2, ceil_mode=True)
        layers[name("dropout")] = nn.Dropout(rate)
        c = filters
    side = _pooled_size(input_size, len(STAGES))
    layers[name("flatten")] = nn.Flatten()
    layers[name("dense")] = nn.Linear(c * side * side, 2048)
    layers[name("activation")] = nn.ReLU()
    layers[name("dropout")] = nn.Dropout(0.5)
    layers[name("dense")] = nn.Linear(2048, num_classes)
    if softmax:
        layers[name("softmax")] = nn.Softmax(dim=1)
    return nn.Sequential(layers)
