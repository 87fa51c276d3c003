"""Loading a state dict: check every entry against the module's, then copy in place."""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

import numpy as np

from nnlab.autograd.tensor import Tensor


class IncompatibleKeys(NamedTuple):
    """``(missing_keys, unexpected_keys)`` returned by ``Module.load_state_dict``, like PyTorch's."""

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"

    __str__ = __repr__


def _as_array(value: Any, key: str) -> np.ndarray:
    if isinstance(value, Tensor):
        return value.array
    try:
        return np.asarray(value)
    except Exception as exc:  # noqa: BLE001 - re-raised with the key named
        raise TypeError(f"load_state_dict: value for {key!r} is a {type(value).__name__}, not array-like") from exc


def load_into(owner: str, targets: Mapping[str, Tensor], state_dict: Mapping[str, Any], strict: bool) -> IncompatibleKeys:
    """Copy ``state_dict`` into the tensors of ``targets`` (a ``state_dict(keep_vars=True)``).

    All checks run before the first copy, so an error leaves every target untouched.
    Shape mismatches are always errors; missing/unexpected keys only when ``strict``.
    ``owner`` (the module's class name) heads the error message, as in PyTorch.
    """
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"load_state_dict: expected a mapping of names to tensors, got {type(state_dict).__name__}")
    missing = [k for k in targets if k not in state_dict]
    unexpected = [k for k in state_dict if k not in targets]
    errors = []
    copies = []
    for key, target in targets.items():
        if key not in state_dict:
            continue
        src = _as_array(state_dict[key], key)
        if src.dtype.kind not in "biuf":
            errors.append(f"value for {key} has dtype {src.dtype}; expected numbers (bool, int or float).")
        elif tuple(src.shape) != tuple(target.shape):
            errors.append(
                f"size mismatch for {key}: copying a param with shape {tuple(src.shape)} from checkpoint, "
                f"the shape in current model is {tuple(target.shape)}."
            )
        else:
            copies.append((target, src))
    if strict:
        if unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        if missing:
            errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
    if errors:
        raise RuntimeError(f"Error(s) in loading state_dict for {owner}:\n\t" + "\n\t".join(errors))
    for target, src in copies:
        target.array[...] = src
    return IncompatibleKeys(missing, unexpected)
