"""Autoencoders and the VAE doing the jobs the seeds give generative models, on the bundled digits.

1. Reconstruction error vs code size (undercomplete MLP autoencoders, and one conv autoencoder).
2. Anomaly detection: an autoencoder trained without one digit class scores the held-out
   class by reconstruction error (ROC AUC, each class held out in turn); and clean vs
   corrupted test digits.
3. Missing-data imputation: 30 % of the test pixels hidden, filled in by a denoising
   autoencoder, against filling with the per-pixel training mean.
4. The VAE: test ELBO in nats, new digits sampled from the prior, latent interpolation.

    python examples/autoencoder_jobs.py [OUT_DIR]     (figures go to OUT_DIR, default figures/)
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

import nnlab
from nnlab import optim
from nnlab.data import DataLoader, TensorDataset, get_dataset
from nnlab.models.generative import (
    VAE, Autoencoder, ConvAutoencoder, impute, reconstruction_error, roc_auc, save_image_grid,
)
from nnlab.train import Trainer


def fit(model, X, epochs, lr=1e-3, batch_size=32):
    Trainer(model, optimizer=optim.Adam(model.parameters(), lr=lr), quiet=True).fit(
        DataLoader(TensorDataset(X), batch_size=batch_size, shuffle=True), epochs=epochs)
    return model


def code_sizes(data, epochs):
    print("1. reconstruction error (test MSE per pixel) vs code size")
    rows = {}
    for k in (2, 4, 8, 16, 32):
        nnlab.manual_seed(0)
        ae = fit(Autoencoder(64, k, hidden=(128,)), data.X_train, epochs)
        rows[f"MLP, code {k}"] = float(reconstruction_error(ae, data.X_test).mean())
    nnlab.manual_seed(0)
    images = lambda X: X.reshape(-1, 1, 8, 8)  # noqa: E731
    conv = fit(ConvAutoencoder((1, 8, 8), 8), images(data.X_train), epochs)
    rows["conv, code 8"] = float(reconstruction_error(conv, images(data.X_test)).mean())
    rows["mean image (no model)"] = float(((data.X_test - data.X_train.mean(0)) ** 2).mean())
    for name, err in rows.items():
        print(f"   {name:<24} {err:.4f}")
    return rows


def anomalies(data, epochs):
    print("2. anomaly detection by reconstruction error (ROC AUC)")
    aucs = []
    for held_out in range(10):
        nnlab.manual_seed(0)
        normal = data.X_train[data.y_train != held_out]
        ae = fit(Autoencoder(64, 8, hidden=(128,)), normal, epochs)
        scores = reconstruction_error(ae, data.X_test)
        aucs.append(roc_auc(scores, data.y_test == held_out))
    print("   held-out class:  " + "  ".join(f"{c}: {a:.3f}" for c, a in enumerate(aucs)))
    print(f"   mean over the 10 classes: {np.mean(aucs):.3f} (min {min(aucs):.3f}, max {max(aucs):.3f})")
    nnlab.manual_seed(0)
    ae = fit(Autoencoder(64, 8, hidden=(128,)), data.X_train, epochs)
    rng = np.random.default_rng(0)
    corrupted = np.clip(data.X_test + rng.normal(0, 0.25, data.X_test.shape), 0, 1).astype(np.float32)
    both = np.concatenate([data.X_test, corrupted])
    label = np.r_[np.zeros(len(data.X_test)), np.ones(len(corrupted))]
    auc_noise = roc_auc(reconstruction_error(ae, both), label)
    print(f"   clean vs corrupted (Gaussian noise σ = 0.25, clipped): {auc_noise:.3f}")
    return aucs, auc_noise


def imputation(data, epochs, out):
    print("3. imputation of 30 % missing pixels (MSE on the missing pixels)")
    nnlab.manual_seed(0)
    dae = fit(Autoencoder(64, 16, hidden=(128,), noise="mask", noise_level=0.3), data.X_train, epochs)
    missing = np.random.default_rng(1).random(data.X_test.shape) < 0.3
    mean = data.X_train.mean(0)
    filled = impute(dae, data.X_test, missing, fill=mean)
    err_dae = float(((filled - data.X_test)[missing] ** 2).mean())
    err_mean = float(((np.broadcast_to(mean, data.X_test.shape) - data.X_test)[missing] ** 2).mean())
    print(f"   denoising autoencoder {err_dae:.4f}   per-pixel mean {err_mean:.4f}   ratio {err_dae / err_mean:.2f}")
    shown = np.where(missing[:10], 0.5, data.X_test[:10])
    save_image_grid(np.concatenate([data.X_test[:10], shown, filled[:10]]), os.path.join(out, "imputation.png"),
                    row_labels=["truth", "30% hidden", "DAE fill"], title="imputation by a denoising autoencoder")
    return err_dae, err_mean


def vae_job(data, epochs, out):
    print("4. the VAE (latent size 8)")
    nnlab.manual_seed(0)
    vae = fit(VAE(64, latent_dim=8), data.X_train, epochs)
    vae.eval()
    elbo = float(vae.elbo(data.X_test, samples=10).mean())
    print(f"   test ELBO {elbo:.2f} nats per digit (Bernoulli likelihood on grey levels in [0, 1])")
    save_image_grid(vae.sample(50), os.path.join(out, "vae_samples.png"), title="VAE: new digits, z ~ N(0, I)")
    lines = [vae.interpolate(data.X_test[a], data.X_test[b], 10) for a, b in ((0, 1), (2, 3), (4, 5), (6, 7))]
    save_image_grid(np.concatenate(lines), os.path.join(out, "vae_interpolation.png"),
                    title="VAE: decoding the line μ(a) → μ(b)")
    return elbo


def main(out: str = "figures", epochs: int = 50) -> dict:
    os.makedirs(out, exist_ok=True)
    data = get_dataset("digits")
    start = time.perf_counter()
    result = {"recon_vs_code": code_sizes(data, epochs), "anomaly": anomalies(data, epochs),
              "imputation": imputation(data, epochs, out), "elbo": vae_job(data, 2 * epochs, out)}
    print(f"figures in {out}/ ({time.perf_counter() - start:.0f} s)")
    return result


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "figures")
