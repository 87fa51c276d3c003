"""model.half(): float16 storage and results, computed in float32 and rounded (not NumPy's scalar float16)."""

import numpy as np

import nnlab
from nnlab import nn


def test_half_model_matches_float32_math_rounded_and_trains():
    nnlab.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    ref = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    model.half()
    ref.load_state_dict({k: v.float() for k, v in model.state_dict().items()})
    x = nnlab.randn(32, 8)
    y = ((x[:, 0] > 0).long() + (x[:, 1] > 0).long())
    out16, out32 = model(x.half()), ref(x)
    assert out16.dtype == nnlab.float16 and model[0].weight.dtype == nnlab.float16
    # float32 math rounded once per op: within float16 resolution of the float32 result
    np.testing.assert_allclose(out16.detach().numpy().astype(np.float32), out32.detach().numpy(), atol=2e-2, rtol=2e-2)
    opt = nnlab.optim.SGD(model.parameters(), lr=0.5)
    first = None
    for _ in range(60):
        opt.zero_grad()
        loss = nnlab.functional.cross_entropy(model(x.half()).float(), y)
        loss.backward()
        assert model[0].weight.grad.dtype == nnlab.float16
        opt.step()
        first = first if first is not None else loss.item()
    assert loss.item() < 0.5 * first
