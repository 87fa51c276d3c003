"""Movement ops: float64 gradcheck and PyTorch parity for reshaping, joining, padding, indexing."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import nnlab
from tests.parity import assert_parity, gradcheck_fn

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 3, 4))


def _check(ours, theirs, *arrays):
    assert gradcheck_fn(ours, *arrays)
    assert_parity(ours, theirs, *arrays)


SAME_CALL = {
    "reshape": lambda t: t.reshape(4, -1),
    "reshape tuple": lambda t: t.reshape((3, 8)),
    "view": lambda t: t.view(6, 4),
    "flatten": lambda t: t.flatten(),
    "flatten 1": lambda t: t.flatten(1),
    "flatten 0..1": lambda t: t.flatten(0, 1),
    "permute": lambda t: t.permute(2, 0, 1),
    "permute tuple": lambda t: t.permute((1, 2, 0)),
    "transpose": lambda t: t.transpose(0, 2),
    "transpose neg": lambda t: t.transpose(-1, -2),
    "expand": lambda t: t[:, :1].expand(2, 5, 4),
    "expand -1 and new dim": lambda t: t[:, :1].expand(3, -1, 6, -1),
    "broadcast_to": lambda t: t[:, 1:2, :].broadcast_to((2, 2, 3, 4)),
    "squeeze": lambda t: t[:, :1, :1].squeeze(),
    "squeeze dim": lambda t: t[:, :1, :1].squeeze(1),
    "squeeze tuple": lambda t: t[:1, :1].squeeze((0, 1)),
    "squeeze non-1 dim": lambda t: t.squeeze(0),
    "unsqueeze": lambda t: t.unsqueeze(1),
    "unsqueeze neg": lambda t: t.unsqueeze(-1),
    "split int": lambda t: t.split(3, dim=2),
    "split sizes": lambda t: t.split([1, 2], dim=1),
    "chunk": lambda t: t.chunk(2, dim=-1),
    "chunk uneven": lambda t: t.chunk(2, dim=1),
    "unbind": lambda t: t.unbind(1),
    "T": lambda t: t[0].T,
    "mT": lambda t: t.mT,
}


@pytest.mark.parametrize("name", sorted(SAME_CALL))
def test_shape_ops(name):
    fn = SAME_CALL[name]
    _check(fn, fn, X)


FUNCTIONS = {
    "cat dim 0": (lambda a, b: nnlab.cat([a, b]), lambda a, b: torch.cat([a, b])),
    "cat dim -1": (lambda a, b: nnlab.cat([a, b[..., :2], a], dim=-1), lambda a, b: torch.cat([a, b[..., :2], a], dim=-1)),
    "stack": (lambda a, b: nnlab.stack([a, b]), lambda a, b: torch.stack([a, b])),
    "stack dim -1": (lambda a, b: nnlab.stack((a, b, a), dim=-1), lambda a, b: torch.stack((a, b, a), dim=-1)),
    "stack dim 1": (lambda a, b: nnlab.stack([a, b], 1), lambda a, b: torch.stack([a, b], 1)),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_joins(name):
    _check(*FUNCTIONS[name], X, RNG.standard_normal(X.shape))


def test_cat_with_a_constant_input():
    c = nnlab.tensor(np.ones((1, 3, 4)), dtype=nnlab.float64)
    assert_parity(lambda a: nnlab.cat([a, c]), lambda a: torch.cat([a, torch.ones(1, 3, 4, dtype=torch.float64)]), X)


PADS = [
    ("constant", (1, 2), (2, 3, 5)),
    ("constant", (1, 0, 2, 1, 1, 1), (2, 3, 5)),
    ("reflect", (2, 1), (2, 3, 5)),
    ("reflect", (1, 2, 2, 1), (1, 2, 4, 5)),
    ("replicate", (2, 3), (2, 3, 5)),
    ("replicate", (1, 2, 3, 0), (1, 2, 4, 5)),
    ("circular", (2, 1), (2, 3, 5)),
    ("circular", (1, 2, 2, 3), (1, 2, 4, 5)),
]


@pytest.mark.parametrize("mode,pad,shape", PADS, ids=[f"{m}-{p}" for m, p, _ in PADS])
def test_pad(mode, pad, shape):
    x = RNG.standard_normal(shape)
    _check(lambda t: nnlab.pad(t, pad, mode=mode), lambda t: TF.pad(t, pad, mode=mode), x)


def test_pad_constant_value_and_errors():
    x = RNG.standard_normal((2, 3))
    assert_parity(lambda t: nnlab.pad(t, (1, 1), value=-2.5), lambda t: TF.pad(t, (1, 1), value=-2.5), x)
    with pytest.raises(ValueError, match="pad: unknown mode 'wrap'"):
        nnlab.pad(nnlab.tensor(x), (1, 1), mode="wrap")
    with pytest.raises(ValueError, match="pad: expected pairs"):
        nnlab.pad(nnlab.tensor(x), (1, 1, 1))


def _np_slice_index(n, s):
    return torch.as_tensor(np.arange(n)[s].copy())


INDEXES = {
    "int": (lambda t: t[1], lambda t: t[1]),
    "negative int": (lambda t: t[-1, 2], lambda t: t[-1, 2]),
    "slices": (lambda t: t[:, 1:3, ::2], lambda t: t[:, 1:3, ::2]),
    "None and Ellipsis": (lambda t: t[None, ..., 1], lambda t: t[None, ..., 1]),
    "Ellipsis middle": (lambda t: t[0, ..., None, 1:], lambda t: t[0, ..., None, 1:]),
    # torch has no negative steps: compare against an index tensor
    "negative step": (lambda t: t[:, ::-1], lambda t: t[:, _np_slice_index(3, slice(None, None, -1))]),
    "negative step 2": (lambda t: t[..., 3:0:-2], lambda t: t[..., _np_slice_index(4, slice(3, 0, -2))]),
    "int array repeated": (lambda t: t[[0, 1, 0, 0]], lambda t: t[[0, 1, 0, 0]]),
    "int tensor repeated": (lambda t: t[:, nnlab.tensor([2, 2, 0])], lambda t: t[:, torch.tensor([2, 2, 0])]),
    "two int arrays": (lambda t: t[[0, 1, 1], [2, 2, 0]], lambda t: t[[0, 1, 1], [2, 2, 0]]),
    "2-D int array": (lambda t: t[0, [[1, 1], [2, 0]]], lambda t: t[0, [[1, 1], [2, 0]]]),
    "bool mask": (lambda t: t[t > 0], lambda t: t[t > 0]),
    "bool rows": (lambda t: t[:, [True, False, True]], lambda t: t[:, [True, False, True]]),
}


@pytest.mark.parametrize("name", sorted(INDEXES))
def test_getitem(name):
    _check(*INDEXES[name], X)


def test_repeated_indices_scatter_add():
    t = nnlab.tensor([1.0, 2.0, 3.0], requires_grad=True)
    t[[0, 0, 2, 0]].sum().backward()
    assert t.grad.tolist() == [3.0, 0.0, 1.0]


def test_gather():
    idx = RNG.integers(0, 4, (2, 3, 6))  # repeated indices along dim 2
    _check(lambda t, i: nnlab.gather(t, 2, i), lambda t, i: torch.gather(t, 2, i), X, idx)
    idx0 = RNG.integers(0, 2, (3, 3, 4))
    _check(lambda t, i: t.gather(0, i), lambda t, i: t.gather(0, i), X, idx0)
    with pytest.raises(ValueError, match="gather: index has 2 dims, input has 3"):
        nnlab.gather(nnlab.tensor(X), 1, np.zeros((2, 3), dtype=np.int64))


def test_index_select():
    idx = np.array([2, 0, 2, 2])
    _check(lambda t, i: nnlab.index_select(t, 2, i), lambda t, i: torch.index_select(t, 2, i), X, idx)
    _check(lambda t, i: t.index_select(-2, i[:2]), lambda t, i: t.index_select(-2, i[:2]), X, idx)


def test_masked_fill():
    mask = X > 0.3
    _check(lambda t, m: t.masked_fill(m, -5.0), lambda t, m: t.masked_fill(m, -5.0), X, mask)
    assert_parity(lambda t, m: t.masked_fill(m, -1e9), lambda t, m: t.masked_fill(m, -1e9), X, mask)
    row_mask = np.array([True, False, False, True])  # broadcasts over the leading dims
    _check(lambda t, m: nnlab.masked_fill(t, m, 0.0), lambda t, m: t.masked_fill(m, 0.0), X, row_mask)
    with pytest.raises(TypeError, match="masked_fill: mask must be a bool"):
        nnlab.masked_fill(nnlab.tensor(X), nnlab.tensor(np.ones(4, dtype=np.int64)), 0.0)


def test_errors_name_the_op_and_shapes():
    t = nnlab.tensor(X)
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(2, 3, 4\)"):
        t.reshape(5, 5)
    with pytest.raises(ValueError, match="permute: .* is not a permutation"):
        t.permute(0, 0, 1)
    with pytest.raises(ValueError, match=r"cat: shapes \(2, 3, 4\) and \(2, 2, 4\) differ"):
        nnlab.cat([t, t[:, :2]], dim=0)
    with pytest.raises(ValueError, match="stack: all tensors must have the same shape"):
        nnlab.stack([t, t[:1]])
    with pytest.raises(ValueError, match="split: sizes"):
        t.split([1, 1], dim=1)
    with pytest.raises(ValueError, match="broadcast_to: shape"):
        t.broadcast_to(3, 3, 4)
    with pytest.raises(ValueError, match="expand: cannot expand"):
        t.expand(-1, 2, 3, 4)
    with pytest.raises(IndexError):
        nnlab.stack([t, t], dim=5)
    with pytest.raises(IndexError, match="unsqueeze: dim 5"):
        t.unsqueeze(5)
