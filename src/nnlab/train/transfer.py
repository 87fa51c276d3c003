"""Transfer learning: freeze layers, replace the head, give each layer its own learning rate.

    model = LeNet5(1, 5); ...pretrain on digits 0–4...
    freeze(model, ["conv1", "conv2"])                     # requires_grad_(False) on those layers
    replace_head(model, "fc5", nn.Linear(84, 5))          # a fresh head for the new task
    groups = layerwise_param_groups(model, {"fc3": 1e-3, "fc4": 1e-3}, default_lr=1e-2)
    opt = optim.SGD(groups, lr=1e-2)                      # frozen parameters are left out
"""

from __future__ import annotations

from typing import Mapping, Sequence

from nnlab.nn.module import Module


def _submodule(model: Module, name: str) -> Module:
    mod = model
    for part in name.split("."):
        if not hasattr(mod, part) or not isinstance(getattr(mod, part), Module):
            raise ValueError(f"transfer: {type(model).__name__} has no submodule {name!r}")
        mod = getattr(mod, part)
    return mod


def freeze(model: Module, names: Sequence[str] | None = None, frozen: bool = True) -> Module:
    """``requires_grad_(not frozen)`` on the named submodules (all of ``model`` when None)."""
    for mod in ([model] if names is None else [_submodule(model, n) for n in names]):
        mod.requires_grad_(not frozen)
    return model


def replace_head(model: Module, name: str, head: Module) -> Module:
    """Swap the submodule ``name`` (e.g. the last layer) for ``head``; returns the old one."""
    old = _submodule(model, name)
    parent = _submodule(model, name.rsplit(".", 1)[0]) if "." in name else model
    setattr(parent, name.rsplit(".", 1)[-1], head)
    return old


def layerwise_param_groups(model: Module, lrs: Mapping[str, float], default_lr: float) -> list[dict]:
    """Optimizer param groups: parameters whose name starts with a key of ``lrs`` get that lr,
    the rest ``default_lr``; parameters that do not require gradients (frozen) are left out."""
    groups: dict[float, list] = {}
    for pname, p in model.named_parameters():
        if not p.requires_grad:
            continue
        lr = next((v for k, v in lrs.items() if pname == k or pname.startswith(k + ".")), default_lr)
        groups.setdefault(lr, []).append(p)
    if not groups:
        raise ValueError("layerwise_param_groups: every parameter is frozen")
    return [{"params": ps, "lr": lr} for lr, ps in groups.items()]
