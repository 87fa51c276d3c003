"""Multi-cell LSTM memory blocks against the standard LSTM on a delayed-recall task.

Two symbols (of K) are shown at the first two steps, then ``delay`` steps of noise; at the
end the network names the pair (K² classes). Remembering means writing both symbols into
cells and keeping them closed to the noise: exactly the job of an input gate that opens once
and a forget gate that stays near 1, so cells that share their gates (a memory block of
:class:`~nnlab.nn.recurrent_multicell.MultiCellLSTM`) lose little against one gate triple per
cell (``nn.LSTM``) while needing far fewer parameters.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

from nnlab.ops.creation import from_numpy
from nnlab.backend.random import manual_seed
from nnlab import nn, optim
from nnlab.autograd.tensor import Tensor
from nnlab.nn.recurrent_multicell import MultiCellLSTM
from nnlab.train.trainer import Trainer

__all__ = ["RecallResult", "delayed_recall_data", "RecallNet", "compare_memory_blocks"]


def delayed_recall_data(n: int, symbols: int = 4, delay: int = 10, noise: float = 0.5,
                        seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (n, 2 + delay, symbols + 1) and labels a·K + b: one-hot a and b at steps 0 and 1, then Gaussian noise
    on the symbol channels; the last channel marks the final (query) step."""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(symbols, size=n), rng.integers(symbols, size=n)
    T = 2 + delay
    x = np.zeros((n, T, symbols + 1), dtype=np.float32)
    x[:, 2:, :symbols] = noise * rng.standard_normal((n, delay, symbols))
    x[np.arange(n), 0, a] = 1.0
    x[np.arange(n), 1, b] = 1.0
    x[:, -1, symbols] = 1.0
    return x, (a * symbols + b).astype(np.int64)


class RecallNet(nn.Module):
    """logits = W · h_T + b over a recurrent layer: ``MultiCellLSTM`` (blocks > 0) or ``nn.LSTM``."""

    def __init__(self, input_size: int, classes: int, hidden: int, cells_per_block: int = 1):
        super().__init__()
        if cells_per_block > 1:
            self.rnn = MultiCellLSTM(input_size, hidden // cells_per_block, cells_per_block)
        else:
            self.rnn = nn.LSTM(input_size, hidden, batch_first=True)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x: Tensor) -> Tensor:
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


class RecallResult(NamedTuple):
    """One recurrent layer on the task: its parameters, held-out accuracy and training time."""

    name: str
    params: int
    accuracy: float
    wall_seconds: float
    cpu_seconds: float


def compare_memory_blocks(hidden: int = 8, cells_per_block: int = 4, symbols: int = 4, delay: int = 10,
                          n_train: int = 1024, epochs: int = 12, seed: int = 0) -> list[RecallResult]:
    """Train an ``nn.LSTM`` and a ``MultiCellLSTM`` with the same number of cells (``hidden``) on delayed recall."""
    x, y = delayed_recall_data(n_train, symbols, delay, seed=seed)
    xt, yt = delayed_recall_data(512, symbols, delay, seed=seed + 1)
    train = [(from_numpy(x[i:i + 32]), from_numpy(y[i:i + 32])) for i in range(0, n_train, 32)]
    test = [(from_numpy(xt), from_numpy(yt))]
    results = []
    for name, s in (("LSTM (a gate triple per cell)", 1), (f"memory blocks of {cells_per_block} cells", cells_per_block)):
        manual_seed(seed)
        model = RecallNet(symbols + 1, symbols * symbols, hidden, s)
        trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.02), quiet=True)
        wall, cpu = time.perf_counter(), time.process_time()
        trainer.fit(train, epochs=epochs)
        acc = trainer.evaluate(test)["accuracy"]
        results.append(RecallResult(name, sum(p.numel() for p in model.rnn.parameters()), acc,
                                    time.perf_counter() - wall, time.process_time() - cpu))
    return results
