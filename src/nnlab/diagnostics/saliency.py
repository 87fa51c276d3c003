"""Where a CNN looks: saliency maps (input gradients) and Grad-CAM, and a figure of both.

- Saliency: S(x) = max_c |∂y_k / ∂x_c| over channels c, for the class score y_k (Simonyan et al.).
- Grad-CAM: for a convolutional layer's maps A^m (M maps), the weights
  α_m = mean_{i,j} ∂y_k / ∂A^m_{ij}, and L = ReLU(Σ_m α_m A^m), upsampled to the input size
  (nearest neighbour) and scaled to [0, 1].
"""

from __future__ import annotations

import numpy as np

from nnlab.ops.creation import as_tensor
from nnlab.nn.module import Module


def _score(model: Module, x: np.ndarray, label: int | None):
    out = model(x)
    k = int(np.argmax(out.array[0])) if label is None else int(label)
    if not 0 <= k < out.shape[1]:
        raise ValueError(f"saliency: label {k} out of range for {out.shape[1]} outputs")
    return out[0, k], k


def _one(image) -> np.ndarray:
    x = np.asarray(image, dtype=np.float32)
    if x.ndim == 3:
        x = x[None]
    if x.ndim != 4 or x.shape[0] != 1:
        raise ValueError(f"saliency: expected one image (C, H, W) or (1, C, H, W), got shape {x.shape}")
    return x


def saliency_map(model: Module, image, label: int | None = None) -> np.ndarray:
    """max over channels of |∂ score / ∂ input|, shape (H, W); ``label`` defaults to the predicted class."""
    x = as_tensor(_one(image)).requires_grad_(True)
    was = model.training
    model.eval()
    try:
        score, _ = _score(model, x, label)
        score.backward()
    finally:
        model.train(was)
    return np.abs(np.asarray(x.grad.array if hasattr(x.grad, "array") else x.grad))[0].max(axis=0)


def grad_cam(model: Module, layer: Module, image, label: int | None = None) -> np.ndarray:
    """Grad-CAM of ``layer`` (a conv module inside ``model``) for ``label``, shape (H, W) in [0, 1]."""
    x = _one(image)
    maps = {}

    def keep(_module, _args, output):
        output.retain_grad()
        maps["A"] = output

    handle = layer.register_forward_hook(keep)
    was = model.training
    model.eval()
    try:
        score, _ = _score(model, as_tensor(x), label)
        if "A" not in maps:
            raise ValueError("grad_cam: the given layer did not run in the model's forward pass")
        score.backward()
    finally:
        handle.remove()
        model.train(was)
    A = np.asarray(maps["A"].array)[0]
    dA = np.asarray(maps["A"].grad.array)[0]
    cam = np.maximum((dA.mean(axis=(1, 2))[:, None, None] * A).sum(axis=0), 0.0)
    H, W = x.shape[-2:]
    rows = np.arange(H) * cam.shape[0] // H
    cols = np.arange(W) * cam.shape[1] // W
    cam = cam[rows][:, cols]
    return cam / cam.max() if cam.max() > 0 else cam


def plot_maps(images, maps_by_name: dict[str, list[np.ndarray]], path: str) -> None:
    """A figure: one row per image, its picture then each named map."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = 1 + len(maps_by_name)
    fig, axes = plt.subplots(len(images), cols, figsize=(2 * cols, 2 * len(images)), squeeze=False)
    for r, img in enumerate(images):
        axes[r][0].imshow(np.asarray(img).mean(axis=0), cmap="gray")
        for c, (name, maps) in enumerate(maps_by_name.items(), start=1):
            axes[r][c].imshow(maps[r], cmap="inferno")
            axes[r][c].set_title(name if r == 0 else "")
        for ax in axes[r]:
            ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
