"""TensorBoard: the callback's and writer's event files, read back with TensorBoard's own reader."""

from __future__ import annotations

import glob
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from tensorboard.backend.event_processing import event_accumulator  # noqa: E402
from tensorboard.plugins.hparams import plugin_data_pb2  # noqa: E402

import nnlab  # noqa: E402
from nnlab import nn, optim  # noqa: E402
from nnlab.data import DataLoader, TensorDataset  # noqa: E402
from nnlab.train import SummaryWriter, TensorBoard, Trainer  # noqa: E402

_rng = np.random.default_rng(0)
X = _rng.standard_normal((48, 4)).astype(np.float32)
Y = (X[:, 0] > 0).astype(np.int64)


def _read(log_dir):
    acc = event_accumulator.EventAccumulator(log_dir, size_guidance={"scalars": 0, "histograms": 0, "images": 0})
    acc.Reload()
    return acc


def test_callback_writes_epoch_scalars_and_histograms_readable_by_tensorboard(tmp_path):
    nnlab.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    loader = DataLoader(TensorDataset(X, Y), batch_size=16, shuffle=True)
    dev = DataLoader(TensorDataset(X[:16], Y[:16]), batch_size=16)
    log_dir = tmp_path / "tb"
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), quiet=True,
                      callbacks=[TensorBoard(log_dir, hparams={"lr": 0.1, "optimizer": "sgd"})])
    history = trainer.fit(loader, dev, epochs=3)

    acc = _read(str(log_dir))
    tags = acc.Tags()
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "lr"):
        events = acc.Scalars(key)
        assert [e.step for e in events] == [0, 1, 2]
        np.testing.assert_allclose([e.value for e in events], history[key], rtol=1e-6)
    assert "weights/0.weight" in tags["histograms"] and "grads/2.bias" in tags["histograms"]
    last = acc.Histograms("weights/0.weight")[-1].histogram_value
    assert last.num == 32  # 8 x 4 weights
    np.testing.assert_allclose([last.min, last.max], [model[0].weight.array.min(), model[0].weight.array.max()],
                               rtol=1e-6)
    grad = acc.Histograms("grads/2.bias")[-1].histogram_value
    assert grad.num == 2 and abs(grad.sum - float(model[2].bias.grad.array.sum())) < 1e-5

    # The hyperparameters and the last epoch's metrics, as TensorBoard's HPARAMS plugin stores them.
    hp_dirs = [d for d in glob.glob(str(log_dir / "hparams*")) if os.path.isdir(d)]
    assert len(hp_dirs) == 1
    hp = _read(hp_dirs[0])
    content = hp.PluginTagToContent("hparams")
    infos = [plugin_data_pb2.HParamsPluginData.FromString(c) for c in content.values()]
    start = next(i.session_start_info for i in infos if i.HasField("session_start_info"))
    assert start.hparams["optimizer"].string_value == "sgd"
    assert start.hparams["lr"].number_value == 0.1
    metric = hp.Scalars("hparam/val_loss")[-1].value
    assert abs(metric - history["val_loss"][-1]) < 1e-6


def test_writer_images_figures_and_errors(tmp_path):
    img = np.zeros((3, 5, 7), dtype=np.float32)
    img[0, 1, 2] = 1.0
    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
    ax.plot([0, 1], [1, 0])
    with SummaryWriter(tmp_path) as w:
        w.add_image("sample", img, step=4)
        w.add_figure("curve", fig, step=1)
        w.add_scalar("x", nnlab.tensor(2.5), step=0)
        for bad, call in ((np.zeros((2, 2)), lambda v: w.add_scalar("bad", v, 0)),
                          (np.zeros((5, 7)), lambda v: w.add_image("bad", v, 0))):
            try:
                call(bad)
            except ValueError as e:
                assert "bad" in str(e) and str(bad.shape) in str(e)
            else:
                raise AssertionError("expected a ValueError")
    acc = _read(str(tmp_path))
    image = acc.Images("sample")[0]
    assert (image.step, image.width, image.height) == (4, 7, 5)
    figure = acc.Images("curve")[0]
    assert (figure.width, figure.height) == (100, 75)
    assert acc.Scalars("x")[0].value == 2.5
