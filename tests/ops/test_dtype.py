"""Dtype rules: float32 stays float32 through every op; PyTorch's promotion, never NumPy's float64."""

import numpy as np
import pytest
import torch

import nnlab

F32 = np.float32


def _f32(*shape):
    return nnlab.tensor(np.random.default_rng(0).uniform(0.5, 1.5, shape).astype(F32), requires_grad=True)


OPS_F32 = {
    "add scalar": lambda x: x + 2.5,
    "radd np.float64": lambda x: np.float64(2.5) + x,
    "mul np.float64": lambda x: x * np.float64(0.1),
    "sub": lambda x: 1.5 - x,
    "div": lambda x: x / 3,
    "rdiv": lambda x: 3.0 / x,
    "pow": lambda x: x**2.5,
    "rpow": lambda x: 2.0**x,
    "exp": nnlab.exp,
    "log": nnlab.log,
    "sqrt": nnlab.sqrt,
    "sin": nnlab.sin,
    "cos": nnlab.cos,
    "abs": nnlab.abs,
    "neg": lambda x: -x,
    "maximum": lambda x: nnlab.maximum(x, 1.0),
    "minimum": lambda x: nnlab.minimum(x, 1.0),
    "clip": lambda x: nnlab.clip(x, 0.6, 1.2),
    "where": lambda x: nnlab.where(x > 1, x, 0.5),
    "where scalar first": lambda x: nnlab.where(x > 1, 0.5, x),
    "masked_fill": lambda x: nnlab.masked_fill(x, x > 1, -1e9),
    "sum": lambda x: x.sum(),
    "mean": lambda x: x.mean(dim=0),
    "var": lambda x: x.var(dim=1),
    "std": lambda x: x.std(),
    "amax": lambda x: x.amax(dim=1),
    "max dim": lambda x: x.max(dim=1).values,
    "logsumexp": lambda x: nnlab.logsumexp(x, dim=1),
    "matmul": lambda x: x @ x.T,
    "linear": lambda x: nnlab.linear(x, x, x[:, 0]),
    "reshape": lambda x: x.reshape(-1),
    "pad reflect": lambda x: nnlab.pad(x, (1, 1), mode="reflect"),
    "pad constant": lambda x: nnlab.pad(x, (1, 1), value=2.5),
    "getitem": lambda x: x[[0, 0]],
    "cat list operand": lambda x: x + [0.5, 0.25, 0.125],
    "clone": lambda x: x.clone(),
}


@pytest.mark.parametrize("name", sorted(OPS_F32))
def test_float32_stays_float32_with_float32_grads(name):
    x = _f32(2, 3)
    y = OPS_F32[name](x)
    assert y.dtype == F32, f"{name} gave {y.dtype}"
    y.sum().backward()
    assert x.grad.dtype == F32


@pytest.mark.parametrize("name", ["exp", "div", "mul np.float64", "matmul", "logsumexp", "var", "pad reflect"])
def test_float64_stays_float64(name):
    x = nnlab.tensor(np.random.default_rng(1).uniform(0.5, 1.5, (2, 3)), dtype=nnlab.float64, requires_grad=True)
    y = OPS_F32[name](x)
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float64


def _torch_dtype_name(t: torch.Tensor) -> str:
    return str(t.dtype).replace("torch.", "")


CASES = [
    ("int * python float", lambda m: 2.5 * m.tensor([1, 2])),
    ("int / int", lambda m: m.tensor([1, 2]) / m.tensor([2, 2])),
    ("int / python int", lambda m: m.tensor([1, 2]) / 2),
    ("python int / int", lambda m: 3 / m.tensor([1, 2])),
    ("int + python int", lambda m: m.tensor([1, 2]) + 1),
    ("bool + python int", lambda m: m.tensor([True, False]) + 1),
    ("int + float32", lambda m: m.tensor([1, 2]) + m.tensor([0.5, 0.5])),
    ("float32 + 0-d float64", lambda m: m.tensor([1.0, 2.0]) + m.tensor(2.0, dtype=m.float64)),
    ("float32 + float64", lambda m: m.tensor([1.0, 2.0]) + m.tensor([2.0, 3.0], dtype=m.float64)),
    ("int ** python float", lambda m: m.tensor([1, 4]) ** 0.5),
    ("exp(int)", lambda m: m.exp(m.tensor([0, 1]))),
    ("sqrt(int)", lambda m: m.sqrt(m.tensor([4, 9]))),
    ("clamp int with float", lambda m: m.clamp(m.tensor([1, 5]), min=1.5)),
    ("where int / float scalar", lambda m: m.where(m.tensor([True, False]), m.tensor([1, 2]), 0.5)),
    ("sum of bool", lambda m: m.tensor([True, True, False]).sum()),
    ("sum of int32", lambda m: m.tensor([1, 2], dtype=m.int32).sum()),
    ("maximum int / float", lambda m: m.maximum(m.tensor([1, 2]), m.tensor([1.5, 0.5]))),
]


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_promotion_matches_torch(name, fn):
    ours, theirs = fn(nnlab), fn(torch)
    assert str(ours.dtype) == _torch_dtype_name(theirs)
    np.testing.assert_allclose(ours.array.astype(np.float64), theirs.double().numpy(), rtol=1e-6)


def test_mixed_float_gradients_flow_through_the_cast():
    a = nnlab.tensor([1.0, 2.0], requires_grad=True)
    b = nnlab.tensor([3.0, 4.0], dtype=nnlab.float64, requires_grad=True)
    y = a * b
    assert y.dtype == np.float64
    y.sum().backward()
    assert a.grad.dtype == np.float32 and a.grad.tolist() == [3.0, 4.0]
    assert b.grad.dtype == np.float64 and b.grad.tolist() == [1.0, 2.0]


def test_reductions_of_int_tensors_that_need_floats_raise():
    with pytest.raises(TypeError, match="mean: expected a floating tensor"):
        nnlab.tensor([1, 2]).mean()
    with pytest.raises(TypeError, match="var: expected a floating tensor"):
        nnlab.tensor([1, 2]).var()


def test_default_dtype_switch():
    nnlab.set_default_dtype(nnlab.float64)
    try:
        assert nnlab.tensor([1.0]).dtype == np.float64
        assert nnlab.zeros(2).dtype == np.float64
        assert (nnlab.tensor([1, 2]) * 0.5).dtype == np.float64
    finally:
        nnlab.set_default_dtype(nnlab.float32)
    assert nnlab.randn(2).dtype == np.float32
