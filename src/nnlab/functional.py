"""The public functional API, used as ``import nnlab.functional as F``.

Names, arguments and semantics follow ``torch.nn.functional``: ``F.relu(x)``,
``F.linear(x, w, b)``, ``F.cross_entropy(logits, labels, label_smoothing=0.1)``,
``F.dropout(x, p, training)``. This module only gathers the public functions;
the differentiable ``Function``s behind them live in ``nnlab.ops``.

Families:
    layers: linear, pad
    activations: relu, relu6, leaky_relu, elu, selu, gelu, softplus, silu, sigmoid,
        tanh, hardtanh, step, heaviside, softmax, log_softmax, maxout
    regularization and encoding: dropout, one_hot, normalize
    losses: mse_loss, l1_loss, smooth_l1_loss, huber_loss, binary_cross_entropy,
        binary_cross_entropy_with_logits, cross_entropy, nll_loss, kl_div
"""

from nnlab.ops.activation import (
    elu,
    gelu,
    hardtanh,
    heaviside,
    leaky_relu,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    softplus,
    step,
    tanh,
)
from nnlab.ops.cross_entropy import cross_entropy, nll_loss
from nnlab.ops.linalg import linear
from nnlab.ops.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    smooth_l1_loss,
)
from nnlab.ops.movement import pad
from nnlab.ops.nn_ops import dropout, log_softmax, maxout, normalize, one_hot, softmax

__all__ = [
    "linear",
    "pad",
    "relu",
    "relu6",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "softplus",
    "silu",
    "sigmoid",
    "tanh",
    "hardtanh",
    "step",
    "heaviside",
    "softmax",
    "log_softmax",
    "maxout",
    "dropout",
    "one_hot",
    "normalize",
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "nll_loss",
    "kl_div",
]
