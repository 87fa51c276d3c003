"""The one helper through which tests compare nnlab with PyTorch (the pinned CPU build).

``assert_parity(nnlab_fn, torch_fn, *arrays)`` feeds the same float64 arrays to both
functions, compares the outputs, backpropagates the same random cotangent through
each and compares the input gradients. ``assert_module_parity`` does the same for a
layer after copying the weights across by state_dict name.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch

import nnlab

ATOL = 1e-6
RTOL = 1e-5

#: Every broadcasting binary op, as (nnlab function, torch function): shared by the engine's
#: broadcast-gradient tests and the elementwise gradcheck/parity tests.
BINARY_OPS = {
    "add": (nnlab.add, torch.add),
    "sub": (nnlab.sub, torch.sub),
    "mul": (nnlab.mul, torch.mul),
    "div": (nnlab.div, torch.div),
    "pow": (nnlab.pow, torch.pow),
    "maximum": (nnlab.maximum, torch.maximum),
    "minimum": (nnlab.minimum, torch.minimum),
    "where": (
        lambda a, b: nnlab.where(a > b, a, b * 2),
        lambda a, b: torch.where(a > b, a, b * 2),
    ),
}


def to_torch(a: np.ndarray, requires_grad: bool | None = None) -> torch.Tensor:
    t = torch.from_numpy(np.array(a, copy=True))
    if requires_grad is None:
        requires_grad = t.is_floating_point()
    return t.requires_grad_(requires_grad)


def to_nnlab(a: np.ndarray, requires_grad: bool | None = None) -> nnlab.Tensor:
    arr = np.array(a, copy=True)
    if requires_grad is None:
        requires_grad = np.issubdtype(arr.dtype, np.floating)
    return nnlab.Tensor(arr, dtype=arr.dtype, requires_grad=requires_grad)


def _flat_outputs(out) -> list:
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(_flat_outputs(o))
        return res
    return [out]


def assert_parity(
    nnlab_fn: Callable,
    torch_fn: Callable,
    *arrays: np.ndarray,
    grad: bool = True,
    atol: float = ATOL,
    rtol: float = RTOL,
    seed: int = 0,
) -> None:
    """Same inputs → same outputs and same input gradients, to ``atol``/``rtol``.

    Integer arrays pass as non-differentiable inputs (indices, targets).
    """
    ours_in = [to_nnlab(a) for a in arrays]
    theirs_in = [to_torch(a) for a in arrays]
    ours = _flat_outputs(nnlab_fn(*ours_in))
    theirs = _flat_outputs(torch_fn(*theirs_in))
    assert len(ours) == len(theirs), f"{len(ours)} outputs vs torch's {len(theirs)}"
    for k, (o, t) in enumerate(zip(ours, theirs)):
        assert tuple(o.shape) == tuple(t.shape), f"output {k}: shape {o.shape} vs torch {tuple(t.shape)}"
        np.testing.assert_allclose(o.array, t.detach().numpy(), atol=atol, rtol=rtol, err_msg=f"output {k}")
    if not grad:
        return
    rng = np.random.default_rng(seed)
    loss_ours = None
    loss_theirs = 0
    for o, t in zip(ours, theirs):
        if not (o.requires_grad and t.requires_grad):
            continue
        v = rng.standard_normal(o.shape).astype(o.array.dtype)
        term = (o * nnlab.Tensor(v, dtype=v.dtype)).sum()
        loss_ours = term if loss_ours is None else loss_ours + term
        loss_theirs = loss_theirs + (t * torch.from_numpy(v)).sum()
    assert loss_ours is not None, "no differentiable output to compare gradients through"
    loss_ours.backward()
    loss_theirs.backward()
    for k, (a, b) in enumerate(zip(ours_in, theirs_in)):
        if not b.requires_grad:
            continue
        tg = np.zeros(b.shape) if b.grad is None else b.grad.numpy()
        og = np.zeros(a.shape) if a.grad is None else a.grad.array
        np.testing.assert_allclose(og, tg, atol=atol, rtol=rtol, err_msg=f"gradient of input {k}")


def copy_weights(module, torch_module, dtype=np.float64) -> None:
    """Copy every parameter and buffer of ``torch_module`` into ``module`` by state_dict name."""
    state = {k: v.detach().numpy().astype(dtype) if v.is_floating_point() else v.detach().numpy()
             for k, v in torch_module.state_dict().items()}
    module.load_state_dict({k: nnlab.Tensor(v, dtype=v.dtype) for k, v in state.items()})


def assert_module_parity(
    module,
    torch_module,
    *arrays: np.ndarray,
    atol: float = ATOL,
    rtol: float = RTOL,
    seed: int = 0,
    check_param_grads: bool = True,
) -> None:
    """Copy weights torch → nnlab, then compare outputs, input and parameter gradients."""
    torch_module = torch_module.double()
    copy_weights(module, torch_module)
    assert_parity(module, torch_module, *arrays, atol=atol, rtol=rtol, seed=seed)
    if check_param_grads:
        theirs = dict(torch_module.named_parameters())
        for name, p in module.named_parameters():
            t = theirs[name]
            tg = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
            og = np.zeros(p.shape) if p.grad is None else p.grad.array
            np.testing.assert_allclose(og, tg, atol=atol, rtol=rtol, err_msg=f"gradient of parameter {name}")


def gradcheck_fn(fn: Callable, *arrays: np.ndarray, **kwargs) -> bool:
    """nnlab.autograd.gradcheck over float64 copies of ``arrays`` (floats require grad)."""
    return nnlab.autograd.gradcheck(fn, [to_nnlab(np.asarray(a, dtype=np.float64) if np.issubdtype(np.asarray(a).dtype, np.floating) else a) for a in arrays], **kwargs)


__all__: Sequence[str] = ["assert_parity", "assert_module_parity", "copy_weights", "gradcheck_fn", "to_torch", "to_nnlab"]
