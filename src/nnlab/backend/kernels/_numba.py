"""The Numba kernel namespace that :func:`nnlab.backend.kernels.fast` hands to the ops.

Importing it imports Numba; nothing is compiled until a kernel's first call.
"""

from nnlab.backend.kernels import _jit
from nnlab.backend.kernels._jit import configure_threads, num_threads
from nnlab.backend.kernels.conv_direct import (
    direct_conv2d, direct_conv2d_forward, direct_conv2d_input_grad, direct_conv2d_weight_grad, direct_conv2d_weights,
)
from nnlab.backend.kernels.elementwise import relu_backward, relu_forward
from nnlab.backend.kernels.layout import channel_major, from_channel_major, shifted_sum, stack_shifts, to_channel_major
from nnlab.backend.kernels.optim import adam_update
from nnlab.backend.kernels.recurrent import lstm_cell_backward, lstm_gates, lstm_output
from nnlab.backend.kernels.pool import (
    is_2x2, max_pool2d, max_pool2d_grad, max_pool2x2_backward, max_pool2x2_forward, max_pool2x2_forward_tracked,
)
from nnlab.backend.kernels.norm import (
    batch_norm_backward, batch_norm_train, layer_norm_backward, layer_norm_forward,
    layer_norm_param_grads,
)

__all__ = [
    "cached", "configure_threads", "num_threads",
    "relu_forward", "relu_backward",
    "direct_conv2d", "direct_conv2d_input_grad", "direct_conv2d_weights", "direct_conv2d_forward",
    "direct_conv2d_weight_grad",
    "channel_major", "from_channel_major", "shifted_sum", "stack_shifts", "to_channel_major",
    "batch_norm_train", "batch_norm_backward",
    "lstm_gates", "lstm_output", "lstm_cell_backward",
    "adam_update",
    "is_2x2", "max_pool2d", "max_pool2d_grad", "max_pool2x2_forward", "max_pool2x2_forward_tracked", "max_pool2x2_backward",
    "layer_norm_forward", "layer_norm_backward", "layer_norm_param_grads",
]


def cached() -> bool:
    """Whether every kernel got an on-disk cache (False where no cache location was writable)."""
    return _jit.CACHED
