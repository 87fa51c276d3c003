"""Multi-cell LSTM memory blocks: the standard LSTM when a block has one cell, fewer parameters for the
same cells, and on delayed recall at least as accurate as the standard LSTM."""

import numpy as np
import pytest

import nnlab
from nnlab import nn
from nnlab.lessons.memory_blocks import compare_memory_blocks


def test_one_cell_per_block_is_the_standard_lstm_and_counts():
    nnlab.manual_seed(0)
    blocks, lstm = nn.MultiCellLSTM(3, 4, 1), nn.LSTM(3, 4, batch_first=True)
    with nnlab.no_grad():  # torch's gate rows (i, f, g, o) → the blocks' (i, f, o, g)
        for mine, theirs in (("weight_ih", "weight_ih_l0"), ("weight_hh", "weight_hh_l0"), ("bias_ih", "bias_ih_l0"),
                             ("bias_hh", "bias_hh_l0")):
            i, f, g, o = np.split(getattr(lstm, theirs).array, 4, axis=0)
            getattr(blocks, mine).array[...] = np.concatenate([i, f, o, g])
    x = nnlab.randn(2, 5, 3)
    (y1, (_, c1)), (y2, (_, c2)) = blocks(x), lstm(x)
    np.testing.assert_allclose(y1.array, y2.array, atol=1e-6)
    np.testing.assert_allclose(c1.array, c2.array[0], atol=1e-6)
    # H = B·S cells: (3B + H)(D + H + 2) parameters against 4H(D + H + 2)
    D, B, S = 8, 4, 4
    H = B * S
    assert sum(p.numel() for p in nn.MultiCellLSTM(D, B, S).parameters()) == (3 * B + H) * (D + H + 2)
    assert sum(p.numel() for p in nn.LSTM(D, H).parameters()) == 4 * H * (D + H + 2)
    with pytest.raises(ValueError, match="MultiCellLSTM: expects input"):
        blocks(nnlab.randn(2, 5, 4))


def test_memory_blocks_recall_as_well_with_fewer_parameters():
    lstm, blocks = compare_memory_blocks(hidden=8, cells_per_block=4, symbols=3, delay=6, n_train=512, epochs=25)
    assert blocks.params < 0.5 * lstm.params  # 196 vs 448
    assert blocks.accuracy > 0.9  # 9 classes, chance 0.11; measured 0.98
    assert blocks.accuracy >= lstm.accuracy - 0.05  # measured LSTM 0.78
