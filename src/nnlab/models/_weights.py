"""``weights=`` on the zoo's factories: load a user's file (nnlab's own or a PyTorch ``.pth``).

``resnet18(weights="resnet18.pth")`` builds the model and loads the file strictly, as
torchvision's ``weights=`` does. nnlab downloads nothing, so a torchvision enum name
(``"IMAGENET1K_V1"``, ``"DEFAULT"``) is refused with a sentence saying to pass a file.
"""

from __future__ import annotations

import functools
import os
from typing import Any, Callable

_ENUM_HINT = ("nnlab ships and downloads no pretrained weights; pass weights= a path (or file object, or state "
              "dict) of a file saved with nnlab.save(model.state_dict(), p) or torch.save(model.state_dict(), p)")


def load_user_weights(model, weights: Any, name: str) -> None:
    """Load ``weights`` (a path, a binary file object or a state dict) into ``model`` strictly."""
    from nnlab.io.serialization import load

    if isinstance(weights, (str, os.PathLike)) and not os.path.exists(weights):
        raise FileNotFoundError(f"{name}: weights file {os.fspath(weights)!r} does not exist; {_ENUM_HINT}")
    if isinstance(weights, (str, os.PathLike)) or hasattr(weights, "read"):
        weights = load(weights)
    if not isinstance(weights, dict):
        raise TypeError(f"{name}: weights must be a path, a file object or a state dict, got "
                        f"{type(weights).__name__}; {_ENUM_HINT}")
    model.load_state_dict(weights, strict=True)


def with_weights(factory: Callable) -> Callable:
    """Give a zoo factory ``weights=None`` (and torchvision's ignored ``progress=``)."""

    @functools.wraps(factory)
    def build(*args, weights: Any = None, progress: bool = True, **kwargs):
        model = factory(*args, **kwargs)
        if weights is not None:
            load_user_weights(model, weights, factory.__name__)
        return model

    build.__doc__ = (factory.__doc__ or "") + "\n\n    ``weights``: a file (path or file object) or state dict loaded strictly.\n"
    return build
