"""CLI: `nnlab train --model yolo --dataset shapes` writes a run; `nnlab detect RUN_DIR image.png` draws on it."""

import dataclasses
import json
import os

import numpy as np
from PIL import Image

from nnlab.cli import main
from nnlab.models.detection import run as detection_run


def test_train_yolo_then_detect(tmp_path, monkeypatch, capsys):
    original = detection_run.train_detection_run

    def tiny(config, quiet=False):  # the CLI path with a small data set and network
        return original(dataclasses.replace(config, n_train=48, n_test=8, channels=(4, 4, 8)), quiet=quiet)

    monkeypatch.setattr(detection_run, "train_detection_run", tiny)
    rc = main(["train", "--model", "yolo", "--dataset", "shapes", "--epochs", "1", "--out", str(tmp_path), "--quiet"])
    assert rc == 0
    run_dir = tmp_path / "yolo-shapes"
    for name in ("model.safetensors", "config.json", "history.json", "metrics.json", "predictions.png"):
        assert (run_dir / name).is_file(), name
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert 0.0 <= metrics["map"] <= metrics["map_50"] <= 1.0 and metrics["train_cpu_seconds"] > 0
    assert "mAP@0.5" in capsys.readouterr().out

    image = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (50, 80, 3), dtype=np.uint8)).save(image)
    assert main(["detect", str(run_dir), str(image), "--conf", "0.0"]) == 0
    out = capsys.readouterr().out
    assert "detections; saved" in out and os.path.isfile(tmp_path / "photo_detections.png")
    assert main(["detect", str(tmp_path), str(image)]) == 1  # not a run folder: a clear error, exit 1
