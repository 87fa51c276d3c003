"""Array backend: the dtypes, the default dtype, the seeded RNG, memory tuning and low-level array helpers.

The rule, as it stands: the array type is ``numpy.ndarray`` everywhere, and every layer
imports NumPy directly for array math (``np.matmul``, ``np.exp`` ...). What the backend
owns is what must be one choice for the whole library: the dtypes and the default dtype
(float32), the global seeded ``np.random.Generator`` (``manual_seed``), process-wide
memory behaviour (:func:`tune_malloc`, :func:`add_scaled_`) and the array helpers the
ops share (windows, interpolation). ``xp`` is the array module the core's constructors
use to make arrays from Python data (``Tensor(...)``); in the rest of the code ``xp``
names nothing else (a padded array is ``x_pad``). A CuPy backend would take the module
from each op's inputs (``xp = array_namespace(x)``) in every op, not only here.

Importing nnlab runs :func:`tune_malloc` once (glibc only; ``NNLAB_MALLOC_TUNING=0``
turns it off, see the README).
"""

from nnlab.backend.array import (
    xp,
    float16,
    float32,
    float64,
    int32,
    int64,
    uint8,
    int8,
    int16,
    bool_,
    get_default_dtype,
    set_default_dtype,
    as_dtype,
    is_floating,
)
from nnlab.backend.random import manual_seed, default_generator, get_rng_state, set_rng_state, new_generator
from nnlab.backend.device import CPU as CPU_DEVICE, check_device, device, get_default_device, is_device_spec, set_default_device
from nnlab.backend.dtype_info import finfo, iinfo
from nnlab.backend.memory import add_scaled_, tune_malloc

# Keep large freed blocks in glibc's heap instead of returning them to the kernel and
# faulting them in again next step (LeNet-5 train step: 14 → 8 ms CPU); see backend/memory.py.
tune_malloc()

__all__ = [
    "xp",
    "float16",
    "float32",
    "float64",
    "int32",
    "int64",
    "uint8",
    "int8",
    "int16",
    "device",
    "CPU_DEVICE",
    "check_device",
    "is_device_spec",
    "set_default_device",
    "get_default_device",
    "finfo",
    "iinfo",
    "bool_",
    "get_default_dtype",
    "set_default_dtype",
    "as_dtype",
    "is_floating",
    "manual_seed",
    "default_generator",
    "get_rng_state",
    "set_rng_state",
    "new_generator",
    "add_scaled_",
    "tune_malloc",
]
