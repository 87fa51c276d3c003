"""Noise injection as a regularizer: on the inputs (``GaussianNoise``) or on the weights (``WeightNoise``).

Both act in training mode only and are the identity in eval mode, like dropout.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.backend import default_generator
from nnlab.nn.module import Module
from nnlab.ops.creation import from_numpy


def _noise_like(t: Tensor, std: float, generator: np.random.Generator | None) -> Tensor:
    g = generator if generator is not None else default_generator()
    return from_numpy((g.standard_normal(t.shape) * std).astype(t.dtype, copy=False))


class GaussianNoise(Module):
    """y = x + ε, ε ~ N(0, std²) drawn afresh per call, in training; y = x in eval.

    Input noise injection: training on jittered inputs smooths the learned function
    (for small std it acts like a Tikhonov penalty on the input gradient).

    Args:
        std: standard deviation of the noise (≥ 0).
        generator: source of the noise (default: the global seeded generator).

    Shape:
        input (*) any floating shape; output (*) the same shape and dtype.
    """

    def __init__(self, std: float, generator: np.random.Generator | None = None):
        super().__init__()
        if std < 0:
            raise ValueError(f"GaussianNoise: std must be non-negative, got {std}")
        self.std = std
        self.generator = generator

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.std == 0:
            return x
        if x.dtype.kind != "f":
            raise TypeError(f"GaussianNoise: expected a floating input, got dtype {x.dtype}")
        return x + _noise_like(x, self.std, self.generator)

    def extra_repr(self) -> str:
        return f"std={self.std}"


@contextlib.contextmanager
def _substituted(module: Module, name: str, value: Tensor) -> Iterator[None]:
    """Make ``module.name`` read as ``value`` for the duration, leaving the Parameter registered.

    An entry in the instance ``__dict__`` wins over ``Module.__getattr__``'s lookup of
    ``_parameters``, so ``forward`` sees ``value`` while ``parameters()``, ``state_dict()``
    and the optimizer keep the clean Parameter.
    """
    module.__dict__[name] = value
    try:
        yield
    finally:
        del module.__dict__[name]


class WeightNoise(Module):
    """y = f(x; W + ε), ε ~ N(0, std²) fresh per forward pass, in training; y = f(x; W) in eval.

    Weight noise (Graves 2011; the seeds' "noise added to the weights"): each forward
    pass in training mode sees every weight of the wrapped module perturbed by new
    Gaussian noise. The Parameters are never modified: the forward computes with
    W + ε, where ε is a constant, so ∂L/∂W is the gradient at the perturbed point and
    accumulates into the clean W, whose values the optimizer then updates. The wrapped
    layers must read their weights as attributes (``self.weight``), as nnlab's layers do:
    for the pass, the noisy tensor shadows the Parameter on the instance.

    Args:
        module: the layer or model to wrap; its parameters are this module's (under
            the prefix ``module.``).
        std: standard deviation of the noise (default 0.01).
        include_bias: also perturb parameters whose name contains ``"bias"`` (default ``False``).
        generator: source of the noise (default: the global seeded generator).

    Attributes:
        last_noise: dict from the wrapped module's parameter names to the ε (NumPy arrays)
            used in the most recent training forward pass.

    Shape:
        those of the wrapped module.
    """

    def __init__(self, module: Module, std: float = 0.01, include_bias: bool = False,
                 generator: np.random.Generator | None = None):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"WeightNoise: expected a Module to wrap, got {type(module).__name__}")
        if std < 0:
            raise ValueError(f"WeightNoise: std must be non-negative, got {std}")
        self.module = module
        self.std = std
        self.include_bias = include_bias
        self.generator = generator
        self.last_noise: dict[str, np.ndarray] = {}

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        if not self.training or self.std == 0:
            return self.module(*args, **kwargs)
        self.last_noise = {}
        noisy: dict[int, Tensor] = {}  # a tied weight gets one ε, seen by every module holding it
        with contextlib.ExitStack() as stack:
            for prefix, mod in self.module.named_modules():
                for name, p in mod._parameters.items():
                    if p is None or (not self.include_bias and "bias" in name):
                        continue
                    if id(p) not in noisy:
                        eps = _noise_like(p, self.std, self.generator)
                        self.last_noise[prefix + ("." if prefix else "") + name] = eps.array
                        noisy[id(p)] = p + eps
                    stack.enter_context(_substituted(mod, name, noisy[id(p)]))
            return self.module(*args, **kwargs)

    def extra_repr(self) -> str:
        return f"std={self.std}" + (", include_bias=True" if self.include_bias else "")
