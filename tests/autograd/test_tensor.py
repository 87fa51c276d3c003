"""The Tensor container: construction, dtypes, conversion, repr, iteration, comparison."""

import numpy as np
import pytest
import torch

import nnlab


def test_construction_dtypes():
    assert nnlab.tensor([1.0, 2.0]).dtype == np.float32
    assert nnlab.tensor(3.5).dtype == np.float32
    assert nnlab.tensor([1, 2]).dtype == np.int64
    assert nnlab.tensor([True, False]).dtype == np.bool_
    assert nnlab.tensor(np.zeros(2, dtype=np.float64)).dtype == np.float64
    assert nnlab.tensor([1, 2], dtype=nnlab.float64).dtype == np.float64
    assert nnlab.tensor([1, 2], dtype=float).dtype == np.float64  # Python float is double, as in torch


def test_tensor_copies_its_data():
    a = np.ones(3, dtype=np.float32)
    t = nnlab.tensor(a)
    a[0] = 5
    assert t.tolist() == [1.0, 1.0, 1.0]
    shared = nnlab.from_numpy(a)
    a[1] = 7
    assert shared.tolist() == [5.0, 7.0, 1.0]


def test_requires_grad_on_int_tensor_raises():
    with pytest.raises(RuntimeError, match="floating point.*int64"):
        nnlab.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        nnlab.tensor([1, 2]).requires_grad_()


def test_item_numpy_tolist_size_len():
    t = nnlab.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert t.size() == (2, 3) and t.size(1) == 3 and t.size(-1) == 3
    assert len(t) == 2 and t.numel() == 6 and t.dim() == 2
    assert t.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert t.numpy() is t.array
    assert t[1, 2].item() == 6.0 and isinstance(t[1, 2].item(), float)
    assert isinstance(nnlab.tensor([4]).item(), int)
    with pytest.raises(ValueError, match=r"one-element.*\(2, 3\)"):
        t.item()
    with pytest.raises(TypeError, match="0-d"):
        len(nnlab.tensor(1.0))
    w = nnlab.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        w.numpy()
    assert w.detach().numpy().tolist() == [1.0]


def test_array_protocol():
    t = nnlab.tensor([1.0, 2.0])
    a = np.asarray(t)
    assert a.dtype == np.float32 and a.tolist() == [1.0, 2.0]
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert isinstance(np.float32(2) * t, nnlab.Tensor)  # numpy scalars defer to Tensor's operators
    assert float(nnlab.tensor(2.5)) == 2.5 and int(nnlab.tensor(3)) == 3


def test_repr_matches_torch_style():
    assert repr(nnlab.tensor([1.0, 2.5])) == "tensor([1. , 2.5])"
    assert repr(nnlab.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(nnlab.tensor([True])) == "tensor([ True])"
    assert "dtype=float64" in repr(nnlab.tensor([1.0], dtype=nnlab.float64))
    assert repr(nnlab.tensor([1.0], requires_grad=True)).endswith("requires_grad=True)")
    x = nnlab.tensor([1.0], requires_grad=True)
    assert "grad_fn=<MulBackward>" in repr(x * 2)


def test_format_of_one_element_tensor():
    assert f"{nnlab.tensor(0.123456):.3f}" == "0.123"
    assert f"{nnlab.tensor([2.0]):.1f}" == "2.0"


def test_iteration_over_dim_0_keeps_the_graph():
    x = nnlab.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    rows = list(x)
    assert len(rows) == 3 and rows[1].tolist() == [3.0, 4.0]
    (rows[0] * 1 + rows[2] * 3).sum().backward()
    assert x.grad.tolist() == [[1.0, 1.0], [0.0, 0.0], [3.0, 3.0]]
    with pytest.raises(TypeError, match="0-d"):
        iter(nnlab.tensor(1.0))


def test_comparisons_give_bool_tensors_without_grad():
    x = nnlab.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for r in (x > 2, x >= 2, x < 2, x <= 2, x == 2, x != 2, x > nnlab.tensor([0.0, 5.0, 3.0])):
        assert r.dtype == np.bool_ and not r.requires_grad and r.grad_fn is None
    assert (x == 2).tolist() == [False, True, False]
    assert ((x > 1) & (x < 3)).tolist() == [False, True, False]
    assert ((x < 2) | (x > 2)).tolist() == [True, False, True]
    assert (~(x > 1)).tolist() == [True, False, False]
    assert (x == None) is False  # noqa: E711 - falls back to identity, as for torch
    with pytest.raises(TypeError, match="bool and integer"):
        x & x


def test_bool_of_tensor():
    assert bool(nnlab.tensor([1.0]))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(nnlab.tensor([1.0, 2.0]))


def test_tensors_are_hashable_by_identity():
    a, b = nnlab.tensor([1.0]), nnlab.tensor([1.0])
    assert len({a, b}) == 2


def test_manual_seed_repeats_randn():
    nnlab.manual_seed(123)
    a = nnlab.randn(3, 4)
    b = nnlab.rand(2)
    nnlab.manual_seed(123)
    np.testing.assert_array_equal(a.array, nnlab.randn(3, 4).array)
    np.testing.assert_array_equal(b.array, nnlab.rand(2).array)
    assert a.dtype == np.float32
    assert not np.array_equal(a.array, nnlab.randn(3, 4).array)


def test_to_and_casts():
    x = nnlab.tensor([1.5, -2.5], requires_grad=True)
    assert x.to("cpu") is x and x.float() is x
    d = x.double()
    assert d.dtype == np.float64 and d.requires_grad
    (d * d).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [3.0, -5.0]
    assert x.to(nnlab.float64).dtype == np.float64
    assert x.to(dtype=nnlab.float64).dtype == np.float64
    assert x.to(nnlab.tensor([1])).dtype == np.int64
    assert x.long().tolist() == [1, -2] and not x.long().requires_grad
    assert x.to("cpu", nnlab.float64).dtype == np.float64
    with pytest.raises(RuntimeError, match="CPU only"):
        x.to("cuda")


def test_clone_is_a_recorded_copy():
    x = nnlab.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.array is not x.array and not np.shares_memory(c.array, x.array)
    assert "Copy" in repr(c.grad_fn)
    (c * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    plain = nnlab.tensor([1.0]).clone()
    assert not plain.requires_grad


def test_transpose_properties():
    m = nnlab.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(m.T.array, m.array.T)
    b = nnlab.tensor(np.arange(24.0).reshape(2, 3, 4))
    np.testing.assert_array_equal(b.mT.array, torch.arange(24.0).reshape(2, 3, 4).mT.numpy())


def test_floordiv_on_integers():
    assert (nnlab.tensor([7, -7]) // 2).tolist() == [3, -4]
    assert (nnlab.tensor([7, -7]) // 2).tolist() == (torch.tensor([7, -7]) // 2).tolist()
