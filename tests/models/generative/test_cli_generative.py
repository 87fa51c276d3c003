"""``nnlab train --model vae | dcgan | dbn`` writes a run folder; bad options fail with a clear message."""

import json

import pytest

from nnlab.cli import main

FILES = {
    "vae": ("samples.png", "reconstructions.png", "interpolation.png"),
    "dcgan": ("samples.png",),
    "dbn": ("samples.png", "filters.png"),
}


@pytest.mark.parametrize("model", ["vae", "dcgan", "dbn"])
def test_train_writes_model_metrics_and_figures(model, tmp_path, monkeypatch):
    import nnlab.runs_generative as rg

    monkeypatch.setattr(rg, "DBN_PRETRAIN_EPOCHS", 1)  # the CLI run's shape, not its full length
    assert main(["train", "--model", model, "--epochs", "1", "--out", str(tmp_path), "--quiet"]) == 0
    run = tmp_path / f"{model}-digits"
    for name in ("model.safetensors", "config.json", "history.json", "metrics.json", "curves.png", *FILES[model]):
        assert (run / name).is_file(), name
        if name.endswith(".png"):
            assert (run / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    metrics = json.loads((run / "metrics.json").read_text())
    history = json.loads((run / "history.json").read_text())["history"]
    if model == "vae":
        assert -200 < metrics["test_elbo_nats"] < 0 and "val_elbo" in history
    if model == "dcgan":
        assert metrics["judge_test_accuracy"] > 0.9
        for key in ("d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm", "val_fid"):
            assert key in history, key
    if model == "dbn":
        assert 0.0 <= metrics["test_accuracy_pretrained"] <= 1.0 and metrics["labels"] == 100


@pytest.mark.parametrize("options, message", [
    (["--model", "vae", "--latent-dim", "0"], "latent size must be >= 1, got 0"),
    (["--model", "dcgan", "--k", "0"], "k (discriminator steps per generator step) must be >= 1, got 0"),
])
def test_bad_options_get_clear_errors(options, message, tmp_path, capsys):
    assert main(["train", *options, "--out", str(tmp_path), "--quiet"]) == 1
    assert message in capsys.readouterr().err
