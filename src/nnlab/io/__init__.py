"""Safe persistence: safetensors (or npz) files with JSON metadata, never pickle; checkpoints."""

from nnlab.io.serialization import FORMAT_NAME, FORMAT_VERSION, load, load_safetensors, save
from nnlab.io.checkpoint import load_checkpoint, save_checkpoint

__all__ = ["save", "load", "load_safetensors", "save_checkpoint", "load_checkpoint", "FORMAT_NAME", "FORMAT_VERSION"]
