"""nnlab: a deep learning library written from the ground up on NumPy.

Its own reverse-mode autograd (:class:`Tensor`, :class:`~nnlab.autograd.Function`),
every building block of the curriculum on top (``nnlab.nn``, ``nnlab.optim``,
``nnlab.data``, ``nnlab.train``), float32 by default, checked against finite
differences and PyTorch.
"""

from nnlab.backend import (
    bool_ as bool,  # noqa: A001 - PyTorch's name
    device,
    finfo,
    float16,
    float32,
    float64,
    get_default_device,
    get_default_dtype,
    get_rng_state,
    iinfo,
    int8,
    int16,
    int32,
    int64,
    manual_seed,
    set_default_device,
    set_default_dtype,
    set_rng_state,
    uint8,
)

# PyTorch's dtype aliases: torch.float is float32, torch.int is int32, torch.long int64, ...
float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16
from nnlab.autograd import Tensor, enable_grad, is_grad_enabled, no_grad, set_grad_enabled, tensor
from nnlab.ops import *  # noqa: F401,F403 - the tensor functions: nnlab.exp, nnlab.cat, ...
from nnlab.ops import abs, max, min, pow, sum  # noqa: A004 - PyTorch's names

from nnlab import autograd, functional, nn, optim, data, io, train, models, text, vision, diagnostics, audio  # noqa: E402
from nnlab import accelerator, backends, cuda, linalg, utils  # noqa: E402
from nnlab.io import load, save  # noqa: E402
from nnlab.nn.summary import summary  # noqa: E402
from nnlab.profiler import profile  # noqa: E402

__version__ = "0.1.0"
