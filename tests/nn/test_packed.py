"""PackedSequence and PyTorch's module paths (nn.functional, nn.utils, nn.utils.rnn, utils.data)."""

import numpy as np
import torch

import nnlab
from nnlab import nn


def test_packed_lstm_matches_torch_outputs_states_and_packed_rows():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 4))
    lengths = [2, 5, 3]
    tl = torch.nn.LSTM(4, 6, batch_first=True).double()
    nl = nn.LSTM(4, 6, batch_first=True).double()
    nl.load_state_dict({k: nnlab.tensor(v.detach().numpy()) for k, v in tl.state_dict().items()})
    tp = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), lengths, batch_first=True, enforce_sorted=False)
    npk = nn.utils.rnn.pack_padded_sequence(nnlab.tensor(x, dtype=nnlab.float64), lengths, batch_first=True,
                                            enforce_sorted=False)
    np.testing.assert_allclose(npk.data.numpy(), tp.data.numpy())
    assert npk.batch_sizes.tolist() == tp.batch_sizes.tolist()
    to, (th, tc) = tl(tp)
    no, (nh, nc) = nl(npk)
    to, tlen = torch.nn.utils.rnn.pad_packed_sequence(to, batch_first=True, total_length=6)
    no, nlen = nn.utils.rnn.pad_packed_sequence(no, batch_first=True, total_length=6)
    np.testing.assert_allclose(no.detach().numpy(), to.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(nh.detach().numpy(), th.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(nc.detach().numpy(), tc.detach().numpy(), atol=1e-12)
    assert nlen.tolist() == tlen.tolist()


def test_pad_sequence_and_parameter_vectors_match_torch():
    seqs = [np.arange(3.0), np.arange(5.0), np.arange(1.0)]
    for bf in (False, True):
        a = nn.utils.rnn.pad_sequence([nnlab.tensor(s) for s in seqs], batch_first=bf, padding_value=-1.0)
        b = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first=bf, padding_value=-1.0)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    m = nn.Linear(3, 2)
    v = nn.utils.parameters_to_vector(m.parameters())
    assert v.shape == (8,) and v.requires_grad
    nn.utils.vector_to_parameters(nnlab.arange(8.0), m.parameters())
    assert m.weight.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and m.bias.tolist() == [6.0, 7.0]


def test_pytorch_module_paths_are_the_same_objects():
    import nnlab.nn.functional as F
    import nnlab.optim.lr_scheduler as sched
    from nnlab.utils.data import DataLoader, TensorDataset, random_split

    assert F.relu is nnlab.functional.relu and F.cross_entropy is nnlab.functional.cross_entropy
    assert nn.functional is F and nn.utils.clip_grad_norm_ is nnlab.nn.utils.clip_grad_norm_
    assert DataLoader is nnlab.data.DataLoader and TensorDataset is nnlab.data.TensorDataset
    assert random_split is nnlab.data.random_split and sched.StepLR is nnlab.optim.StepLR
