"""Devices: "cpu" works everywhere a PyTorch program names a device; a GPU is refused in one sentence."""

import pytest

import nnlab
from nnlab import nn


def test_cpu_device_accepted_by_factories_tensors_and_modules():
    dev = nnlab.device("cuda" if nnlab.cuda.is_available() else "cpu")
    assert dev == nnlab.device("cpu") and dev == "cpu" and str(dev) == "cpu" and dev.type == "cpu"
    made = [
        nnlab.zeros(2, 3, device=dev), nnlab.ones(2, device="cpu"), nnlab.full((2,), 1.5, device=dev),
        nnlab.randn(2, device=dev), nnlab.rand(2, device=dev), nnlab.arange(3, device=dev),
        nnlab.linspace(0, 1, 3, device=dev), nnlab.tensor([1.0], device=dev), nnlab.eye(2, device=dev),
        nnlab.zeros_like(nnlab.ones(2), device=dev), nnlab.randint(0, 3, (2,), device=dev),
        nnlab.empty(2, device=dev), nnlab.as_tensor([1, 2], device="cpu:0"),
    ]
    for t in made:
        assert t.device == "cpu" and not t.is_cuda and t.is_cpu
    x = nnlab.ones(2)
    assert x.to(dev) is x and x.cpu() is x and x.to("cpu", nnlab.float64).dtype == nnlab.float64
    m = nn.Linear(2, 2)
    assert m.to(dev) is m and m.cpu() is m
    nnlab.set_default_device("cpu")
    assert nnlab.get_default_device() == "cpu"


@pytest.mark.parametrize("call", [
    lambda: nnlab.zeros(2, device="cuda"),
    lambda: nnlab.tensor([1.0], device="cuda:0"),
    lambda: nnlab.ones(2).to("cuda"),
    lambda: nnlab.ones(2).cuda(),
    lambda: nn.Linear(2, 2).to("cuda"),
    lambda: nn.Linear(2, 2).to(nnlab.device("mps")),
    lambda: nn.Linear(2, 2).cuda(),
    lambda: nnlab.set_default_device("cuda"),
    lambda: nnlab.randn(2, device=0),
])
def test_gpu_requests_fail_with_one_sentence(call):
    with pytest.raises(RuntimeError, match="nnlab runs on the CPU only"):
        call()


def test_cuda_accelerator_and_backends_answer_for_a_cpu_library():
    assert nnlab.cuda.is_available() is False and nnlab.cuda.device_count() == 0
    nnlab.cuda.manual_seed_all(0)
    assert nnlab.accelerator.is_available() is False and nnlab.accelerator.current_accelerator() is None
    nnlab.backends.cudnn.benchmark = True
    assert nnlab.backends.cudnn.benchmark and not nnlab.backends.mps.is_available()
    with pytest.raises(RuntimeError, match="device type"):
        nnlab.device("tpu")


def test_dtype_aliases_and_limits_match_torch():
    import torch

    for name in ("float", "double", "half", "long", "int", "short", "bool", "float32", "int64", "uint8", "int8"):
        assert str(getattr(nnlab, name)) == str(getattr(torch, name)).replace("torch.", ""), name
    for dt in ("float16", "float32", "float64"):
        a, b = nnlab.finfo(getattr(nnlab, dt)), torch.finfo(getattr(torch, dt))
        assert (a.eps, a.max, a.min, a.tiny, a.bits, a.resolution) == (b.eps, b.max, b.min, b.tiny, b.bits, b.resolution)
    for dt in ("int8", "int16", "int32", "int64", "uint8"):
        a, b = nnlab.iinfo(getattr(nnlab, dt)), torch.iinfo(getattr(torch, dt))
        assert (a.min, a.max, a.bits) == (b.min, b.max, b.bits)
    x = nnlab.tensor([1.7, -2.2])
    assert x.type() == torch.tensor([1.7]).type() == "torch.FloatTensor"
    assert x.long().tolist() == [1, -2] and x.type(nnlab.double).dtype == nnlab.float64
    assert x.type("torch.LongTensor").type() == "torch.LongTensor"
    with pytest.raises(TypeError, match="finfo"):
        nnlab.finfo(nnlab.int64)
