"""Transfer learning on the digits: pretrain on 0–4, fine-tune on 5–9 with few labels, vs from scratch.

    python examples/transfer_digits.py

The pretrained MLP keeps its hidden layer frozen (``freeze``), gets a new head
(``replace_head``) and trains only the head; the scratch MLP trains everything on the same
few labels. Accuracy on the dev digits 5–9, averaged over seeds.
"""

import numpy as np

import nnlab
from nnlab import nn, optim
from nnlab.data import DataLoader, TensorDataset, get_dataset
from nnlab.models import MLP
from nnlab.train import Trainer
from nnlab.train.transfer import freeze, layerwise_param_groups, replace_head


def _fit(model, params, X, y, epochs):
    loader = DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True)
    Trainer(model, nn.CrossEntropyLoss(), optim.Adam(params, lr=1e-2), quiet=True).fit(loader, epochs=epochs)


def _acc(model, X, y):
    return float((model(nnlab.from_numpy(X)).array.argmax(1) == y).mean())


def _copy(model):
    twin = MLP((64, 128, 5))
    twin.load_state_dict(model.state_dict())
    return twin


def run(per_class: int = 5, seeds: int = 5) -> tuple[float, float]:
    d = get_dataset("digits")
    lo, hi = d.y_train < 5, d.y_train >= 5
    dev = d.y_dev >= 5
    Xd, yd = d.X_dev[dev], d.y_dev[dev] - 5
    transfer, finetune, scratch = [], [], []
    for s in range(seeds):
        nnlab.manual_seed(s)
        rng = np.random.default_rng(s)
        few = np.concatenate([rng.choice(np.flatnonzero(d.y_train == c), per_class, replace=False) for c in range(5, 10)])
        Xf, yf = d.X_train[few], d.y_train[few] - 5
        base = MLP((64, 128, 5))
        _fit(base, base.parameters(), d.X_train[lo], d.y_train[lo], epochs=15)
        frozen = _copy(base)
        freeze(frozen, ["net.0"])
        replace_head(frozen, "net.2", nn.Linear(128, 5))
        _fit(frozen, layerwise_param_groups(frozen, {}, default_lr=1e-2), Xf, yf, epochs=60)
        transfer.append(_acc(frozen, Xd, yd))
        replace_head(base, "net.2", nn.Linear(128, 5))  # fine-tune everything, the trunk 10x slower
        _fit(base, layerwise_param_groups(base, {"net.0": 1e-3}, default_lr=1e-2), Xf, yf, epochs=60)
        finetune.append(_acc(base, Xd, yd))
        fresh = MLP((64, 128, 5))
        _fit(fresh, fresh.parameters(), Xf, yf, epochs=60)
        scratch.append(_acc(fresh, Xd, yd))
    return float(np.mean(transfer)), float(np.mean(finetune)), float(np.mean(scratch))


if __name__ == "__main__":
    for k in (2, 5):
        t, f, s = run(per_class=k)
        print(f"digits 5–9, {k} labels per class: frozen trunk + new head {t:.3f}, "
              f"fine-tuned (trunk lr 1e-3, head 1e-2) {f:.3f}, from scratch {s:.3f}")
