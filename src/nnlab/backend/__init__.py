"""Array backend: the array module, dtypes, the default dtype and the seeded RNG.

Everything above this layer reaches NumPy through here so that a CuPy backend can
be swapped in later without touching the ops.
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
