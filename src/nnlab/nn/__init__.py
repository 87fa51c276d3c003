"""Neural-network building blocks: ``Module``, ``Parameter``, containers, layers, losses, ``init``.

Names and semantics follow ``torch.nn``: a model built here has the same
``state_dict`` keys as its PyTorch twin, so weights carry over.
"""

from nnlab.nn import init
from nnlab.nn.activation import (
    ELU,
    GELU,
    SELU,
    Hardtanh,
    LeakyReLU,
    LogSoftmax,
    Maxout,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Step,
    Tanh,
)
from nnlab.nn.containers import ModuleDict, ModuleList, Sequential
from nnlab.nn.dropout import Dropout
from nnlab.nn.flatten import Flatten, Unflatten
from nnlab.nn.hooks import RemovableHandle
from nnlab.nn.state import IncompatibleKeys
from nnlab.nn.linear import Identity, Linear
from nnlab.nn.losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from nnlab.nn.module import Module
from nnlab.nn.noise import GaussianNoise, WeightNoise
from nnlab.nn.parameter import Parameter
from nnlab.nn.summary import Summary, SummaryRow, summary

__all__ = [
    "init",
    "Module",
    "Parameter",
    "RemovableHandle",
    "IncompatibleKeys",
    "Sequential",
    "ModuleList",
    "ModuleDict",
    "Identity",
    "Linear",
    "Flatten",
    "Unflatten",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "SELU",
    "GELU",
    "Softplus",
    "SiLU",
    "Hardtanh",
    "Sigmoid",
    "Tanh",
    "Softmax",
    "LogSoftmax",
    "Maxout",
    "Step",
    "Dropout",
    "GaussianNoise",
    "WeightNoise",
    "MSELoss",
    "L1Loss",
    "SmoothL1Loss",
    "HuberLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "NLLLoss",
    "summary",
    "Summary",
    "SummaryRow",
]
