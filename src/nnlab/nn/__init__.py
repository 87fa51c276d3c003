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
    BinaryLogitLoss,
    CrossEntropyLoss,
    CTCLoss,
    DiceLoss,
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
    "BinaryLogitLoss",
    "CrossEntropyLoss",
    "CTCLoss",
    "DiceLoss",
    "NLLLoss",
    "summary",
    "Summary",
    "SummaryRow",
]

# ---- convolution layers (nn/conv.py, nn/lazy.py) ----
from nnlab.nn.conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d  # noqa: E402
from nnlab.nn.lazy import LazyConv1d, LazyConv2d, LazyConv3d, LazyLinear, LazyModuleMixin, UninitializedParameter  # noqa: E402
__all__ += ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
            "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyLinear", "LazyModuleMixin", "UninitializedParameter"]

# ---- normalization, spatial dropout, upsampling (nn/normalization.py, nn/dropout_spatial.py, nn/upsample.py) ----
from nnlab.nn.normalization import (  # noqa: E402
    BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, InstanceNorm2d, LayerNorm, LocalResponseNorm,
)
from nnlab.nn.dropout_spatial import DropConnect, Dropout2d  # noqa: E402
from nnlab.nn.upsample import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d  # noqa: E402
__all__ += ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm2d", "GroupNorm", "LayerNorm", "LocalResponseNorm",
            "Dropout2d", "DropConnect", "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]

# ---- pooling (nn/pooling.py, nn/pooling_variants.py) ----
from nnlab.nn.pooling import (  # noqa: E402
    AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d,
    AvgPool1d, AvgPool2d, AvgPool3d, GlobalAvgPool2d, GlobalMaxPool2d, MaxPool1d, MaxPool2d, MaxPool3d,
)
from nnlab.nn.pooling_variants import LPPool1d, LPPool2d, LPPool3d, MixedPool2d, SpectralPool2d, StochasticPool2d  # noqa: E402
__all__ += ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d",
            "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
            "GlobalAvgPool2d", "GlobalMaxPool2d", "LPPool1d", "LPPool2d", "LPPool3d", "MixedPool2d", "StochasticPool2d",
            "SpectralPool2d"]

# ---- attention and transformer layers (nn/attention.py, nn/positional.py, nn/transformer.py) ----
from nnlab.nn.attention import KVCache, MultiheadAttention  # noqa: E402
from nnlab.nn.positional import LearnedPositionalEmbedding, SinusoidalPositionalEncoding  # noqa: E402
from nnlab.nn.transformer import (  # noqa: E402
    Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer,
)
__all__ += ["MultiheadAttention", "KVCache", "SinusoidalPositionalEncoding", "LearnedPositionalEmbedding",
            "TransformerEncoderLayer", "TransformerDecoderLayer", "TransformerEncoder", "TransformerDecoder",
            "Transformer"]

# ---- recurrent layers and embedding (nn/recurrent.py, nn/recurrent_cells.py, nn/embedding.py) ----
from nnlab.nn.recurrent import GRU, LSTM, RNN, RNNBase, lengths_mask  # noqa: E402
from nnlab.nn.recurrent_multicell import MultiCellLSTM  # noqa: E402
from nnlab.nn.recurrent_cells import GRUCell, LSTMCell, RNNCell, RNNCellBase, init_forget_bias_  # noqa: E402
from nnlab.nn.embedding import Embedding  # noqa: E402
__all__ += ["RNNBase", "RNN", "GRU", "LSTM", "MultiCellLSTM", "RNNCellBase", "RNNCell", "GRUCell", "LSTMCell", "init_forget_bias_",
            "lengths_mask", "Embedding"]

# ---- PyTorch's module paths: nn.functional, nn.utils (+ .rnn), packed sequences ----
from nnlab.nn import functional, utils  # noqa: E402
from nnlab.nn.packed import PackedSequence  # noqa: E402
__all__ += ["functional", "utils", "PackedSequence"]

# ---- graph layers: GCN, GraphSAGE, GAT, readouts, spectral and Chebyshev filters (nn/graph*.py) ----
from nnlab.nn.graph import (  # noqa: E402
    GATConv, GCNConv, SAGEConv, global_add_pool, global_max_pool, global_mean_pool, propagate,
)
from nnlab.nn.graph_spectral import ChebConv, SpectralConv, spectral_filter  # noqa: E402
from nnlab.nn.graph_structure import (  # noqa: E402
    add_self_loops, gcn_norm, laplacian, laplacian_eigenbasis, scaled_laplacian, to_adjacency, to_edge_index,
    with_self_loops,
)
__all__ += ["GCNConv", "SAGEConv", "GATConv", "ChebConv", "SpectralConv", "spectral_filter", "global_add_pool",
            "global_mean_pool", "global_max_pool", "propagate", "add_self_loops", "gcn_norm", "laplacian",
            "laplacian_eigenbasis", "scaled_laplacian", "to_adjacency", "to_edge_index", "with_self_loops"]

# ---- layer-normalized LSTM cell (nn/recurrent_layernorm.py) ----
from nnlab.nn.recurrent_layernorm import LayerNormLSTMCell  # noqa: E402
__all__ += ["LayerNormLSTMCell"]
