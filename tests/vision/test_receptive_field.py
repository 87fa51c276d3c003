"""receptive_field: how depth, pooling, stride and dilation grow what a unit sees — checked by hand
and against the gradient of a real network (the set of input pixels that reach one output unit)."""

import numpy as np
import pytest

import nnlab
import nnlab.nn as nn
from nnlab.vision.receptive_field import ReceptiveField, receptive_field


class Pool(nn.Module):
    """A stand-in with torch's pooling attributes (kernel_size, stride=None → kernel, padding, ceil_mode)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False):
        super().__init__()
        self.kernel_size, self.stride, self.padding, self.ceil_mode = kernel_size, stride, padding, ceil_mode


def test_depth_two_3x3_equal_one_5x5_three_equal_7x7():
    assert receptive_field([(3, 1, 1)] * 2).size == receptive_field([(5, 1, 1)]).size == 5
    assert receptive_field([(3, 1, 1)] * 3).size == receptive_field([(7, 1, 1)]).size == 7
    assert [r.size for r in receptive_field([(3, 1, 1)] * 4)] == [3, 5, 7, 9]  # +2 per layer


def test_stride_doubles_the_growth_of_later_layers():
    plain = receptive_field([(3, 1, 1), (3, 1, 1), (3, 1, 1)])
    strided = receptive_field([(3, 2, 1), (3, 1, 1), (3, 1, 1)])
    assert [r.size for r in plain] == [3, 5, 7]
    assert [r.size for r in strided] == [3, 7, 11]  # each later 3×3 adds (3 − 1)·2 = 4
    assert [r.jump for r in strided] == [2, 2, 2]


def test_pooling_grows_the_field():
    # conv3 → pool 2/2 → conv3: 3, then 3 + 1·1 = 4, then 4 + 2·2 = 8
    rows = receptive_field([(3, 1, 1), (2, 2, 1), (3, 1, 1)])
    assert [(r.size, r.jump) for r in rows] == [(3, 1), (4, 2), (8, 2)]


def test_dilation_two_makes_a_3x3_see_5x5():
    assert receptive_field([(3, 1, 2)]).size == 5
    # dilations 1, 2, 4 (as in WaveNet / DeepLab): 3, 7, 15 — exponential growth at constant cost
    assert [r.size for r in receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)])] == [3, 7, 15]


def test_start_and_output_size_by_hand():
    rows = receptive_field([(3, 1, 1, 1), (2, 2, 1), (3, 1, 2, 2)], input_size=16)
    assert [r.output_size for r in rows] == [16, 8, 8]
    assert [r.start for r in rows] == [0.0, 0.5, 0.5]  # 'same' conv keeps centres; pool 2 centres between pixels
    assert [r.size for r in rows] == [3, 4, 12]


def _empirical_field(model, in_size):
    """Input pixels that influence the centre output unit: the support of its gradient."""
    for p in model.parameters():
        p.array[...] = 1.0 / p.array.size  # positive weights: no accidental cancellation
    x = nnlab.ones(1, 1, in_size, in_size, dtype=nnlab.float64, requires_grad=True)
    y = model(x)
    c = tuple(s // 2 for s in y.shape[2:])
    y[(0, 0) + c].backward()
    rows, cols = np.nonzero(x.grad.array[0, 0])
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


def test_read_off_a_sequential_matches_the_gradient_support():
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1, dtype=nnlab.float64), nn.ReLU(),
        nn.Conv2d(2, 2, 3, stride=2, padding=1, dtype=nnlab.float64),
        nn.Conv2d(2, 1, 3, dilation=2, padding=2, bias=False, dtype=nnlab.float64),
    )
    rows = receptive_field(model, input_size=(33, 33))
    assert [r.name for r in rows] == ["0 (Conv2d)", "2 (Conv2d)", "3 (Conv2d)"]
    assert [r.size for r in rows] == [(3, 3), (5, 5), (13, 13)]
    assert rows[-1].output_size == tuple(model(nnlab.zeros(1, 1, 33, 33, dtype=nnlab.float64)).shape[2:])
    assert _empirical_field(model, 33) == (13, 13)


def test_pooling_module_is_duck_typed_and_stride_defaults_to_kernel():
    model = nn.Sequential(nn.Conv2d(1, 4, 5), nn.Sequential(nn.ReLU(), Pool(2)), nn.Conv2d(4, 4, 5), Pool(2, ceil_mode=True))
    rows = receptive_field(model, input_size=32)
    assert [r.name for r in rows] == ["0 (Conv2d)", "1.1 (Pool)", "2 (Conv2d)", "3 (Pool)"]
    # LeNet-5's feature extractor: 5, 5 + 1 = 6, 6 + 4·2 = 14, 14 + 1·2 = 16; jumps 1, 2, 2, 4
    assert [r.size for r in rows] == [(5, 5), (6, 6), (14, 14), (16, 16)]
    assert [r.jump for r in rows] == [(1, 1), (2, 2), (2, 2), (4, 4)]
    assert [r.output_size for r in rows] == [(28, 28), (14, 14), (10, 10), (5, 5)]
    assert rows[2].stride == (1, 1) and rows[1].stride == (2, 2)


def test_ceil_mode_and_same_padding_output_sizes():
    rows = receptive_field([(3, 2, 1, "same"), (2, 2, 1)], input_size=7)
    assert rows[0].output_size == 4 and rows[0].padding == "same"
    assert receptive_field([Pool(2, ceil_mode=True)], input_size=7)[0].output_size == 4
    assert receptive_field([Pool(2)], input_size=7)[0].output_size == 3


def test_table_and_errors():
    rows = receptive_field([(3, 1, 1), (3, 2, 1)])
    assert isinstance(rows, ReceptiveField)
    text = str(rows)
    assert text.splitlines()[0].split() == ["layer", "kernel", "stride", "dilation", "padding", "output", "r", "jump", "start"]
    assert text.splitlines()[-1].split()[:2] == ["layer", "2"] and text.splitlines()[-1].split()[-3] == "5"
    with pytest.raises(ValueError, match=r"\(kernel, stride, dilation\[, padding\]\)"):
        receptive_field([(3, 1)])
    with pytest.raises(ValueError, match="must be positive"):
        receptive_field([(3, 0, 1)])
    with pytest.raises(ValueError, match="transposed convolution"):
        receptive_field(nn.Sequential(nn.ConvTranspose2d(1, 1, 3)))
    with pytest.raises(ValueError, match="does not fit"):
        receptive_field([(5, 1, 1)], input_size=3)


def test_real_pooling_layers_match_forward_shapes_and_gradient_support():
    f64 = nnlab.float64
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, dtype=f64), nn.AvgPool2d(2), nn.Conv2d(2, 2, 3, padding=1, dtype=f64),
        nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True), nn.Conv2d(2, 1, 3, dtype=f64),
    )
    rows = receptive_field(model, input_size=(30, 30))
    assert [r.name for r in rows] == ["0 (Conv2d)", "1 (AvgPool2d)", "2 (Conv2d)", "3 (MaxPool2d)", "4 (Conv2d)"]
    assert [r.size[0] for r in rows] == [3, 4, 8, 12, 16]
    h = nnlab.zeros(1, 1, 30, 30, dtype=f64)
    for row, layer in zip(rows, [m for m in model]):
        h = layer(h)
        assert row.output_size == tuple(h.shape[2:])
    # max pooling routes a gradient to one input per window, so measure the support without it
    no_max = nn.Sequential(*[m for m in model if not isinstance(m, nn.MaxPool2d)])
    assert _empirical_field(no_max, 30) == receptive_field(no_max).size == (12, 12)  # 3, 4, 4 + 2·2, 8 + 2·2
