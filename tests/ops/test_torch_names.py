"""The torch names added for PyTorch users: forward values and gradients equal torch 2.13's."""

import numpy as np
import pytest
import torch

import nnlab
from tests.parity import assert_parity

R = np.random.default_rng(0)
M = R.standard_normal((3, 4))
P = R.uniform(0.2, 0.9, (3, 4))
V = R.standard_normal(4)
Z = M.copy()
Z[1, 2] = 0.0
IDX = np.array([[0, 2, 1, 0], [2, 2, 0, 1]])


def _both(fn):
    return fn(nnlab), fn(torch)


CASES = {
    "sort": (lambda m, x: m.sort(x, dim=1, descending=True), [M]),
    "sort_method": (lambda m, x: x.sort(0), [M]),
    "topk": (lambda m, x: m.topk(x, 2, dim=1), [M]),
    "topk_smallest": (lambda m, x: x.topk(2, dim=0, largest=False), [M]),
    "kthvalue": (lambda m, x: m.kthvalue(x, 2, 1), [M]),
    "median": (lambda m, x: m.median(x), [M]),
    "median_dim": (lambda m, x: x.median(1, keepdim=True), [M]),
    "flip": (lambda m, x: m.flip(x, [0, 1]), [M]),
    "roll": (lambda m, x: m.roll(x, 1, 1), [M]),
    "narrow": (lambda m, x: x.narrow(1, 1, 2), [M]),
    "repeat": (lambda m, x: x.repeat(2, 1, 3), [M]),
    "tile": (lambda m, x: m.tile(x, (2,)), [M]),
    "repeat_interleave": (lambda m, x: m.repeat_interleave(x, 2, dim=0), [M]),
    "take_along_dim": (lambda m, x: m.take_along_dim(x, m.tensor(IDX), dim=0), [M]),
    "t": (lambda m, x: x.t() * 2, [M]),
    "diag_vec": (lambda m, x: m.diag(x), [V]),
    "diag_vec_k": (lambda m, x: m.diag(x, -1), [V]),
    "diag_mat": (lambda m, x: m.diag(x, 1), [M]),
    "tril_triu": (lambda m, x: m.tril(x, -1) + x.triu(1) * 3, [M]),
    "unary": (lambda m, x: m.log1p(x) + m.expm1(x) + m.log2(x) + m.log10(x) + m.tan(x) + m.reciprocal(x)
              + m.rsqrt(x) + m.square(x) + m.erf(x) + m.sinh(x) + m.cosh(x) + m.asin(x) + m.acos(x) + m.atan(x), [P]),
    "atan2_hypot": (lambda m, x, y: m.atan2(x, y) + m.hypot(x, y), [M, P]),
    "round_family": (lambda m, x: m.floor(x * 3) + m.ceil(x * 3) + m.trunc(x * 3) + m.round(x * 3) + m.frac(x * 3), [M]),
    "remainder_fmod": (lambda m, x, y: m.remainder(x * 3, y) + m.fmod(x * 3, y), [M, P]),
    "lerp": (lambda m, x, y: m.lerp(x, y, 0.3), [M, P]),
    "cumsum": (lambda m, x: m.cumsum(x, 1) + x.cumsum(0), [M]),
    "prod": (lambda m, x: m.prod(x, 1), [Z]),
    "prod_all": (lambda m, x: x.prod(), [M]),
    "norm": (lambda m, x: m.norm(x) + x.norm(p=1) + m.norm(x, 3, dim=1).sum() + x.norm(float("inf")), [M]),
    "std_mean": (lambda m, x: m.std_mean(x, 1), [M]),
    "var_mean": (lambda m, x: m.var_mean(x, 0, keepdim=True), [M]),
    "diff": (lambda m, x: m.diff(x, n=2, dim=1), [M]),
    "einsum": (lambda m, x, y: m.einsum("ij,kj->ik", x, y), [M, P]),
    "einsum_sum_out": (lambda m, x, y: m.einsum("ij,j->i", x, y[0]), [M, P]),
    "einsum_alone": (lambda m, x, y: m.einsum("ij,kl->ik", x, y), [M, P]),
    "einsum_implicit": (lambda m, x, y: m.einsum("ij,ij", x, y), [M, P]),
    "bmm": (lambda m, x, y: m.bmm(x.reshape(1, 3, 4), y.reshape(1, 4, 3)), [M, P]),
    "mm_mv_dot_outer": (lambda m, x, y: m.mm(x, y.t()) + m.mv(x, y[0]).sum() + m.dot(x[0], y[0]) + m.outer(x[0], y[1]).sum(), [M, P]),
    "addmm": (lambda m, x, y: m.addmm(x[:, :3], x, y.t(), beta=0.5, alpha=2.0), [M, P]),
    "tensordot": (lambda m, x, y: m.tensordot(x, y, dims=([1], [1])), [M, P]),
    "cross": (lambda m, x, y: m.cross(x[:, :3], y[:, :3], dim=1), [M, P]),
    "cdist": (lambda m, x, y: m.cdist(x, y), [M, P]),
    "scatter": (lambda m, x, y: x.scatter(0, m.tensor(IDX[:, :4]), y[:2]), [M, P]),
    "scatter_add": (lambda m, x, y: m.scatter_add(x, 0, m.tensor(IDX), y[:2]), [M, P]),
    "index_add": (lambda m, x, y: x.index_add(0, m.tensor([2, 0, 2]), y), [M, P]),
    "stacks": (lambda m, x, y: m.hstack([x, y]).sum() + m.vstack([x, y]).sum(0) + m.dstack([x, y]).sum(2).sum(), [M, P]),
    "meshgrid": (lambda m, x, y: sum(g.sum() * (i + 1) for i, g in enumerate(m.meshgrid(x[0], y[1], indexing="xy"))), [M, P]),
    "broadcast": (lambda m, x, y: m.broadcast_tensors(x[:1], y)[0] * 2, [M, P]),
    "view_expand_type_as": (lambda m, x, y: x.view_as(y.t()).t() + x[:1].expand_as(y) + y.type_as(x), [M, P]),
    "where_method": (lambda m, x, y: x.where(x > 0, y), [M, P]),
    "softmax": (lambda m, x: m.softmax(x, 1) + x.log_softmax(0), [M]),
    "nan_to_num": (lambda m, x: m.nan_to_num(m.log(x)), [M]),
    "diagonal_trace": (lambda m, x: m.diagonal(x, 1) * 2 + m.trace(x[:, :3]), [M]),
    "movedim": (lambda m, x: m.movedim(x.reshape(3, 2, 2), 0, 2), [M]),
    "masked_select": (lambda m, x: m.masked_select(x, x > 0), [M]),
    "rot90_flips": (lambda m, x: m.rot90(x, 1, [0, 1]).sum(1)[:3] + m.fliplr(x).sum(0)[:3] + m.flipud(x)[0, :3], [M]),
    "inner": (lambda m, x, y: m.inner(x, y), [M, P]),
    "scatter_inplace": (lambda m, x, y: (x * 1).scatter_(0, m.tensor(IDX[:, :4]), y[:2]).scatter_add_(
        0, m.tensor(IDX), y[:2]).index_add_(0, m.tensor([1, 1, 0]), y), [M, P]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_op_matches_torch(name):
    fn, arrays = CASES[name]
    with np.errstate(invalid="ignore"):  # nan_to_num's case takes the log of negatives on purpose
        assert_parity(lambda *a: fn(nnlab, *a), lambda *a: fn(torch, *a), *arrays, atol=1e-9, rtol=1e-9)


def test_comparisons_tests_and_index_queries_match_torch():
    a, b = M, np.round(M, 0)
    for name in ("eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "isclose"):
        ours = getattr(nnlab, name)(nnlab.tensor(a), nnlab.tensor(b)).numpy()
        theirs = getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy()
        assert np.array_equal(ours, theirs), name
        assert np.array_equal(getattr(nnlab.tensor(a), name)(nnlab.tensor(b)).numpy(), theirs), name
    x, tx = nnlab.tensor(Z), torch.tensor(Z)
    assert np.array_equal(nnlab.nonzero(x).numpy(), torch.nonzero(tx).numpy())
    assert all(np.array_equal(o.numpy(), t.numpy()) for o, t in zip(x.nonzero(as_tuple=True), tx.nonzero(as_tuple=True)))
    assert np.array_equal(nnlab.argwhere(x).numpy(), torch.argwhere(tx).numpy())
    assert nnlab.count_nonzero(x).item() == torch.count_nonzero(tx).item()
    assert np.array_equal(x.argsort(1, descending=True).numpy(), tx.argsort(1, descending=True).numpy())
    u = nnlab.tensor([3, 1, 3, 2, 1])
    tu = torch.tensor([3, 1, 3, 2, 1])
    for o, t in zip(nnlab.unique(u, return_inverse=True, return_counts=True),
                    torch.unique(tu, return_inverse=True, return_counts=True)):
        assert np.array_equal(o.numpy(), t.numpy())
    assert nnlab.allclose(x, x + 1e-9) and not nnlab.allclose(x, x + 1e-3) and nnlab.equal(x, x.clone())
    inf = nnlab.tensor([1.0, float("inf"), float("nan")])
    assert inf.isnan().tolist() == [False, False, True] and nnlab.isinf(inf).tolist() == [False, True, False]
    assert nnlab.isfinite(inf).tolist() == [True, False, False] and nnlab.logical_not(inf.isnan()).tolist() == [True, True, False]
    assert np.array_equal(nnlab.searchsorted(nnlab.tensor([1.0, 3.0, 5.0]), nnlab.tensor([0.0, 3.0, 6.0])).numpy(),
                          torch.searchsorted(torch.tensor([1.0, 3.0, 5.0]), torch.tensor([0.0, 3.0, 6.0])).numpy())
    np.testing.assert_allclose(nnlab.logspace(0, 2, 3).numpy(), torch.logspace(0, 2, 3).numpy())
    assert nnlab.any(x > 5).item() is False and x.all(dim=0).tolist() == tx.all(dim=0).tolist()


def test_size_new_factories_and_graph_walk_match_torch():
    x, tx = nnlab.zeros(2, 3), torch.zeros(2, 3)
    assert x.size() == tx.size() == (2, 3) and x.size().numel() == 6 and x.size(-1) == 3
    assert x.numel() == nnlab.numel(x) == 6 and x.nelement() == 6 and x.element_size() == 4
    assert x.stride() == tx.stride() and x.is_contiguous() and x.t().contiguous().is_contiguous()
    y = x.new_full((2,), 7)
    assert y.tolist() == [7.0, 7.0] and y.dtype == nnlab.float32 and x.new_zeros(4).shape == (4,)
    assert x.new_ones((1, 2)).tolist() == [[1.0, 1.0]] and x.new_tensor([1, 2]).dtype == nnlab.float32
    nnlab.manual_seed(0)
    r = nnlab.randn_like(x)
    assert r.shape == (2, 3) and r.dtype == nnlab.float32 and float(r.std()) > 0
    assert nnlab.rand_like(x).shape == (2, 3) and nnlab.is_tensor(x) and x.is_floating_point()
    w = nnlab.tensor([1.0, 2.0], requires_grad=True)
    acc = (w * 2).sum().grad_fn.next_functions[0][0].next_functions[0][0]
    tw = torch.tensor([1.0, 2.0], requires_grad=True)
    tacc = (tw * 2).sum().grad_fn.next_functions[0][0].next_functions[0][0]
    assert acc.variable is w and tacc.variable is tw  # the same walk as in torch
    assert acc.name() == type(tacc).__name__ == "AccumulateGrad"


def test_einsum_and_topk_errors_name_the_problem():
    with pytest.raises(ValueError, match="einsum: '...'"):
        nnlab.einsum("...ij->...ji", nnlab.zeros(2, 2))
    with pytest.raises(RuntimeError, match="topk: k=5"):
        nnlab.topk(nnlab.zeros(3), 5)
