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
        binary_cross_entropy_with_logits, cross_entropy, nll_loss, kl_div, dice_loss
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

# ---- convolution (ops/conv.py, ops/conv_transpose.py) ----
from nnlab.ops.conv import conv1d, conv2d, conv3d, conv_output_size  # noqa: E402
from nnlab.ops.conv_transpose import conv_transpose1d, conv_transpose2d, conv_transpose3d  # noqa: E402
__all__ += ["conv1d", "conv2d", "conv3d", "conv_output_size", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]

# ---- normalization, spatial dropout, upsampling (ops/normalization.py, ops/dropout_spatial.py, ops/upsample.py) ----
from nnlab.ops.normalization import batch_norm, group_norm, instance_norm, layer_norm, local_response_norm  # noqa: E402
from nnlab.ops.dropout_spatial import dropout2d  # noqa: E402
from nnlab.ops.upsample import interpolate  # noqa: E402
__all__ += ["batch_norm", "instance_norm", "group_norm", "layer_norm", "local_response_norm", "dropout2d", "interpolate"]

# ---- pooling (ops/pooling.py, ops/pooling_adaptive.py, ops/pooling_variants.py) ----
from nnlab.ops.pooling import avg_pool1d, avg_pool2d, avg_pool3d, max_pool1d, max_pool2d, max_pool3d  # noqa: E402
from nnlab.ops.pooling_adaptive import (  # noqa: E402
    adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d, adaptive_max_pool1d, adaptive_max_pool2d,
    adaptive_max_pool3d, global_avg_pool2d, global_max_pool2d,
)
from nnlab.ops.pooling_variants import lp_pool1d, lp_pool2d, lp_pool3d, mixed_pool2d, spectral_pool2d, stochastic_pool2d  # noqa: E402,E501
__all__ += ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
            "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
            "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d", "global_avg_pool2d",
            "global_max_pool2d", "lp_pool1d", "lp_pool2d", "lp_pool3d", "mixed_pool2d", "stochastic_pool2d",
            "spectral_pool2d"]

# ---- attention (ops/attention.py) ----
from nnlab.ops.attention import attention_weights, scaled_dot_product_attention  # noqa: E402
__all__ += ["scaled_dot_product_attention", "attention_weights"]

# ---- embedding (ops/embedding.py) ----
from nnlab.ops.embedding import embedding  # noqa: E402
__all__ += ["embedding"]

# ---- connectionist temporal classification (ops/ctc.py) ----
from nnlab.ops.ctc import ctc_loss  # noqa: E402
__all__ += ["ctc_loss"]

# ---- segmentation loss (ops/loss_dice.py) ----
from nnlab.ops.loss_dice import dice_loss  # noqa: E402
__all__ += ["dice_loss"]
