"""Hand-made convolution filters: the edge detectors a CNN's first layer learns by itself.

A "convolution" in deep learning is a cross-correlation: the kernel slides over the
image and each output is Σ kernel · patch (no flip). With the vertical-edge kernel

    [[1, 0, −1],
     [1, 0, −1],
     [1, 0, −1]]

a bright-to-dark change from left to right gives a large positive response, a uniform
patch gives 0. Its transpose finds horizontal edges. Sobel puts more weight on the
centre row (1, 2, 1), Scharr more still (3, 10, 3), which makes them smoother and more
rotation-symmetric. The gradient magnitude √(Gx² + Gy²) combines both directions.
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.backend import get_default_dtype
from nnlab.ops.creation import from_numpy

VERTICAL = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=np.float64)
SOBEL_X = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=np.float64)
SCHARR_X = np.array([[3, 0, -3], [10, 0, -10], [3, 0, -3]], dtype=np.float64)
LAPLACIAN = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.float64)

#: name → 3×3 kernel. The ``*_x`` kernels respond to vertical edges (change along x).
FILTERS: dict[str, np.ndarray] = {
    "vertical": VERTICAL,
    "horizontal": VERTICAL.T.copy(),
    "sobel_x": SOBEL_X,
    "sobel_y": SOBEL_X.T.copy(),
    "scharr_x": SCHARR_X,
    "scharr_y": SCHARR_X.T.copy(),
    "laplacian": LAPLACIAN,
}


def get_filter(name: str, dtype=None) -> np.ndarray:
    """The 3×3 kernel called ``name`` (see :data:`FILTERS`), as a new array of ``dtype`` (float32)."""
    try:
        kernel = FILTERS[name]
    except KeyError:
        raise ValueError(f"get_filter: unknown filter {name!r}; expected one of {sorted(FILTERS)}") from None
    return kernel.astype(dtype or get_default_dtype())


def _as_batch(image) -> tuple[np.ndarray, int]:
    """(H, W) → (1, 1, H, W); (C, H, W) → (C, 1, H, W), filtering each channel on its own."""
    arr = image.array if isinstance(image, Tensor) else np.asarray(image)
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(get_default_dtype())
    if arr.ndim == 2:
        return arr[None, None], 2
    if arr.ndim == 3:
        return arr[:, None], 3
    raise ValueError(f"filters: expected an image of shape (H, W) or (C, H, W), got shape {arr.shape}")


def apply_filter(image, kernel, padding: int | str = 0) -> np.ndarray:
    """Cross-correlate each channel of ``image`` with a 2-D ``kernel`` (or a name from FILTERS).

    Args:
        image: (H, W) or (C, H, W) array or Tensor.
        kernel: (kH, kW) array, or the name of a filter in :data:`FILTERS`.
        padding: zero padding (int) or ``'same'`` (default 0: 'valid').

    Shape:
        output: (H', W') or (C, H', W') with H' = H − kH + 1 + 2·padding.
    """
    from nnlab.functional import conv2d

    batch, ndim = _as_batch(image)
    k = get_filter(kernel, batch.dtype) if isinstance(kernel, str) else np.asarray(kernel, dtype=batch.dtype)
    if k.ndim != 2:
        raise ValueError(f"apply_filter: kernel must be 2-D, got shape {k.shape}")
    with no_grad():
        out = conv2d(from_numpy(np.ascontiguousarray(batch)), from_numpy(k[None, None]), padding=padding).array
    return out[0, 0] if ndim == 2 else out[:, 0]


def edge_magnitude(image, method: str = "sobel", padding: int | str = "same") -> np.ndarray:
    """√(Gx² + Gy²) with the ``method``'s x and y kernels: ``"sobel"``, ``"scharr"`` or ``"simple"``.

    ``"simple"`` uses the plain vertical/horizontal kernels. A colour image (3, H, W) is
    first turned into grey by averaging its channels.
    """
    pairs = {"sobel": ("sobel_x", "sobel_y"), "scharr": ("scharr_x", "scharr_y"), "simple": ("vertical", "horizontal")}
    if method not in pairs:
        raise ValueError(f"edge_magnitude: unknown method {method!r}; expected one of {sorted(pairs)}")
    arr = image.array if isinstance(image, Tensor) else np.asarray(image)
    if arr.ndim == 3:
        arr = arr.mean(axis=0)
    gx = apply_filter(arr, pairs[method][0], padding)
    gy = apply_filter(arr, pairs[method][1], padding)
    return np.sqrt(gx * gx + gy * gy)
