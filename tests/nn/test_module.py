"""Module: registration, traversal, modes, state_dict / load_state_dict, hooks, repr, dtype."""

import copy
from collections import OrderedDict

import numpy as np
import pytest
import torch

import nnlab
import nnlab.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.scale = nn.Parameter(nnlab.ones(4))
        self.register_buffer("running", nnlab.zeros(4))
        self.register_buffer("scratch", nnlab.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc(x) * self.scale + self.running


class TorchBlock(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(3, 4)
        self.scale = torch.nn.Parameter(torch.ones(4))
        self.register_buffer("running", torch.zeros(4))
        self.register_buffer("scratch", torch.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc(x) * self.scale + self.running


def test_parameter_is_a_tensor_and_shares_data():
    t = nnlab.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    assert isinstance(p, nnlab.Tensor) and p.requires_grad and p.is_leaf
    p.array[0] = 5.0
    assert t.array[0] == 5.0  # shares the tensor's storage, like torch
    assert repr(p).startswith("Parameter containing:\ntensor([5., 2.]")
    assert not nn.Parameter(np.zeros(2, np.float32), requires_grad=False).requires_grad
    assert type(p * 2) is nnlab.Tensor
    with pytest.raises(RuntimeError, match="floating"):
        nn.Parameter(np.zeros(2, np.int64))


def test_setattr_registers_and_reassigns():
    m = Block()
    assert list(m._parameters) == ["scale"] and list(m._modules) == ["fc"]
    assert list(m._buffers) == ["running", "scratch"]
    m.scale = None  # a declared parameter may be set to None ...
    assert m.scale is None and "scale" in m._parameters
    with pytest.raises(TypeError, match="parameter 'scale'"):
        m.scale = nnlab.ones(4)  # ... but not to a plain Tensor
    m.running = nnlab.ones(4)
    assert m._buffers["running"].array.sum() == 4
    with pytest.raises(TypeError, match="buffer 'running'"):
        m.running = 3
    m.fc = nn.ReLU()  # a Module replaces a Module
    assert isinstance(m._modules["fc"], nn.ReLU)
    m.other = 7  # plain attributes stay plain
    assert "other" in m.__dict__
    m.other = nn.Parameter(nnlab.zeros(1))  # becomes a parameter, leaves __dict__
    assert "other" not in m.__dict__ and "other" in m._parameters
    del m.other
    assert "other" not in m._parameters
    with pytest.raises(AttributeError, match="'Block' object has no attribute 'missing'"):
        m.missing
    assert {"fc", "running", "scale"} <= set(dir(m))


def test_registration_errors():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(nnlab.zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()
    m = nn.Module()
    with pytest.raises(KeyError, match="'.'"):
        m.register_parameter("a.b", None)
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("training", None)
    with pytest.raises(TypeError, match="Tensor or None"):
        m.register_buffer("b", np.zeros(2))
    with pytest.raises(TypeError, match="not a Module"):
        m.add_module("x", 3)
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        m(1)


def test_named_members_match_torch_and_dedupe_shared():
    ours, theirs = Block(), TorchBlock()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_parameters(prefix="m", recurse=False)] == ["m.scale"]

    shared = nn.Linear(2, 2)
    tied = nn.Sequential(shared, nn.Tanh(), shared)
    tshared = torch.nn.Linear(2, 2)
    ttied = torch.nn.Sequential(tshared, torch.nn.Tanh(), tshared)
    assert [n for n, _ in tied.named_parameters()] == [n for n, _ in ttied.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(tied.modules())) == 3 and len(list(tied.children())) == 2
    # state_dict keeps both names, as PyTorch does
    assert list(tied.state_dict()) == list(ttied.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_apply_train_eval_requires_grad_zero_grad():
    m = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Dropout(), nn.Linear(3, 1)))
    visited = []
    assert m.apply(lambda mod: visited.append(type(mod).__name__)) is m
    assert visited == ["Linear", "Dropout", "Linear", "Sequential", "Sequential"]  # children first
    assert m.eval() is m and not any(mod.training for mod in m.modules())
    assert m.train() is m and all(mod.training for mod in m.modules())
    with pytest.raises(ValueError, match="bool"):
        m.train("yes")
    m[1].requires_grad_(False)
    assert [p.requires_grad for p in m.parameters()] == [True, True, False, False]
    m.requires_grad_(True)
    m(nnlab.randn(4, 2)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.array.any() for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_state_dict_keys_values_and_sharing():
    ours, theirs = Block(), TorchBlock()
    sd = ours.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == list(theirs.state_dict()) == ["scale", "running", "fc.weight", "fc.bias"]
    assert not sd["fc.weight"].requires_grad and type(sd["fc.weight"]) is nnlab.Tensor
    sd["running"].array[0] = 3.0  # values share data with the module, as torch's do
    assert ours.running.array[0] == 3.0


def _nested_pair():
    ours = nn.Sequential(
        OrderedDict(
            enc=nn.ModuleList([nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 3))]),
            heads=nn.ModuleDict({"a": nn.Linear(3, 1), "b": nn.Linear(3, 2, bias=False)}),
        )
    )
    T = torch.nn
    theirs = T.Sequential(
        OrderedDict(
            enc=T.ModuleList([T.Linear(2, 3), T.Sequential(T.ReLU(), T.Linear(3, 3))]),
            heads=T.ModuleDict({"a": T.Linear(3, 1), "b": T.Linear(3, 2, bias=False)}),
        )
    )
    return ours, theirs


def test_nested_container_keys_match_torch():
    ours, theirs = _nested_pair()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert ours.get_submodule("enc.1.1") is ours.enc[1][1]
    with pytest.raises(AttributeError, match="'zz'"):
        ours.get_submodule("enc.zz")


def test_load_torch_state_dict_as_numpy_gives_same_outputs():
    ours, theirs = Block(), TorchBlock()
    with torch.no_grad():
        theirs.running.copy_(torch.randn(4))
        theirs.scale.copy_(torch.randn(4))
    result = ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    assert ours.fc.weight.dtype == np.float32  # values are cast into the existing parameters
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(nnlab.tensor(x)).array, theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_load_state_dict_in_place_and_dtype_cast():
    m = nn.Linear(2, 2)
    w = m.weight
    m.load_state_dict({"weight": np.eye(2), "bias": nnlab.tensor([1.0, 2.0], dtype=nnlab.float64)})
    assert m.weight is w and m.weight.dtype == np.float32
    np.testing.assert_array_equal(m.weight.array, np.eye(2, dtype=np.float32))


def test_load_state_dict_strict_errors_and_non_strict():
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    before = m[0].weight.array.copy()
    good = {k: v.array.copy() + 1 for k, v in m.state_dict().items()}
    bad = dict(good)
    del bad["2.bias"]
    bad["2.extra"] = np.zeros(1)
    bad["0.weight"] = np.zeros((4, 2))
    with pytest.raises(RuntimeError) as err:
        m.load_state_dict(bad)
    msg = str(err.value)
    assert 'Missing key(s) in state_dict: "2.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "2.extra"' in msg
    assert "size mismatch for 0.weight" in msg and "(4, 2)" in msg and "(3, 2)" in msg
    np.testing.assert_array_equal(m[0].weight.array, before)  # nothing copied on failure

    partial = {k: v for k, v in good.items() if k != "2.bias"}
    partial["junk"] = np.zeros(1)
    missing, unexpected = m.load_state_dict(partial, strict=False)
    assert missing == ["2.bias"] and unexpected == ["junk"]
    np.testing.assert_array_equal(m[0].weight.array, good["0.weight"])
    with pytest.raises(RuntimeError, match="size mismatch for 2.weight"):
        m.load_state_dict({"2.weight": np.zeros((2, 2))}, strict=False)  # shapes are checked even non-strict


def test_forward_hooks_fire_modify_and_remove():
    m = nn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: calls.append(("pre", args[0].shape)))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append(("post", out.shape)))
    m(nnlab.zeros(3, 2))
    assert calls == [("pre", (3, 2)), ("post", (3, 2))]
    h1.remove()
    h2.remove()
    h2.remove()  # idempotent
    m(nnlab.zeros(1, 2))
    assert len(calls) == 2
    with m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,)):
        with m.register_forward_hook(lambda mod, args, out: out + 1):
            y = m(nnlab.ones(1, 2))
    np.testing.assert_allclose(y.array, m.bias.array[None] + 1, rtol=1e-6)
    np.testing.assert_allclose(m(nnlab.zeros(1, 2)).array, m.bias.array[None], rtol=1e-6)  # handles removed on exit


def test_repr_matches_torch():
    ours = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.25), nn.Linear(8, 2, bias=False),
                         nn.Sequential(nn.LeakyReLU(0.2), nn.Softmax(dim=1)), nn.Flatten(), nn.Tanh(),
                         nn.GELU(approximate="tanh"), nn.ELU(), nn.Hardtanh(-2.0, 2.0), nn.Softplus())
    T = torch.nn
    theirs = T.Sequential(T.Linear(4, 8), T.ReLU(), T.Dropout(0.25), T.Linear(8, 2, bias=False),
                          T.Sequential(T.LeakyReLU(0.2), T.Softmax(dim=1)), T.Flatten(), T.Tanh(),
                          T.GELU(approximate="tanh"), T.ELU(), T.Hardtanh(-2.0, 2.0), T.Softplus())
    assert repr(ours) == repr(theirs)
    ml = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU()])
    tml = T.ModuleList([T.Linear(2, 2), T.Linear(2, 2), T.ReLU()])
    assert repr(ml) == repr(tml)
    assert repr(nn.ModuleDict({"a": nn.ReLU()})) == repr(T.ModuleDict({"a": T.ReLU()}))
    assert repr(nn.CrossEntropyLoss()) == repr(T.CrossEntropyLoss())


def test_to_double_float_keeps_parameter_objects():
    m = Block()
    w = m.fc.weight
    m(nnlab.randn(2, 3)).sum().backward()
    assert m.double() is m
    assert m.fc.weight is w and w.dtype == np.float64 and w.grad.dtype == np.float64
    assert m.running.dtype == np.float64
    y = m(nnlab.randn(2, 3, dtype=nnlab.float64))
    assert y.dtype == np.float64
    m.to(dtype=nnlab.float32).to("cpu")
    assert all(p.dtype == np.float32 for p in m.parameters())
    with pytest.raises(TypeError, match="floating"):
        m.to(nnlab.int64)


def test_deepcopy_is_independent():
    m = nn.Sequential(nn.Linear(2, 2))
    c = copy.deepcopy(m)
    assert isinstance(c[0].weight, nn.Parameter) and c[0].weight is not m[0].weight
    c[0].weight.array[...] = 0
    assert m[0].weight.array.any()
