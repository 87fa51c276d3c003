import numpy as np
import pytest

import nnlab
from nnlab import nn, optim
from nnlab.data import DataLoader, TensorDataset
from nnlab.models import MLP
from nnlab.train import Trainer
from nnlab.train.transfer import freeze, layerwise_param_groups, replace_head


def test_freeze_replace_head_and_per_layer_lr_train_only_what_they_should():
    nnlab.manual_seed(0)
    model = MLP((4, 8, 3))
    names = [n for n, _ in model.named_parameters()]
    first, last = names[0].rsplit(".", 1)[0], names[-1].rsplit(".", 1)[0]
    freeze(model, [first])
    head = nn.Linear(8, 2)
    replace_head(model, last, head)
    groups = layerwise_param_groups(model, {last: 0.5}, default_lr=0.1)
    assert sum(len(g["params"]) for g in groups) == len(names) - 2
    before = {n: np.array(p.array) for n, p in model.named_parameters()}
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 4)).astype(np.float32)
    out = model(nnlab.from_numpy(X)).shape[1]
    assert out == 2 and dict(model.named_parameters())[names[-1]] is head.bias
    y = rng.integers(0, out, 64)
    Trainer(model, nn.CrossEntropyLoss(), optim.SGD(groups, lr=0.1), quiet=True).fit(
        DataLoader(TensorDataset(X, y), batch_size=16), epochs=1)
    after = dict(model.named_parameters())
    assert np.array_equal(before[names[0]], after[names[0]].array)
    assert not np.array_equal(before[names[-1]], after[names[-1]].array)


def test_bad_names():
    with pytest.raises(ValueError, match="has no submodule 'nope'"):
        freeze(MLP((2, 2)), ["nope"])
    with pytest.raises(ValueError, match="every parameter is frozen"):
        layerwise_param_groups(freeze(MLP((2, 2))), {}, 0.1)
