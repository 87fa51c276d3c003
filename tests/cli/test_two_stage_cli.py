"""CLI: `nnlab train --model faster_rcnn|mask_rcnn --dataset shapes` writes a run that `nnlab detect` reads."""

import dataclasses
import json

import numpy as np
import pytest
from PIL import Image

from nnlab.cli import main
from nnlab.models.detection import two_stage_run


@pytest.mark.parametrize("model", ["faster_rcnn", "mask_rcnn"])
def test_train_two_stage_then_detect(tmp_path, monkeypatch, capsys, model):
    original = two_stage_run.train_two_stage_run

    def tiny(config, quiet=False):  # the CLI path with a small data set and network
        return original(dataclasses.replace(config, n_train=16, n_test=4, channels=(4, 8)), quiet=quiet)

    monkeypatch.setattr(two_stage_run, "train_two_stage_run", tiny)
    rc = main(["train", "--model", model, "--dataset", "shapes", "--epochs", "1", "--batch-size", "8",
               "--out", str(tmp_path), "--quiet"])
    assert rc == 0
    run_dir = tmp_path / f"{model}-shapes"
    extra = ("masks.png",) if model == "mask_rcnn" else ()
    for name in ("model.safetensors", "config.json", "history.json", "metrics.json", "predictions.png") + extra:
        assert (run_dir / name).is_file(), name
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert 0.0 <= metrics["map"] <= metrics["map_50"] <= 1.0 and metrics["seconds_per_image"] > 0
    out = capsys.readouterr().out
    assert "(1000 images, 1 epochs)" in out  # the two-stage default, made tiny by the patch
    assert "mAP@0.5" in out and (("mask IoU" in out) == (model == "mask_rcnn"))
    image = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (48, 40, 3), dtype=np.uint8)).save(image)
    assert main(["detect", str(run_dir), str(image), "--conf", "0.0"]) == 0
    assert "detections; saved" in capsys.readouterr().out
