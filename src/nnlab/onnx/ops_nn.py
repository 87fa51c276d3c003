"""ONNX counterparts of nnlab's layer primitives: convolution, pooling, normalization, attention, RNNs.

Weights reach a converter as initializers (their values known at export time), so a
layout difference is fixed once in NumPy: ONNX's LSTM gates are ordered (i, o, f, c)
where PyTorch's and nnlab's are (i, f, g, o), GRU's (z, r, h) where nnlab's are (r, z, n).
"""

from __future__ import annotations

import math

import numpy as np

from nnlab.onnx.graph import ExportError, GraphBuilder
from nnlab.onnx.ops_basic import _dtype, _in, converter
from nnlab.onnx.trace import Record
from nnlab.ops import attention as AT
from nnlab.ops import conv as CV
from nnlab.ops import conv_direct as CD
from nnlab.ops import conv_pointwise as CP
from nnlab.ops import conv_shift as CS
from nnlab.ops import conv_transpose as CT
from nnlab.ops import embedding as EM
from nnlab.ops import normalization as NO
from nnlab.ops import pooling as PO
from nnlab.ops import pooling_adaptive as PA
from nnlab.ops import recurrent as RE
from nnlab.ops import upsample as UP

__all__: list[str] = []


def _pads(pairs) -> list[int]:
    return [int(lo) for lo, _ in pairs] + [int(hi) for _, hi in pairs]


def _conv(g: GraphBuilder, rec: Record, strides, pads, dilations, groups: int) -> str:
    x, w = _in(g, rec, 0), _in(g, rec, 1)
    inputs = [x, w] + ([] if rec.args[2] is None else [_in(g, rec, 2)])
    k = list(g.shape(w)[2:])
    return g.add("Conv", inputs, kernel_shape=k, strides=list(strides), pads=pads, dilations=list(dilations),
                 group=int(groups))


@converter(CV.ConvNd)
def _conv_nd(g, rec):
    _, _, _, stride, pads, dilation, groups = rec.args
    return _conv(g, rec, stride, _pads(pads), dilation, groups)


@converter(CP.PointwiseConvNd)
def _conv_pointwise(g, rec):
    stride = rec.args[3]
    nd = rec.out.ndim - 2
    return _conv(g, rec, stride, [0] * (2 * nd), [1] * nd, 1)


@converter(CS.ShiftConvNd, CD.DirectConv2d)  # the same arguments (x, w, b, pads, dilation): stride 1, one group
def _conv_shift(g, rec):
    pads, dilation = rec.args[3], rec.args[4]
    return _conv(g, rec, [1] * len(dilation), _pads(pads), dilation, 1)


@converter(CT.ConvTransposeNd)
def _conv_transpose(g, rec):
    _, w, b, stride, padding, output_padding, dilation, groups = rec.args
    x, wn = _in(g, rec, 0), _in(g, rec, 1)
    inputs = [x, wn] + ([] if b is None else [_in(g, rec, 2)])
    return g.add("ConvTranspose", inputs, kernel_shape=list(g.shape(wn)[2:]), strides=list(stride),
                 pads=[int(p) for p in padding] * 2, output_padding=list(output_padding),
                 dilations=list(dilation), group=int(groups))


@converter(PO.MaxPool)
def _max_pool(g, rec):
    geom = rec.args[1]
    return g.add("MaxPool", [_in(g, rec, 0)], kernel_shape=list(geom.kernel), strides=list(geom.stride),
                 pads=_pads(geom.pads), dilations=list(geom.dilation))


@converter(PO.AvgPool)
def _avg_pool(g, rec):
    geom, divisor = rec.args[1], np.asarray(rec.args[2])
    include = int(bool(np.all(divisor == math.prod(geom.kernel))))
    return g.add("AveragePool", [_in(g, rec, 0)], kernel_shape=list(geom.kernel), strides=list(geom.stride),
                 pads=_pads(geom.pads), count_include_pad=include)


@converter(PA.AdaptiveAvgPool)
def _adaptive_avg_pool(g, rec):
    y = _in(g, rec, 0)
    mats = rec.args[1]
    if all(m is not None and m.shape[0] == 1 and np.allclose(m, m[0, 0]) for m in mats):
        return g.add("GlobalAveragePool", [y])
    nd = len(mats)
    for i, m in enumerate(mats):  # contract axis 2+i with P_i: move it last, multiply by P_iᵀ, move it back
        if m is None:
            continue
        perm = list(range(2 + nd))
        perm[2 + i], perm[-1] = perm[-1], perm[2 + i]
        y = g.add("Transpose", [y], perm=perm)
        y = g.add("MatMul", [y, g.const(np.ascontiguousarray(m.T), "adaptive_pool")])
        y = g.add("Transpose", [y], perm=perm)
    return y


@converter(PA.AdaptiveMaxPool)
def _adaptive_max_pool(g, rec):
    if any(s != 1 for s in rec.out.shape[2:]):
        raise ExportError(f"onnx.export: adaptive max pooling to {rec.out.shape[2:]} has no ONNX counterpart "
                          "(only to 1 per axis: GlobalMaxPool)")
    return g.add("GlobalMaxPool", [_in(g, rec, 0)])


@converter(UP.Interpolate)
def _interpolate(g, rec):
    rows, cols = rec.args[1], rec.args[2]
    y = g.add("MatMul", [g.const(rows.astype(_dtype(rec)), "interp_rows"), _in(g, rec, 0)])
    return g.add("MatMul", [y, g.const(np.ascontiguousarray(cols.T).astype(_dtype(rec)), "interp_cols")])


@converter(NO.Normalization)
def _normalization(g, rec):
    x, weight, bias, layout, eps, running_mean, running_var, batch_stats, _ = rec.args
    xn, shape, dt = _in(g, rec, 0), rec.out.shape, _dtype(rec)

    def affine(t, fill, n):
        return _in(g, rec, 1 if fill == 1 else 2) if t is not None else g.const(np.full(n, fill, dtype=dt), "affine")

    c = shape[1] if len(shape) > 1 else 1
    if not batch_stats:  # batch norm with running estimates (eval)
        return g.add("BatchNormalization", [xn, affine(weight, 1, c), affine(bias, 0, c), g.value(running_mean),
                                            g.value(running_var)], epsilon=float(eps))
    view, axes = layout.view, layout.axes
    if axes == (1,) and len(view) == 2:  # layer norm over the trailing dims holding view[1] elements
        k, tail = 1, 0
        while k < view[1]:
            tail += 1
            k *= shape[-tail]
        n = int(np.prod(shape[-tail:]))
        return g.add("LayerNormalization", [xn, affine(weight, 1, n), affine(bias, 0, n)], axis=-tail,
                     epsilon=float(eps))
    if axes == (2,) and view[1] == c:  # instance norm: one statistic per sample and channel
        return g.add("InstanceNormalization", [xn, affine(weight, 1, c), affine(bias, 0, c)], epsilon=float(eps))
    if axes == (2,):  # group norm: standardize (N, G, rest), then the per-channel affine map
        groups = view[1]
        ones, zeros = g.const(np.ones(groups, dt), "gn"), g.const(np.zeros(groups, dt), "gn")
        flat = g.add("Reshape", [xn, g.ints([0, groups, -1])])
        y = g.add("InstanceNormalization", [flat, ones, zeros], epsilon=float(eps))
        y = g.add("Reshape", [y, g.add("Shape", [xn])])
        bshape = [c] + [1] * (len(shape) - 2)
        if weight is not None:
            y = g.add("Mul", [y, g.add("Reshape", [_in(g, rec, 1), g.ints(bshape)])])
        if bias is not None:
            y = g.add("Add", [y, g.add("Reshape", [_in(g, rec, 2), g.ints(bshape)])])
        return y
    raise ExportError("onnx.export: batch norm with batch statistics in eval mode "
                      "(track_running_stats=False) has no ONNX counterpart")


@converter(NO.LocalResponseNorm)
def _lrn(g, rec):
    _, size, alpha, beta, k = rec.args
    return g.add("LRN", [_in(g, rec, 0)], size=int(size), alpha=float(alpha), beta=float(beta), bias=float(k))


def _scores(g: GraphBuilder, rec: Record, q: str, k: str, bias, scale) -> str:
    nd = len(g.shape(k))
    kt = g.add("Transpose", [k], perm=list(range(nd - 2)) + [nd - 1, nd - 2])
    s = g.add("Mul", [g.add("MatMul", [q, kt]), g.const(np.asarray(scale, dtype=_dtype(rec)), "scale")])
    if bias is not None:
        s = g.add("Add", [s, _in(g, rec, 3)])
    return g.add("Softmax", [s], axis=-1)


@converter(AT.ScaledDotProductAttention)
def _sdpa(g, rec):
    _, _, _, bias, scale, dropout_p, _ = rec.args
    p = _scores(g, rec, _in(g, rec, 0), _in(g, rec, 1), bias, scale)
    return g.add("MatMul", [p, _in(g, rec, 2)])


@converter(AT.AttentionWeights)
def _attention_weights(g, rec):
    _, _, bias, scale = rec.args
    return _scores(g, rec, _in(g, rec, 0), _in(g, rec, 1), bias, scale)


@converter(EM.EmbeddingFn)
def _embedding(g, rec):
    idx = g.value(rec.args[1])
    return g.add("Gather", [_in(g, rec, 0), idx], axis=0)


# ---- recurrent layers ----------------------------------------------------------------------------
_GATES = {RE.LSTMSequence: ("LSTM", 4, [0, 3, 1, 2]), RE.GRUSequence: ("GRU", 3, [1, 0, 2]),
          RE.RNNSequence: ("RNN", 1, [0])}


def _reorder(w: np.ndarray, gates: int, order: list[int]) -> np.ndarray:
    blocks = np.split(w, gates, axis=0)
    return np.concatenate([blocks[i] for i in order], axis=0)


@converter(*_GATES)
def _recurrent(g, rec):
    op, gates, order = _GATES[rec.fn]
    lstm = rec.fn is RE.LSTMSequence
    x, w_ih, w_hh, b_ih, b_hh, h0 = rec.args[:6]
    c0 = rec.args[6] if lstm else None
    mask, reverse, batch_first = rec.args[7:10] if lstm else rec.args[6:9]
    if mask is not None:
        raise ExportError(f"onnx.export: {rec.fn.__name__} with a padding mask (variable-length sequences) "
                          "is not exported; pass full-length batches")
    dt = _dtype(rec)
    weights = []
    for t in (w_ih, w_hh):
        arr = g.constant_value(g.value(t))
        if arr is None:
            raise ExportError(f"onnx.export: {rec.fn.__name__}: its weights must be parameters")
        weights.append(arr)
    hidden = weights[1].shape[1]
    zeros = np.zeros(gates * hidden, dt)
    biases = [zeros if b is None else g.constant_value(g.value(b)) for b in (b_ih, b_hh)]
    w = g.const(_reorder(weights[0], gates, order)[None], "rnn_W")
    r = g.const(_reorder(weights[1], gates, order)[None], "rnn_R")
    b = g.const(np.concatenate([_reorder(bb, gates, order) for bb in biases])[None], "rnn_B")
    xs = _in(g, rec, 0)
    single = len(g.shape(xs)) == 2
    if single:
        xs = g.add("Unsqueeze", [xs, g.ints([0])])
    elif batch_first:
        xs = g.add("Transpose", [xs], perm=[1, 0, 2])
    states = ["" if s is None else g.add("Unsqueeze", [g.value(s), g.ints([0])]) for s in ([h0, c0] if lstm else [h0])]
    attrs = {"hidden_size": int(hidden), "direction": "reverse" if reverse else "forward"}
    if op == "GRU":
        attrs["linear_before_reset"] = 1  # PyTorch's n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
    if op == "RNN":
        attrs["activations"] = ["Relu" if (len(rec.args) > 9 and rec.args[9] == "relu") else "Tanh"]
    outs = g.add(op, [xs, w, r, b, "", *states], outputs=3 if lstm else 2, **attrs)
    y = g.add("Squeeze", [outs[0], g.ints([1])])  # (L, 1, N, H) -> (L, N, H)
    y = g.add("Concat", [y, *outs[1:]], axis=0)  # then h_n (and c_n): (L+1 or L+2, N, H)
    if batch_first and not single:
        y = g.add("Transpose", [y], perm=[1, 0, 2])
    return y
