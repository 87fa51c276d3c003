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
    bool_,
    get_default_dtype,
    set_default_dtype,
    as_dtype,
    is_floating,
)
from nnlab.backend.random import manual_seed, default_generator, get_rng_state, set_rng_state, new_generator

__all__ = [
    "xp",
    "float16",
    "float32",
    "float64",
    "int32",
    "int64",
    "uint8",
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
]
