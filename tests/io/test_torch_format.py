"""Reading torch.save files without unpickling: real files from torch 2.13, and hostile payloads refused."""

import io
import os
import re
import pickle  # tests only: to craft hostile payloads (src/ never imports it)
import zipfile

import numpy as np
import pytest
import torch

import nnlab
from nnlab import nn


def _torch_bytes(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def test_torch_state_dict_loads_strictly_and_gives_torch_outputs(tmp_path):
    tm = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.Flatten(),
                             torch.nn.Linear(2 * 4 * 4, 3))
    tm.eval()
    path = tmp_path / "model.pth"
    torch.save(tm.state_dict(), path)
    nm = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(32, 3))
    nm.eval()
    state = nnlab.load(path)
    nm.load_state_dict(state, strict=True)
    assert state["1.num_batches_tracked"].dtype == nnlab.int64 and state["1.num_batches_tracked"].shape == ()
    x = np.random.default_rng(0).standard_normal((2, 1, 6, 6)).astype(np.float32)
    np.testing.assert_allclose(nm(nnlab.tensor(x)).detach().numpy(), tm(torch.tensor(x)).detach().numpy(), atol=1e-5)
    with open(path, "rb") as f:  # file objects too, and map_location="cpu"
        again = nnlab.load(f, map_location="cpu")
    assert all(np.array_equal(again[k].numpy(), v.numpy()) for k, v in tm.state_dict().items())


def test_strided_views_dtypes_and_shared_storages():
    base = torch.arange(12, dtype=torch.float64).reshape(3, 4)
    obj = {"t": base.t(), "row": base[1], "half": torch.ones(2, dtype=torch.float16), "b": torch.tensor([True, False]),
           "i": torch.tensor(7), "nested": [(1, 2.5, "x", None)], "empty": torch.zeros(0, 3)}
    got = nnlab.load(io.BytesIO(_torch_bytes(obj)))
    for k in ("t", "row", "half", "b", "i", "empty"):
        assert np.array_equal(got[k].numpy(), obj[k].numpy()) and got[k].shape == tuple(obj[k].shape), k
    assert got["nested"] == [(1, 2.5, "x", None)]


def test_torch_optimizer_state_dict_loads_into_nnlab_adam():
    tm = torch.nn.Linear(3, 2)
    topt = torch.optim.Adam(tm.parameters(), lr=0.01)
    tm(torch.ones(1, 3)).sum().backward()
    topt.step()
    nm = nn.Linear(3, 2)
    nm.load_state_dict(nnlab.load(io.BytesIO(_torch_bytes(tm.state_dict()))))
    nopt = nnlab.optim.Adam(nm.parameters(), lr=0.01)
    sd = nnlab.load(io.BytesIO(_torch_bytes(topt.state_dict())))
    assert sd["state"][0]["step"].shape == ()  # PyTorch's 0-d step
    nopt.load_state_dict(sd)
    assert nopt.state[nm.weight]["step"] == 1
    np.testing.assert_allclose(nopt.state[nm.weight]["exp_avg"], topt.state[tm.weight]["exp_avg"].numpy())


class _System:
    def __init__(self, cmd):
        self.cmd = cmd

    def __reduce__(self):
        return (os.system, (self.cmd,))


class _Eval:
    def __reduce__(self):
        import builtins

        return (builtins.eval, ("__import__('os').system('touch PWNED')",))


def _with_pickle(payload: bytes) -> bytes:
    """A torch.save archive whose data.pkl is replaced by ``payload``."""
    good = zipfile.ZipFile(io.BytesIO(_torch_bytes({"w": torch.ones(2)})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for n in good.namelist():
            z.writestr(n, payload if n.endswith("data.pkl") else good.read(n))
    return out.getvalue()


@pytest.mark.parametrize("make", [
    lambda marker: pickle.dumps({"w": _System(f"touch {marker}")}, protocol=2),
    lambda marker: pickle.dumps(_System(f"touch {marker}"), protocol=4),
    lambda marker: pickle.dumps([1, _Eval()], protocol=2),
    lambda marker: b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR.",  # protocol 0 GLOBAL
    lambda marker: b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n)R.",  # admitted global, malformed call
    lambda marker: b"\x80\x02ccollections\nOrderedDict\n)R}b.",  # BUILD with a dict: refused? (admitted, see below)
    lambda marker: b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x8c\x06system\x93.",  # STACK_GLOBAL
    lambda marker: b"\x80\x02]q\x00(K\x01",  # truncated
    lambda marker: b"\x80\x02(K\x01K\x02l" * 5000 + b".",  # garbage structure
])
def test_hostile_payloads_are_refused_without_executing(tmp_path, make):
    marker = tmp_path / "PWNED"
    data = _with_pickle(make(marker))
    try:
        result = nnlab.load(io.BytesIO(data))
    except ValueError as exc:
        assert "refused as a PyTorch file" in str(exc)
    else:  # only the benign OrderedDict-with-metadata record may load, and it builds nothing else
        assert result == {} or isinstance(result, dict)
    assert not marker.exists() and not os.path.exists("PWNED")


def test_refusal_names_the_global_and_weights_only_false_is_refused():
    data = _with_pickle(pickle.dumps({"w": _System("true")}, protocol=2))
    with pytest.raises(ValueError, match=r"names the global posix\.system|names the global os\.system"):
        nnlab.load(io.BytesIO(data))
    with pytest.raises(ValueError, match="weights_only=False is refused"):
        nnlab.load(io.BytesIO(_torch_bytes({"w": torch.ones(1)})), weights_only=False)
    with pytest.raises(RuntimeError, match="CPU only"):
        nnlab.load(io.BytesIO(_torch_bytes({"w": torch.ones(1)})), map_location="cuda")


def test_save_and_load_through_file_objects_and_module_error():
    buf = io.BytesIO()
    m = nn.Linear(2, 2)
    nnlab.save(m.state_dict(), buf)
    buf.seek(0)
    back = nnlab.load(buf)
    assert all(np.array_equal(back[k].numpy(), v.numpy()) for k, v in m.state_dict().items())
    with pytest.raises(TypeError, match=r"save: cannot store a whole Linear module.*state_dict"):
        nnlab.save(m, io.BytesIO())


def test_src_never_imports_pickle():
    root = os.path.join(os.path.dirname(nnlab.__file__))
    for dirpath, _, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                    text = f.read()
                assert not re.search(r"^\s*(import pickle\b|from pickle\b)|pickle\.loads?\(|Unpickler", text, re.M), name
