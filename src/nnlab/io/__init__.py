"""Safe persistence: safetensors (or npz) files with JSON metadata, never pickle; checkpoints.

Every file nnlab writes goes through :func:`atomic_write` (or :func:`atomic_open`);
formats are detected by parsing (:mod:`nnlab.io.formats`); a run folder is held by one
process at a time (:class:`DirLock`).
"""

from nnlab.io.atomic import atomic_open, atomic_write, clean_orphans
from nnlab.io.formats import NPZ_MAX_BYTES, FormatError, detect_format
from nnlab.io.lock import DirLock, DirLockedError
from nnlab.io.serialization import FORMAT_NAME, FORMAT_VERSION, load, load_safetensors, save
from nnlab.io.checkpoint import load_checkpoint, save_checkpoint

__all__ = ["save", "load", "load_safetensors", "save_checkpoint", "load_checkpoint", "FORMAT_NAME", "FORMAT_VERSION",
           "atomic_write", "atomic_open", "clean_orphans", "detect_format", "FormatError", "NPZ_MAX_BYTES",
           "DirLock", "DirLockedError"]
