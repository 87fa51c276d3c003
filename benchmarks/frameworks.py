"""The two frameworks under test behind one small interface, so a workload is written once.

nnlab follows PyTorch's names (``nn.Linear``, ``optim.Adam``, ``F.cross_entropy``,
``no_grad``), so a workload builds its model from ``fw.nn`` and its loss from ``fw.F``
and runs unchanged on either. Only what differs lives here: how an array becomes a
tensor, how a framework is seeded, and how many threads it may use.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable

import numpy as np

#: PyTorch's intra-op threads, as the issue fixes them (NumPy's BLAS uses every core too).
TORCH_THREADS = 2


class Missing(Exception):
    """A workload needs a layer or function that nnlab does not have yet; the message names it."""


@dataclass
class Framework:
    """One framework's entry points: ``nn``, ``optim``, ``F`` and the few helpers that differ."""

    name: str
    nn: ModuleType
    optim: ModuleType
    F: ModuleType
    tensor: Callable[[np.ndarray], Any]
    no_grad: Callable[[], contextlib.AbstractContextManager]
    seed: Callable[[int], None]

    def require(self, *names: str) -> None:
        """Raise :class:`Missing` unless every dotted name (``"nn.LSTM"``) exists in this framework."""
        absent = []
        for name in names:
            obj: Any = self
            for part in name.split("."):
                obj = getattr(obj, part, None)
                if obj is None:
                    break
            if obj is None:
                absent.append(name)
        if absent:
            raise Missing(f"{self.name} has no {', '.join(absent)}")


def nnlab_framework() -> Framework:
    import nnlab
    import nnlab.functional as F
    from nnlab.backend import kernels

    # Numba and LLVM load with the kernel namespace (≈ 57 MiB resident) and Numba's code loader at the
    # first kernel call (≈ 51 MiB more; each further kernel adds a few KiB): load both with the framework,
    # as ``import torch`` loads PyTorch's libraries, so that the peak-memory run counts activations only.
    if kernels.fast() is not None:
        F.relu(nnlab.from_numpy(np.zeros(2 * kernels.MIN_ELEMENTS, dtype=np.float32)))

    return Framework(
        name="nnlab", nn=nnlab.nn, optim=nnlab.optim, F=F,
        # the benchmark's synthetic arrays are never mutated, so no copy is needed
        tensor=lambda a: nnlab.Tensor._wrap(np.ascontiguousarray(a)),
        no_grad=nnlab.no_grad, seed=nnlab.manual_seed,
    )


def torch_framework() -> Framework:
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(TORCH_THREADS)
    return Framework(
        name="torch", nn=torch.nn, optim=torch.optim, F=F,
        tensor=lambda a: torch.from_numpy(np.ascontiguousarray(a)),
        no_grad=torch.no_grad, seed=torch.manual_seed,
    )


FRAMEWORKS: dict[str, Callable[[], Framework]] = {"nnlab": nnlab_framework, "torch": torch_framework}
