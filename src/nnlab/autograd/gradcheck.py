"""Gradient checking by two-sided (central) finite differences in float64.

The seeds' check: for each input θ, compare the numerical gradient
dθ_approx[i] = (J(θ + ε e_i) − J(θ − ε e_i)) / 2ε with backprop's dθ by

    difference = ‖dθ_approx − dθ‖₂ / (‖dθ_approx‖₂ + ‖dθ‖₂)

(0/0 — both gradients zero — counts as a pass). A non-scalar output is reduced to
the scalar J = Σ output · v with a fixed random cotangent v, so every element of
the output's vector-Jacobian product is exercised; a tuple of outputs sums one such
term per floating output.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from nnlab.autograd.grad_mode import enable_grad, no_grad
from nnlab.autograd.tensor import Tensor


class GradcheckError(AssertionError):
    """Analytical and numerical gradients disagree."""


def relative_difference(approx, exact) -> float:
    """‖approx − exact‖₂ / (‖approx‖₂ + ‖exact‖₂), with 0/0 taken as 0."""
    approx = np.asarray(approx, dtype=np.float64).ravel()
    exact = np.asarray(exact, dtype=np.float64).ravel()
    denom = np.linalg.norm(approx) + np.linalg.norm(exact)
    if denom == 0.0:
        return 0.0
    return float(np.linalg.norm(approx - exact) / denom)


def _float_outputs(out) -> list[Tensor]:
    """The floating tensors among ``fn``'s outputs (a tensor, or a nested tuple/list of them)."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _float_outputs(o)]
    if isinstance(out, Tensor) and np.issubdtype(out.dtype, np.floating):
        return [out]
    return []


def gradcheck(
    fn: Callable[..., Tensor],
    inputs: Sequence[Tensor] | Tensor,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """Check ``fn``'s backward against central differences for every input that requires grad.

    Args:
        fn: maps the tensors in ``inputs`` to an output tensor or a tuple of them
            (non-floating outputs, such as indices, are ignored).
        inputs: a tensor or a sequence of tensors (and other arguments passed through).
            Floating tensors are copied to float64 for the check.
        eps: the finite-difference step ε (default 1e-6).
        atol, rtol: an input passes when every element satisfies
            |numeric − analytic| ≤ atol + rtol·|numeric|, or when the seeds' relative
            difference is at most ``rtol`` (defaults 1e-5 and 1e-3).
        raise_exception: raise :class:`GradcheckError` on failure (default) instead of returning False.
        seed: seed of the random cotangent used for non-scalar outputs.

    Returns:
        True when every input passes.
    """
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    args = []
    for a in inputs:
        if isinstance(a, Tensor) and np.issubdtype(a.dtype, np.floating):
            args.append(Tensor(a.array.astype(np.float64), requires_grad=a.requires_grad))
        else:
            args.append(a)
    checked = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input tensor has requires_grad=True")

    with enable_grad():
        outs = _float_outputs(fn(*args))
    if not outs:
        raise ValueError("gradcheck: fn returned no floating tensor to differentiate")
    rng = np.random.default_rng(seed)
    cotangents = [np.ones(o.shape) if o.array.size == 1 else rng.standard_normal(o.shape) for o in outs]
    for o, v in zip(outs, cotangents):
        if o.requires_grad:
            o.backward(v, retain_graph=True)

    def value() -> float:
        with no_grad():
            return float(sum(np.sum(o.array * v) for o, v in zip(_float_outputs(fn(*args)), cotangents)))

    for i in checked:
        t = args[i]
        analytic = np.zeros_like(t.array) if t.grad is None else t.grad.array
        numeric = np.zeros_like(t.array)
        flat = t.array.reshape(-1)
        for k in range(flat.size):
            orig = flat[k]
            flat[k] = orig + eps
            plus = value()
            flat[k] = orig - eps
            minus = value()
            flat[k] = orig
            numeric.reshape(-1)[k] = (plus - minus) / (2 * eps)
        diff = relative_difference(numeric, analytic)
        close = np.all(np.abs(numeric - analytic) <= atol + rtol * np.abs(numeric))
        if not (close or diff <= rtol):
            if not raise_exception:
                return False
            worst = int(np.argmax(np.abs(numeric - analytic)))
            raise GradcheckError(
                f"gradcheck: input {i} (shape {t.shape}) — relative difference {diff:.3e}; "
                f"worst element {tuple(int(i) for i in np.unravel_index(worst, t.shape))}: numeric {numeric.reshape(-1)[worst]:.6g} "
                f"vs analytic {analytic.reshape(-1)[worst]:.6g}"
            )
    return True
