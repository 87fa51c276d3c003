"""CLI: `nnlab train --model unet|unet-noskip|fcn --dataset shapes-seg` writes a run with scores and a figure."""

import dataclasses
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nnlab.cli import build_parser, main
from nnlab.models.segmentation import run as segmentation_run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("model", ["unet", "fcn"])
def test_train_segmentation_run(model, tmp_path, monkeypatch, capsys):
    original = segmentation_run.train_segmentation_run

    def tiny(config, quiet=False):  # the CLI path with a small data set and network
        return original(dataclasses.replace(config, n_train=24, n_test=6, image_size=32, depth=2, width=4),
                        quiet=quiet)

    monkeypatch.setattr(segmentation_run, "train_segmentation_run", tiny)
    rc = main(["train", "--model", model, "--dataset", "shapes-seg", "--epochs", "2", "--batch-size", "8",
               "--out", str(tmp_path), "--quiet"])
    assert rc == 0
    run_dir = tmp_path / f"{model}-shapes-seg"
    for name in ("model.safetensors", "config.json", "history.json", "metrics.json", "predictions.png"):
        assert (run_dir / name).is_file(), name
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert set(metrics["iou"]) == {"background", "circle", "square", "triangle"}
    assert 0.0 <= metrics["miou"] <= 1.0 and 0.0 < metrics["pixel_accuracy"] <= 1.0 and metrics["epochs"] == 2
    assert metrics["train_cpu_seconds"] > 0
    history = json.loads((run_dir / "history.json").read_text())
    assert len(history["history"]["loss"]) == 2 and "pixel_accuracy" in history["history"]
    config = json.loads((run_dir / "config.json").read_text())
    assert config["model"] == model and config["batch_size"] == 8
    width, height = Image.open(run_dir / "predictions.png").size
    assert width > 300 and height > 6 * 100  # three panels a row, six held-out images
    assert "held-out mIoU" in capsys.readouterr().out


def test_segmentation_names_in_the_parser_and_a_clear_mismatch_error(tmp_path, capsys):
    args = build_parser().parse_args(["train", "--model", "unet-noskip", "--dataset", "shapes-seg"])
    assert args.model == "unet-noskip" and args.dataset == "shapes-seg"
    assert main(["train", "--model", "unet", "--dataset", "digits", "--out", str(tmp_path)]) == 1
    assert "segmentation runs train" in capsys.readouterr().err


def test_load_segmenter_and_the_example(tmp_path):
    config = segmentation_run.SegmentationRunConfig(n_train=8, n_test=4, image_size=16, depth=2, width=4, epochs=1,
                                                    batch_size=4, out=str(tmp_path))
    metrics = segmentation_run.train_segmentation_run(config, quiet=True)
    model, loaded = segmentation_run.load_segmenter(config.run_dir)
    assert loaded == config
    test = segmentation_run.run_data(config)[1]
    scores = segmentation_run.evaluate_segmenter(model, test.images, test.targets_array(), 4)
    assert scores.miou == pytest.approx(metrics["miou"]) and scores.pixel_accuracy == pytest.approx(
        metrics["pixel_accuracy"])
    assert np.array_equal(segmentation_run.segment(model, test.images[:2]).shape, (2, 16, 16))
    with pytest.raises(FileNotFoundError, match="is not a run folder"):
        segmentation_run.load_segmenter(str(tmp_path))
    # The example reuses run folders: scores them on the held-out set and draws the comparison.
    spec = importlib.util.spec_from_file_location("unet_shapes", EXAMPLES / "unet_shapes.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    out = tmp_path / "compare.png"
    results = example.main(str(out), [config.run_dir], shown=1)
    assert results["unet"]["miou"] == pytest.approx(metrics["miou"])
    assert out.read_bytes()[:4] == b"\x89PNG"
