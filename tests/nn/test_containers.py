"""Sequential, ModuleList, ModuleDict: indexing, mutation and naming, checked against torch."""

from collections import OrderedDict

import numpy as np
import pytest
import torch

import nnlab
import nnlab.nn as nn


def _keys(m):
    return list(m.state_dict())


def test_sequential_indexing_slicing_and_forward():
    a, b, c = nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)
    s = nn.Sequential(a, b, c)
    assert len(s) == 3 and s[0] is a and s[-1] is c and list(s) == [a, b, c]
    head = s[1:]
    assert isinstance(head, nn.Sequential) and list(head) == [b, c]
    assert list(head._modules) == ["1", "2"]  # slices keep the original names, as torch does
    x = nnlab.randn(4, 2)
    np.testing.assert_allclose(s(x).array, c(b(a(x))).array, rtol=1e-6)
    with pytest.raises(IndexError, match="out of range"):
        s[3]
    named = nn.Sequential(OrderedDict(fc=nn.Linear(2, 2), act=nn.ReLU()))
    assert _keys(named) == ["fc.weight", "fc.bias"] and named.fc is named[0]


def test_sequential_mutation_matches_torch_naming():
    ours = nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.Linear(1, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(1, 1), torch.nn.ReLU(), torch.nn.Linear(1, 2))
    for m, lib in ((ours, nn), (theirs, torch.nn)):
        del m[0]
        m.append(lib.Linear(2, 3))
        m.insert(0, lib.Linear(1, 1))
        m[1] = lib.Tanh()
    assert _keys(ours) == _keys(theirs)
    assert [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs]
    assert isinstance(ours.pop(0), nn.Linear) and len(ours) == 3


def test_module_list():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(2)])
    layers.append(nn.ReLU())
    layers.extend([nn.Linear(2, 1)])
    layers.insert(1, nn.Tanh())
    assert len(layers) == 5 and [type(m).__name__ for m in layers] == ["Linear", "Tanh", "Linear", "ReLU", "Linear"]
    assert _keys(layers) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    del layers[1]
    assert _keys(layers) == ["0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"]
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    layers += [nn.Sigmoid()]
    assert isinstance(layers[-1], nn.Sigmoid)
    with pytest.raises(TypeError, match="iterable"):
        layers.extend(nn.ReLU())
    with pytest.raises(NotImplementedError):
        layers(nnlab.zeros(1))
    # parameters of modules held in a plain list are NOT registered; in a ModuleList they are
    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.plain = [nn.Linear(1, 1)]
            self.listed = nn.ModuleList([nn.Linear(1, 1)])

    assert _keys(Holder()) == ["listed.0.weight", "listed.0.bias"]


def test_module_dict():
    d = nn.ModuleDict({"enc": nn.Linear(2, 2)})
    d["dec"] = nn.Linear(2, 1)
    d.update([("act", nn.ReLU())])
    assert list(d) == ["enc", "dec", "act"] and "dec" in d and len(d) == 3
    assert _keys(d) == ["enc.weight", "enc.bias", "dec.weight", "dec.bias"]
    assert list(d.keys()) == ["enc", "dec", "act"] and isinstance(d.pop("act"), nn.ReLU)
    with pytest.raises(KeyError, match="'nope'"):
        d["nope"]
    del d["enc"]
    assert list(d) == ["dec"]
    d.clear()
    assert len(d) == 0
