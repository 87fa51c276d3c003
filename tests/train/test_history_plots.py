"""History bookkeeping and JSON round trip; plot_history writes a real PNG."""

from __future__ import annotations

import math
import struct

import pytest

from nnlab.train.history import History
from nnlab.train.plots import plot_history


def _history():
    h = History()
    h.append(0, {"loss": 1.0, "accuracy": 0.5, "lr": 0.1, "time": 0.2})
    h.append(1, {"loss": 0.7, "accuracy": 0.6, "val_loss": 0.9, "val_accuracy": 0.55, "lr": 0.1, "time": 0.2})
    h.append(2, {"loss": 0.5, "accuracy": 0.8, "val_loss": 0.8, "val_accuracy": 0.7, "lr": 0.05, "time": 0.3})
    return h


def test_append_pads_missing_keys_with_nan():
    h = _history()
    assert len(h) == 3 and h.epoch == [0, 1, 2]
    assert h["loss"] == [1.0, 0.7, 0.5]
    assert math.isnan(h["val_loss"][0]) and h["val_loss"][1:] == [0.9, 0.8]
    h.append(3, {"loss": 0.4})
    assert math.isnan(h["accuracy"][3]) and all(len(v) == 4 for v in h.history.values())
    assert h.last()["loss"] == 0.4
    with pytest.raises(KeyError, match="no 'f1' recorded"):
        h["f1"]


def test_best_and_json_round_trip(tmp_path):
    h = _history()
    assert h.best("val_loss") == (2, 0.8)
    assert h.best("loss", mode="max") == (0, 1.0)
    text = h.to_json(tmp_path / "h.json")
    for back in (History.from_json(text), History.from_json(tmp_path / "h.json")):
        assert back.epoch == h.epoch
        assert back["loss"] == h["loss"] and math.isnan(back["val_loss"][0]) and back["val_loss"][1:] == [0.9, 0.8]
    with pytest.raises(ValueError, match="'loss' has 1 values for 2 epochs"):
        History.from_dict({"epoch": [0, 1], "history": {"loss": [1.0]}})


def test_plot_history_writes_png(tmp_path):
    import matplotlib

    backend = matplotlib.get_backend()
    path = plot_history(_history(), tmp_path / "curves.png", title="run")
    data = (tmp_path / "curves.png").read_bytes()
    assert path.endswith("curves.png")
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1000, 400)  # two panels (loss, accuracy) of 5x4 inches at 100 dpi
    assert matplotlib.get_backend() == backend  # no global backend switch
    with pytest.raises(ValueError, match="none of \\['f1'\\] was recorded"):
        plot_history(_history(), tmp_path / "x.png", metrics=["f1"])
