"""Tier 2 for nn: layers, MLPs, activation and loss modules against PyTorch (weights copied across)."""

import numpy as np
import pytest
import torch

import nnlab
import nnlab.nn as nn
from tests.parity import assert_module_parity, assert_parity

T = torch.nn
rng = np.random.default_rng(0)


def _x(*shape):
    return rng.standard_normal(shape)


@pytest.mark.parametrize(
    "ours,theirs,shape",
    [
        (lambda: nn.Linear(4, 3), lambda: T.Linear(4, 3), (5, 4)),
        (lambda: nn.Linear(4, 3, bias=False), lambda: T.Linear(4, 3, bias=False), (2, 6, 4)),
        (lambda: nn.Linear(1, 1), lambda: T.Linear(1, 1), (3, 1)),
    ],
    ids=["linear", "linear-nobias-3d", "linear-1x1"],
)
def test_linear_parity(ours, theirs, shape):
    assert_module_parity(ours().double(), theirs(), _x(*shape))


def _mlps():
    return [
        (nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 3)),
         T.Sequential(T.Linear(5, 8), T.ReLU(), T.Linear(8, 8), T.Tanh(), T.Linear(8, 3))),
        (nn.Sequential(nn.Flatten(), nn.Linear(6, 4), nn.GELU(), nn.Linear(4, 4), nn.LogSoftmax(dim=1)),
         T.Sequential(T.Flatten(), T.Linear(6, 4), T.GELU(), T.Linear(4, 4), T.LogSoftmax(dim=1))),
        (nn.Sequential(nn.Linear(5, 4), nn.Sequential(nn.SiLU(), nn.Linear(4, 2)), nn.Sigmoid()),
         T.Sequential(T.Linear(5, 4), T.Sequential(T.SiLU(), T.Linear(4, 2)), T.Sigmoid())),
    ]


@pytest.mark.parametrize("index", range(3))
def test_mlp_parity_outputs_and_parameter_gradients(index):
    ours, theirs = _mlps()[index]
    shape = (4, 2, 3) if index == 1 else (4, 5)
    assert_module_parity(ours.double(), theirs, _x(*shape))


def test_torch_state_dict_as_numpy_into_float32_model_gives_same_outputs():
    ours, theirs = _mlps()[0]
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert all(p.dtype == np.float32 for p in ours.parameters())
    x = _x(7, 5).astype(np.float32)
    np.testing.assert_allclose(ours(nnlab.tensor(x)).array, theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "ours,theirs",
    [
        (nn.ReLU(), T.ReLU()),
        (nn.LeakyReLU(0.2), T.LeakyReLU(0.2)),
        (nn.ELU(alpha=0.7), T.ELU(alpha=0.7)),
        (nn.SELU(), T.SELU()),
        (nn.GELU(), T.GELU()),
        (nn.GELU(approximate="tanh"), T.GELU(approximate="tanh")),
        (nn.Softplus(beta=2.0, threshold=3.0), T.Softplus(beta=2.0, threshold=3.0)),
        (nn.SiLU(), T.SiLU()),
        (nn.Hardtanh(-0.5, 0.8), T.Hardtanh(-0.5, 0.8)),
        (nn.Sigmoid(), T.Sigmoid()),
        (nn.Tanh(), T.Tanh()),
        (nn.Softmax(dim=0), T.Softmax(dim=0)),
        (nn.LogSoftmax(dim=1), T.LogSoftmax(dim=1)),
        (nn.Identity(), T.Identity()),
        (nn.Unflatten(1, (2, 3)), T.Unflatten(1, (2, 3))),
    ],
    ids=lambda m: repr(m),
)
def test_activation_module_parity(ours, theirs):
    assert_module_parity(ours, theirs, _x(4, 6) * 2)


class TorchMaxout(T.Module):
    """Reference maxout built from torch pieces: Linear to D·k units, view (…, D, k), max over k."""

    def __init__(self, d_in, d_out, k):
        super().__init__()
        self.weight = T.Parameter(torch.randn(d_out * k, d_in))
        self.bias = T.Parameter(torch.randn(d_out * k))
        self.d_out, self.k = d_out, k

    def forward(self, x):
        z = T.functional.linear(x, self.weight, self.bias)
        return z.view(*z.shape[:-1], self.d_out, self.k).amax(-1)


def test_maxout_parity_with_torch_composition():
    assert_module_parity(nn.Maxout(5, 3, num_pieces=4).double(), TorchMaxout(5, 3, 4), _x(6, 5))


def test_step_values():
    y = nn.Step(threshold=0.5)(nnlab.tensor([-1.0, 0.49, 0.5, 2.0]))
    np.testing.assert_array_equal(y.array, [0.0, 0.0, 1.0, 1.0])
    assert y.dtype == np.float32


def _labels(n, c, seed=1):
    return np.random.default_rng(seed).integers(0, c, size=n).astype(np.int64)


def test_loss_modules_regression_parity():
    pred, target = _x(4, 3), _x(4, 3) * 2
    for ours, theirs in [
        (nn.MSELoss(), T.MSELoss()),
        (nn.MSELoss(reduction="sum"), T.MSELoss(reduction="sum")),
        (nn.L1Loss(reduction="none"), T.L1Loss(reduction="none")),
        (nn.SmoothL1Loss(beta=0.5), T.SmoothL1Loss(beta=0.5)),
        (nn.HuberLoss(delta=0.7), T.HuberLoss(delta=0.7)),
    ]:
        assert_module_parity(ours, theirs, pred, target)


def test_loss_modules_classification_parity_and_buffers():
    logits = _x(6, 4)
    labels = _labels(6, 4)
    labels[2] = -100  # ignored
    w = np.array([0.5, 1.0, 2.0, 1.5])
    cases = [
        (nn.CrossEntropyLoss(), T.CrossEntropyLoss()),
        (nn.CrossEntropyLoss(weight=nnlab.tensor(w), label_smoothing=0.1, reduction="sum"),
         T.CrossEntropyLoss(weight=torch.tensor(w), label_smoothing=0.1, reduction="sum")),
        (nn.CrossEntropyLoss(weight=nnlab.tensor(w), ignore_index=-100),
         T.CrossEntropyLoss(weight=torch.tensor(w), ignore_index=-100)),
        (nn.NLLLoss(weight=nnlab.tensor(w), reduction="none"), T.NLLLoss(weight=torch.tensor(w), reduction="none")),
    ]
    for ours, theirs in cases:
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert_module_parity(ours, theirs, logits, labels)


def test_binary_loss_modules_parity():
    probs = 1 / (1 + np.exp(-_x(5, 3)))
    targets = (rng.random((5, 3)) > 0.5).astype(np.float64)
    weight = rng.random((5, 3)) + 0.5
    pos = np.array([1.0, 2.0, 3.0])

    def pair(ours, theirs, *arrays):
        assert list(ours.state_dict()) == list(theirs.state_dict())
        # targets are data, not variables: compare the gradient with respect to the prediction
        assert_parity(lambda a: ours.double()(a, nnlab.tensor(targets, dtype=nnlab.float64)),
                      lambda a: theirs.double()(a, torch.from_numpy(targets)), *arrays)

    pair(nn.BCELoss(), T.BCELoss(), probs)
    pair(nn.BCELoss(weight=nnlab.tensor(weight)), T.BCELoss(weight=torch.tensor(weight)), probs)
    logits = _x(5, 3) * 3
    pair(nn.BCEWithLogitsLoss(pos_weight=nnlab.tensor(pos)), T.BCEWithLogitsLoss(pos_weight=torch.tensor(pos)), logits)
    pair(nn.BCEWithLogitsLoss(weight=nnlab.tensor(weight), pos_weight=nnlab.tensor(pos), reduction="none"),
         T.BCEWithLogitsLoss(weight=torch.tensor(weight), pos_weight=torch.tensor(pos), reduction="none"), logits)


def test_loss_module_argument_errors():
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=1.5)
    with pytest.raises(ValueError, match="delta"):
        nn.HuberLoss(delta=0.0)


def test_softmax_without_dim_uses_torchs_legacy_choice_with_a_warning():
    x = _x(3, 4)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        y = nn.Softmax()(nnlab.tensor(x, dtype=nnlab.float64))
    np.testing.assert_allclose(y.array, torch.softmax(torch.from_numpy(x), dim=1).numpy(), rtol=1e-12)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        z = nn.LogSoftmax()(nnlab.tensor(x[0], dtype=nnlab.float64))
    np.testing.assert_allclose(z.array, torch.log_softmax(torch.from_numpy(x[0]), dim=0).numpy(), rtol=1e-12)
