"""``Optimizer``: parameter groups, lazy per-parameter state, ``step`` and ``state_dict``.

A rule (SGD, Adam, ...) subclasses :class:`Optimizer` and implements ``_update``,
which changes ``p.array`` in place from one parameter's gradient. Everything else
(grouping, skipping parameters without a gradient, closures, saving and loading
state by parameter index) lives here, once.
"""

from __future__ import annotations

import copy
import numbers
from typing import Any, Callable, Iterable

import numpy as np

from nnlab.autograd.grad_mode import enable_grad, no_grad
from nnlab.autograd.tensor import Tensor, clear_grads
from nnlab.ops.creation import from_numpy


class _Required:
    """Marks a hyperparameter that has no default and must be given per group."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


def check_hyper(optimizer: str, name: str, value: Any, ok: bool, why: str) -> None:
    """Raise ``ValueError: <optimizer>: invalid <name> <value> (<why>)`` unless ``ok``."""
    if not ok:
        raise ValueError(f"{optimizer}: invalid {name} {value!r} ({why})")


class Optimizer:
    """Base class of the update rules: holds ``param_groups`` and per-parameter ``state``.

    Args:
        params: an iterable of Tensors, or of dicts each with a ``"params"`` entry (a list
            of Tensors) plus any hyperparameters overriding ``defaults`` for that group.
        defaults: the hyperparameters of every group that does not set its own.

    Attributes:
        param_groups: list of dicts, each ``{"params": [Tensor, ...], <hyperparameters>}``.
        state: dict from parameter Tensor to its state dict, created at the parameter's
            first ``step`` in which it has a gradient (PyTorch's lazy state).
        defaults: the default hyperparameters.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict[str, Any]):
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params must be an iterable of Tensors or of dicts, got a single Tensor "
                f"of shape {params.shape}; wrap it in a list"
            )
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ---- groups ---------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (defaults fill the rest).

        Raises:
            TypeError: a parameter is not a Tensor, or the group is not a dict.
            ValueError: a parameter is not a leaf, appears twice, or a required
                hyperparameter is missing.
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a param group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if params is None:
            raise ValueError(f"{name}: a param group needs a 'params' entry, got keys {sorted(group)}")
        params = [params] if isinstance(params, Tensor) else list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: params[{i}] is a {type(p).__name__}, expected a Tensor")
            if not p.is_leaf:
                raise ValueError(f"{name}: params[{i}] (shape {p.shape}) is not a leaf tensor; cannot optimize it")
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{name}: a param group contains the same parameter twice")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        group["params"] = params
        for key, default in self.defaults.items():
            if default is required and key not in group:
                raise ValueError(f"{name}: parameter group didn't specify a value of required option {key!r}")
            group.setdefault(key, default)
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Type-check the hyperparameters whose defaults are numbers, then the rule's own checks."""
        name = type(self).__name__
        for key, default in self.defaults.items():
            value = group.get(key)
            numeric = key == "lr" or (isinstance(default, numbers.Real) and not isinstance(default, bool))
            if numeric and key in group:
                if isinstance(value, bool) or not isinstance(value, numbers.Real):
                    raise TypeError(f"{name}: {key} must be a number, got {type(value).__name__} {value!r}")
        self._validate_group(group)

    def _validate_group(self, group: dict[str, Any]) -> None:
        """Check a group's hyperparameters; rules override (the defaults are checked too)."""

    # ---- stepping -------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to ``None`` (default) or to zeros in place."""
        clear_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()``'s loss if given.

        Args:
            closure: re-evaluates the model and returns the loss (it should call
                ``zero_grad`` and ``backward`` itself); run with gradients enabled.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                self._prepare_group(group)
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    grad = p.grad.array
                    if grad.dtype != p.array.dtype:
                        grad = grad.astype(p.array.dtype)
                    state = self.state.get(p)
                    fresh = state is None
                    if fresh:
                        state = {}
                    self._update(p, grad, state, group)
                    # Rules without state (plain SGD) leave no entry, as in PyTorch.
                    if fresh and state:
                        self.state[p] = state
        return loss

    def _prepare_group(self, group: dict[str, Any]) -> None:
        """Hook run once per group per step before its parameters are updated."""

    def _update(self, p: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        """Change ``p.array`` in place from ``grad`` (already in ``p``'s dtype)."""
        raise NotImplementedError(f"_update is abstract: {type(self).__name__} must implement it")

    # ---- persistence ----------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state, with parameters replaced by their index (PyTorch's layout).

        Returns:
            ``{"state": {index: {name: value}}, "param_groups": [{hyperparameters...,
            "params": [index, ...]}]}``. Indices count parameters across groups in order.
            Array state is returned as copies wrapped in nnlab Tensors; counters
            (``step``) as Python ints. Nothing aliases the live state.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {k: _export(v) for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and state saved by :meth:`state_dict` onto the current params.

        Array state may be nnlab Tensors or NumPy arrays; floating state is cast to its
        parameter's dtype. Index keys may be ints or digit strings (as after JSON).

        All of it is checked before anything changes: on an error the optimizer keeps
        its hyperparameters and state.

        Raises:
            ValueError: the number of groups, a group's size, an index or a state shape
                does not match this optimizer, or a hyperparameter is invalid (``lr=-1``).
            TypeError: a numeric hyperparameter is not a number.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"{name}.load_state_dict: expected keys ['param_groups', 'state'], got {got}")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: loaded state dict has {len(saved_groups)} parameter groups, "
                f"the optimizer has {len(self.param_groups)}"
            )
        by_index: dict[int, Tensor] = {}
        for g, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {g} has {len(saved['params'])} parameters in the "
                    f"loaded state dict but {len(group['params'])} in the optimizer"
                )
            for i, p in zip(saved["params"], group["params"]):
                by_index[int(i)] = p
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, values in state_dict["state"].items():
            i = int(key)
            if i not in by_index:
                raise ValueError(f"{name}.load_state_dict: state for parameter index {i}, which no group lists")
            p = by_index[i]
            new_state[p] = {k: _import(v, p, f"{name}.load_state_dict: state {k!r} of parameter {i}")
                            for k, v in values.items()}
        # Check every group's new hyperparameters on copies first: a bad one leaves the optimizer as it was.
        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups):
            candidate = {**group, **{k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}}
            self._check_group(candidate)
            new_groups.append(candidate)
        for group, candidate in zip(self.param_groups, new_groups):
            group.update(candidate)
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(group):
                if k != "params":
                    lines.append(f"    {k}: {group[k]}")
        lines.append(")")
        return "\n".join(lines)


def _export(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return from_numpy(value.copy())
    if isinstance(value, Tensor):
        return from_numpy(value.array.copy())
    return copy.deepcopy(value)


def _import(value: Any, p: Tensor, where: str) -> Any:
    if isinstance(value, (Tensor, np.ndarray)):
        arr = value.array if isinstance(value, Tensor) else value
        if arr.ndim == 0 and p.ndim != 0:  # a counter saved as a 0-d tensor (PyTorch's ``step``)
            v = arr.item()
            return int(v) if float(v).is_integer() else v
        if arr.shape != p.shape:
            raise ValueError(f"{where}: shape {arr.shape} does not match the parameter's shape {p.shape}")
        dtype = p.array.dtype if arr.dtype.kind == "f" else arr.dtype
        return np.array(arr, dtype=dtype, copy=True)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    return copy.deepcopy(value)
