"""Named runs of the generative models: ``nnlab train --model vae | dcgan | dbn`` on the bundled digits.

Each run folder ``<out>/<name>/`` holds ``config.json``, ``model.safetensors``,
``history.json``, ``metrics.json``, ``curves.png`` and the model's figures:

- ``vae``: a VAE (latent size 8) trained on the ELBO; metrics: test ELBO in nats per
  digit, reconstruction error; figures: ``samples.png``, ``reconstructions.png``,
  ``interpolation.png``.
- ``dcgan``: a DCGAN-style pair on the digits scaled to [−1, 1]; a separately trained
  digit classifier (the judge) scores every epoch: Fréchet distance of its features
  against held-out digits (``val_fid``), the share of samples it recognizes with ≥ 90 %
  confidence and the classes they cover; figure: ``samples.png``.
- ``dbn``: a deep belief network (64-256-128) pretrained greedily on the unlabelled
  training digits, fine-tuned on ``labels`` labelled ones, against the same network from
  a random initialization; figures: ``samples.png`` (Gibbs samples), ``filters.png``.
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass

import numpy as np

from nnlab import optim
from nnlab.backend import manual_seed
from nnlab.data import DataLoader, TensorDataset, get_dataset
from nnlab.io import save
from nnlab.ops.creation import as_tensor
from nnlab.models.generative import (
    GAN, VAE, DCGANDiscriminator, DCGANGenerator, DeepBeliefNetwork, GANStep, fine_tune, frechet_distance,
    reconstruction_error, save_image_grid, sigmoid_classifier, train_digit_judge,
)
from nnlab.io.run_folder import write_run_json
from nnlab.runs import RunResult
from nnlab.train import Trainer, accuracy, plot_history

GENERATIVE_MODELS = ("vae", "dcgan", "dbn")
#: Learning rates when none is given: Adam for the VAE, Adam(β₁ = 0.5) for both GAN players
#: (Radford et al.), Adam for the DBN's fine-tuning (its RBMs use SGD at 0.1).
DEFAULT_LR = {"vae": 1e-3, "dcgan": 2e-4, "dbn": 3e-3}
DEFAULT_LATENT = {"vae": 8, "dcgan": 16, "dbn": 0}
DBN_SIZES = (64, 256, 128)
DBN_PRETRAIN_EPOCHS = 20


@dataclass
class GenerativeConfig:
    """A generative run. ``latent_dim`` None takes the model's default (VAE 8, DCGAN 16).

    Args:
        model: ``"vae"``, ``"dcgan"`` or ``"dbn"``. epochs: training (DBN: fine-tuning) epochs.
        batch_size, lr (default :data:`DEFAULT_LR`), seed, out, name: as for ``RunConfig``.
        latent_dim: z's size (≥ 1). k: GAN discriminator steps per generator step (≥ 1).
        gan_loss: ``"non_saturating"`` or ``"minimax"``. label_smoothing: one-sided, GAN only.
        labels: labelled training digits for the DBN's fine-tuning (stratified). Default: 100.
    """

    model: str = "vae"
    epochs: int = 100
    batch_size: int = 32
    lr: float | None = None
    latent_dim: int | None = None
    k: int = 1
    gan_loss: str = "non_saturating"
    label_smoothing: float = 0.1
    labels: int = 100
    seed: int = 0
    out: str = "runs"
    name: str = ""

    def __post_init__(self) -> None:
        if self.model not in GENERATIVE_MODELS:
            raise ValueError(f"unknown generative model {self.model!r}; choose one of {', '.join(GENERATIVE_MODELS)}")
        if self.lr is None:
            self.lr = DEFAULT_LR[self.model]
        if self.latent_dim is None:
            self.latent_dim = DEFAULT_LATENT[self.model]
        for key in ("epochs", "batch_size"):
            if getattr(self, key) <= 0:
                raise ValueError(f"{key} must be positive, got {getattr(self, key)}")
        if self.lr <= 0:
            raise ValueError(f"lr must be positive, got {self.lr}")
        if self.model != "dbn" and self.latent_dim < 1:
            raise ValueError(f"{self.model}: the latent size must be >= 1, got {self.latent_dim}")
        if self.k < 1:
            raise ValueError(f"{self.model}: k (discriminator steps per generator step) must be >= 1, got {self.k}")
        if self.labels < 10:
            raise ValueError(f"dbn: labels must be >= 10 (one per class), got {self.labels}")
        if not self.name:
            self.name = f"{self.model}-digits"

    @property
    def run_dir(self) -> str:
        return os.path.join(self.out, self.name)


def _vae(config: GenerativeConfig, data, quiet: bool, run_dir: str) -> tuple:
    vae = VAE(64, latent_dim=config.latent_dim)
    trainer = Trainer(vae, optimizer=optim.Adam(vae.parameters(), lr=config.lr), quiet=quiet)
    history = trainer.fit(DataLoader(TensorDataset(data.X_train), config.batch_size, shuffle=True),
                          DataLoader(TensorDataset(data.X_dev), 512), epochs=config.epochs)
    vae.eval()
    X_test = data.X_test
    metrics = {"test_elbo_nats": float(vae.elbo(X_test, samples=10).mean()),
               "test_recon_mse": float(reconstruction_error(vae, X_test).mean())}
    save_image_grid(vae.sample(50), os.path.join(run_dir, "samples.png"), title="VAE samples, z ~ N(0, I)")
    pairs = np.concatenate([X_test[:10], vae(as_tensor(X_test[:10])).array])
    save_image_grid(pairs, os.path.join(run_dir, "reconstructions.png"), row_labels=["test", "VAE"])
    lines = [vae.interpolate(X_test[a], X_test[b], 10) for a, b in ((0, 1), (2, 3), (4, 5))]
    save_image_grid(np.concatenate(lines), os.path.join(run_dir, "interpolation.png"),
                    title="latent interpolation μ(a) → μ(b)")
    return vae, history, metrics


def _dcgan(config: GenerativeConfig, data, quiet: bool, run_dir: str) -> tuple:
    judge = train_digit_judge(data.X_train, data.y_train)
    dev_features = judge.features(data.X_dev)

    def evaluate(gan: GAN, _x) -> dict:
        samples = (gan.sample(1000) + 1) / 2
        verdict = judge.verdict(samples)
        return {"fid": frechet_distance(judge.features(samples), dev_features),
                "confident": verdict["confident_share"], "classes": verdict["classes_covered"]}

    gan = GAN(DCGANGenerator(config.latent_dim, (1, 8, 8), 32), DCGANDiscriminator((1, 8, 8), 32))
    betas = (0.5, 0.999)
    step = GANStep(gan, optim.Adam(gan.generator.parameters(), lr=config.lr, betas=betas),
                   optim.Adam(gan.discriminator.parameters(), lr=config.lr, betas=betas), k=config.k,
                   loss=config.gan_loss, label_smoothing=config.label_smoothing, evaluate=evaluate)
    images = (data.X_train.reshape(-1, 1, 8, 8) * 2 - 1).astype(np.float32)
    history = Trainer(gan, step_fn=step, quiet=quiet).fit(
        DataLoader(TensorDataset(images), config.batch_size * config.k, shuffle=True),
        DataLoader(TensorDataset(images[:1]), 1), epochs=config.epochs)
    samples = (gan.sample(1000) + 1) / 2
    verdict = judge.verdict(samples)
    real = judge.verdict(data.X_test)
    metrics = {"judge_test_accuracy": accuracy(data.y_test, judge.probs(data.X_test)),
               "fid_first_epoch": history["val_fid"][0],
               "fid_test": frechet_distance(judge.features(samples), judge.features(data.X_test)),
               "fid_real_dev_vs_test": frechet_distance(dev_features, judge.features(data.X_test)),
               "confident_share": verdict["confident_share"], "classes_covered": verdict["classes_covered"],
               "real_confident_share": real["confident_share"]}
    order = np.argsort(judge.probs(samples[:100]).argmax(1), kind="stable")
    save_image_grid(samples[:100][order], os.path.join(run_dir, "samples.png"),
                    title="DCGAN samples, sorted by the judge's class")
    return gan, history, metrics


def _dbn(config: GenerativeConfig, data, quiet: bool, run_dir: str) -> tuple:
    rng = np.random.default_rng(config.seed)
    per_class = config.labels // 10
    idx = np.concatenate([rng.choice(np.flatnonzero(data.y_train == c), per_class, replace=False) for c in range(10)])
    X, y = data.X_train[idx], data.y_train[idx]
    dbn = DeepBeliefNetwork(DBN_SIZES)
    dbn.pretrain(data.X_train, epochs=DBN_PRETRAIN_EPOCHS, quiet=quiet)  # unlabelled: every training digit
    clf = dbn.classifier(10)
    history = fine_tune(clf, X, y, epochs=config.epochs, lr=config.lr, batch_size=config.batch_size, quiet=quiet)
    baseline = sigmoid_classifier(DBN_SIZES, 10)
    fine_tune(baseline, X, y, epochs=config.epochs, lr=config.lr, batch_size=config.batch_size, quiet=True)
    clf.eval()
    baseline.eval()
    metrics = {"labels": float(len(y)),
               "test_accuracy_pretrained": accuracy(data.y_test, clf(as_tensor(data.X_test)).array),
               "test_accuracy_random_init": accuracy(data.y_test, baseline(as_tensor(data.X_test)).array)}
    save_image_grid(dbn.sample(50, steps=500), os.path.join(run_dir, "samples.png"),
                    title="DBN samples: Gibbs in the top RBM, then down")
    w = dbn.rbms[0].weight.array[:50]
    lo, hi = w.min(axis=1, keepdims=True), w.max(axis=1, keepdims=True)
    save_image_grid((w - lo) / (hi - lo + 1e-12), os.path.join(run_dir, "filters.png"), title="first RBM's filters")
    model = _Pair(dbn, clf)
    return model, history, metrics


class _Pair:
    """The DBN and its fine-tuned classifier saved as one state_dict (``dbn.*``, ``classifier.*``)."""

    def __init__(self, dbn, classifier) -> None:
        self.dbn, self.classifier = dbn, classifier

    def state_dict(self) -> dict:
        return {**{f"dbn.{k}": v for k, v in self.dbn.state_dict().items()},
                **{f"classifier.{k}": v for k, v in self.classifier.state_dict().items()}}


RUNNERS = {"vae": _vae, "dcgan": _dcgan, "dbn": _dbn}


def train_generative(config: GenerativeConfig, quiet: bool = False) -> RunResult:
    """Train the generative model ``config`` describes on the digits and write its run folder."""
    manual_seed(config.seed)
    data = get_dataset("digits")
    os.makedirs(config.run_dir, exist_ok=True)
    start = time.perf_counter()
    model, history, metrics = RUNNERS[config.model](config, data, quiet, config.run_dir)
    metrics = {k: float(v) for k, v in metrics.items()}
    metrics["train_seconds"] = time.perf_counter() - start
    metrics["epochs_run"] = float(len(history))
    write_run_json(os.path.join(config.run_dir, "config.json"), dataclasses.asdict(config))
    save(model.state_dict(), os.path.join(config.run_dir, "model.safetensors"))
    history.to_json(os.path.join(config.run_dir, "history.json"))
    write_run_json(os.path.join(config.run_dir, "metrics.json"), metrics)
    plot_history(history, os.path.join(config.run_dir, "curves.png"))
    return RunResult(config.run_dir, metrics, history, model)


def cli_train(args) -> int:
    """``nnlab train --model vae|dcgan|dbn``: build the config from the parsed options, train, report."""
    config = GenerativeConfig(model=args.model, epochs=args.epochs, batch_size=args.batch_size or GenerativeConfig.batch_size, lr=args.lr,
                              latent_dim=args.latent_dim, k=args.k, seed=args.seed, out=args.out, name=args.name)
    print(f"nnlab train: {config.model} on the digits, lr={config.lr}, seed {config.seed}")
    result = train_generative(config, quiet=args.quiet)
    for key, value in result.metrics.items():
        print(f"{key}: {value:.4f}")
    print(f"saved: {result.run_dir}/ (model.safetensors, config.json, history.json, metrics.json, curves.png, "
          f"samples.png, ...)")
    return 0
