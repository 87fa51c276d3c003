"""The learning-rate range test: exponential sweep, divergence stop, state restored, a sensible suggestion."""

import numpy as np

import nnlab
from nnlab import nn
from nnlab.data import DataLoader, TensorDataset
from nnlab.train import lr_find


def test_range_test_sweeps_stops_at_divergence_restores_state_and_plots(tmp_path):
    nnlab.manual_seed(0)
    g = np.random.default_rng(0)
    X = g.standard_normal((256, 8)).astype(np.float32)
    y = (X @ g.standard_normal(8) > 0).astype(np.int64)
    loader = DataLoader(TensorDataset(nnlab.tensor(X), nnlab.tensor(y)), batch_size=32, shuffle=True)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    opt = nnlab.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    res = lr_find(model, nn.CrossEntropyLoss(), opt, loader, start_lr=1e-4, end_lr=100.0, num_iter=60)
    ratios = np.array(res.lrs[1:]) / np.array(res.lrs[:-1])
    np.testing.assert_allclose(ratios, (100.0 / 1e-4) ** (1 / 59), rtol=1e-9)
    assert len(res.lrs) < 60  # the loss blew up before the end of the sweep, and the test stopped
    assert max(res.smoothed[-1], res.losses[-1]) > 4 * min(res.smoothed) or not np.isfinite(res.losses[-1])
    assert 1e-3 <= res.suggestion <= 10.0 and res.smoothed[res.lrs.index(res.suggestion)] < res.smoothed[0]
    assert all(np.array_equal(model.state_dict()[k].numpy(), v) for k, v in before.items())
    assert opt.param_groups[0]["lr"] == 0.01 and not opt.state
    assert (tmp_path / "lr.png").exists() is False and res.plot(tmp_path / "lr.png").endswith("lr.png")
    assert (tmp_path / "lr.png").stat().st_size > 1000
