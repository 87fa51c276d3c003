"""Reverse-mode automatic differentiation: Tensor, Function, the engine, grad modes, gradcheck."""

from nnlab.autograd.tensor import Tensor, tensor
from nnlab.autograd.function import Function, Context
from nnlab.autograd.grad_mode import no_grad, enable_grad, is_grad_enabled, set_grad_enabled
from nnlab.autograd.engine import backward, unbroadcast
from nnlab.autograd.gradcheck import gradcheck, relative_difference, GradcheckError
from nnlab.autograd.anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from nnlab.autograd.hooks import RemovableHandle

__all__ = [
    "Tensor",
    "tensor",
    "Function",
    "Context",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "set_grad_enabled",
    "backward",
    "unbroadcast",
    "gradcheck",
    "relative_difference",
    "GradcheckError",
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "RemovableHandle",
]
