"""Attention's cost is quadratic in the length, the LSTM's linear: FLOP counts and the bytes kept for backward."""

from nnlab.lessons.attention_cost import attention_flops, attention_vs_lstm_cost, lstm_flops


def test_flop_formulas():
    # L = 2d: the quadratic term 4·L²·d equals the projections' 8·L·d²
    assert attention_flops(128, 64) == 8 * 128 * 64 ** 2 * 2
    assert attention_flops(1024, 64) / attention_flops(512, 64) > 3.0  # → 4 as L ≫ d
    assert lstm_flops(1024, 64, 64) == 2 * lstm_flops(512, 64, 64)


def test_memory_kept_for_backward_grows_quadratically_for_attention_only():
    rows = attention_vs_lstm_cost(lengths=(128, 256, 512), d_model=64, nhead=4)
    for a, b in zip(rows, rows[1:]):
        assert b.attention_bytes / a.attention_bytes > 2.9  # doubling L: ×(2 … 4), quadratic part dominating
        assert b.lstm_bytes / a.lstm_bytes < 2.05  # linear (the weights are a constant part)
    last = rows[-1]
    # the stored attention probabilities alone: heads · L² float32 values
    assert last.attention_bytes >= 4 * 512 * 512 * 4
    assert last.attention_bytes > 3 * last.lstm_bytes
