"""Greedy layer-wise pretraining with few labels: does it beat a random initialization?

One network, 64 → 256 → 128 → 10 with sigmoid hidden units, fine-tuned by backpropagation
(Adam, lr 3e-3, 300 epochs on batches of 20) on 100 labelled training digits (10 per class,
a different draw per seed), from four starts:

- random: PyTorch's default initialization;
- DBN: a stack of two RBMs trained by CD-1 on all 1,257 training digits (labels unused);
- stacked denoising autoencoders, the same way;
- supervised layer-wise: each layer trained with a temporary softmax head on the 100 labels.

Test accuracy (the fixed 270-digit test split) over seeds 0–4; printed as mean ± std, with
the per-seed differences from random, whichever way they fall.

    python examples/dbn_few_labels.py [SEEDS] [LABELS]
"""

from __future__ import annotations

import sys
import time

import numpy as np

import nnlab
from nnlab.data import get_dataset
from nnlab.models.generative import (
    DeepBeliefNetwork, StackedAutoencoder, fine_tune, sigmoid_classifier, supervised_layerwise_pretrain,
)
from nnlab.train import accuracy

SIZES = (64, 256, 128)
FINE_TUNE = dict(epochs=300, lr=3e-3, batch_size=20)


def few_labels(data, seed: int, n: int):
    rng = np.random.default_rng(seed)
    idx = np.concatenate([rng.choice(np.flatnonzero(data.y_train == c), n // 10, replace=False) for c in range(10)])
    return data.X_train[idx], data.y_train[idx]


def starts(data, X, y):
    """The four initial networks (each built right after the same seed reset by the caller)."""
    yield "random", lambda: sigmoid_classifier(SIZES, 10)

    def dbn():
        net = DeepBeliefNetwork(SIZES)
        net.pretrain(data.X_train, epochs=20)
        return net.classifier(10)

    def sae():
        net = StackedAutoencoder(SIZES)
        net.pretrain(data.X_train, epochs=20)
        return net.classifier(10)

    yield "DBN (RBMs, CD-1)", dbn
    yield "stacked denoising AEs", sae
    yield "supervised layer-wise", lambda: supervised_layerwise_pretrain(SIZES, X, y, 10, epochs=100, lr=3e-3,
                                                                         batch_size=20)


def main(seeds: int = 5, labels: int = 100) -> dict[str, list[float]]:
    data = get_dataset("digits")
    results: dict[str, list[float]] = {}
    start = time.perf_counter()
    for seed in range(seeds):
        X, y = few_labels(data, seed, labels)
        for name, build in starts(data, X, y):
            nnlab.manual_seed(seed)
            model = build()
            fine_tune(model, X, y, **FINE_TUNE)
            model.eval()
            results.setdefault(name, []).append(accuracy(data.y_test, model(nnlab.as_tensor(data.X_test)).array))
        print(f"seed {seed}: " + "  ".join(f"{k} {v[-1]:.3f}" for k, v in results.items()))
    base = np.array(results["random"])
    print(f"\n{labels} labels, test accuracy over {seeds} seeds ({time.perf_counter() - start:.0f} s):")
    for name, accs in results.items():
        a = np.array(accs)
        diff = a - base
        print(f"  {name:<24} {a.mean():.3f} ± {a.std():.3f}   vs random: {diff.mean():+.3f} "
              f"(better on {int((diff > 0).sum())}/{seeds} seeds)")
    return results


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5, int(sys.argv[2]) if len(sys.argv) > 2 else 100)
