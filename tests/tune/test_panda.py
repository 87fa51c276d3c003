import numpy as np

import nnlab
from nnlab import nn, optim
from nnlab.data import DataLoader, TensorDataset
from nnlab.models import MLP
from nnlab.train import Trainer
from nnlab.tune.panda import checkpoint_run, plot_resumed, resume_with


def _setup():
    nnlab.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((128, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
    model = MLP((4, 8, 2))
    return Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.5), quiet=True), loader


def test_resume_with_new_lr_keeps_a_continuous_history(tmp_path):
    trainer, loader = _setup()
    trainer.fit(loader, loader, epochs=3)
    ckpt = str(tmp_path / "ckpt.safetensors")
    checkpoint_run(ckpt, trainer, epoch=3)
    trainer2, loader2 = _setup()  # a fresh process would rebuild the same objects
    hist = resume_with(ckpt, trainer2, loader2, loader2, epochs=6, changes={"lr": 0.05})
    assert hist.epoch == [0, 1, 2, 3, 4, 5]
    assert hist["lr"] == [0.5, 0.5, 0.5, 0.05, 0.05, 0.05]
    assert hist["val_loss"][:3] == trainer.history["val_loss"]
    assert hist["val_loss"][-1] < hist["val_loss"][0]
    plot_resumed(hist, 3, str(tmp_path / "panda.png"))
    assert (tmp_path / "panda.png").exists()
