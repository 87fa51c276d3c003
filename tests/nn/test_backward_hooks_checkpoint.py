"""Module full backward hooks (as torch 2.13) and gradient checkpointing (same gradients, less memory)."""

import tracemalloc

import numpy as np
import pytest
import torch

import nnlab
from nnlab import nn
from nnlab.utils.checkpoint import checkpoint, checkpoint_sequential

X = np.random.default_rng(0).standard_normal((4, 3))


def _pair():
    t = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2)).double()
    n = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2)).double()
    n.load_state_dict({k: nnlab.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return t, n


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")  # torch's note on the first layer's hook
def test_full_backward_hooks_see_and_replace_the_same_gradients_as_torch():
    t, n = _pair()
    seen = {"t": [], "n": []}

    def recorder(key):
        def hook(module, grad_input, grad_output):
            seen[key].append(([None if g is None else np.array(g.detach().numpy() if hasattr(g, "detach") else g.numpy())
                               for g in grad_input], [np.array(g.numpy()) for g in grad_output]))
            return (grad_input[0] * 2,) if grad_input[0] is not None else None
        return hook

    pre = {"t": [], "n": []}
    for key, model in (("t", t), ("n", n)):
        model[1].register_full_backward_hook(recorder(key))
        model[0].register_full_backward_hook(recorder(key))  # first layer: its input needs no gradient
        model[2].register_full_backward_pre_hook(lambda m, go, key=key: pre[key].append(np.array(go[0].numpy())))
    xt, xn = torch.tensor(X), nnlab.tensor(X, dtype=nnlab.float64)
    t(xt).pow(2).sum().backward()
    n(xn).pow(2).sum().backward()
    assert len(seen["n"]) == len(seen["t"]) == 2 and len(pre["n"]) == 1
    np.testing.assert_allclose(pre["n"][0], pre["t"][0])
    for (gi_n, go_n), (gi_t, go_t) in zip(seen["n"], seen["t"]):
        assert [g is None for g in gi_n] == [g is None for g in gi_t]
        for a, b in zip(gi_n + go_n, gi_t + go_t):
            if a is not None:
                np.testing.assert_allclose(a, b, rtol=1e-12)
    for (name, tp), np_ in zip(t.named_parameters(), n.parameters()):  # doubled grad_input reached layer 0
        np.testing.assert_allclose(np_.grad.numpy(), tp.grad.numpy(), rtol=1e-12, err_msg=name)


def test_checkpoint_gives_the_same_gradients_and_keeps_less_memory():
    nnlab.manual_seed(0)
    blocks = nn.Sequential(*[nn.Sequential(nn.Linear(256, 256), nn.Tanh(), nn.Dropout(0.1)) for _ in range(8)])
    x = nnlab.randn(256, 256, requires_grad=True)

    def run(use_ckpt):
        blocks.zero_grad()
        x.grad = None
        nnlab.manual_seed(1)
        tracemalloc.start()
        out = checkpoint_sequential(blocks, 4, x) if use_ckpt else blocks(x)
        held = tracemalloc.get_traced_memory()[0]
        out.pow(2).mean().backward()
        tracemalloc.stop()
        return held, x.grad.numpy().copy(), [p.grad.numpy().copy() for p in blocks.parameters()]

    plain_mem, gx, gp = run(False)
    ckpt_mem, gx2, gp2 = run(True)
    np.testing.assert_allclose(gx2, gx, rtol=1e-5, atol=1e-7)  # same dropout masks replayed
    for a, b in zip(gp2, gp):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    # 8 blocks keep ~3 (256, 256) float32 arrays each; 4 checkpointed segments keep their inputs only
    assert ckpt_mem < plain_mem / 3


def test_checkpoint_of_a_first_block_still_trains_its_parameters():
    layer = nn.Linear(3, 2)
    out = checkpoint(layer, nnlab.ones(4, 3), use_reentrant=False)
    out.sum().backward()
    assert layer.weight.grad is not None and layer.weight.grad.tolist() == [[4.0] * 3] * 2
    with pytest.raises(TypeError, match="one Tensor"):
        checkpoint(lambda v: (v, v), nnlab.ones(2, requires_grad=True))
