"""``nnlab.nn.utils``: the counterpart of ``torch.nn.utils`` (thin re-exports, one implementation each).

``clip_grad_norm_`` / ``clip_grad_value_`` live in ``nnlab.nn.utils.clip_grad``;
``parameters_to_vector`` / ``vector_to_parameters`` in ``nnlab.nn.utils.convert``;
packing for recurrent layers in ``nnlab.nn.utils.rnn`` (``nnlab.nn.packed``).
"""

from nnlab.nn.utils import rnn
from nnlab.nn.utils.convert import parameters_to_vector, vector_to_parameters
from nnlab.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_

__all__ = ["rnn", "clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]
