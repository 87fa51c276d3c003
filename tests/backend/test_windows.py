"""sliding_windows is a view of every window, and fold_windows is exactly its adjoint."""

import numpy as np
import pytest

from nnlab.backend.windows import fold_windows, pad_spatial, sliding_windows, unpad_spatial, window_output_shape


def test_windows_match_a_direct_loop_2d():
    x = np.arange(2 * 3 * 7 * 6, dtype=np.float32).reshape(2, 3, 7, 6)
    w = sliding_windows(x, (3, 2), (2, 1), (1, 2))
    assert w.shape == (2, 3, 3, 4, 3, 2)
    for i in range(3):
        for j in range(4):
            np.testing.assert_array_equal(w[:, :, i, j], x[:, :, 2 * i : 2 * i + 3, j : j + 3 : 2])
    assert not w.flags.writeable


@pytest.mark.parametrize(
    "shape, kernel, stride, dilation",
    [((2, 2, 9), (3,), (2,), (1,)), ((1, 3, 6, 7), (2, 3), (1, 2), (2, 1)), ((1, 1, 5, 4, 6), (2, 2, 3), (1, 2, 1), (1, 1, 2))],
)
def test_fold_is_the_adjoint_of_windows(shape, kernel, stride, dilation):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    win = sliding_windows(x, kernel, stride, dilation)
    g = rng.standard_normal(win.shape)
    # <windows(x), g> == <x, fold(g)> for every x and g.
    lhs = float(np.sum(win * g))
    rhs = float(np.sum(x * fold_windows(g, shape[2:], kernel, stride, dilation)))
    assert lhs == pytest.approx(rhs, rel=1e-12)


def test_output_shape_formula_and_errors():
    assert window_output_shape((18,), (3,), (1,), (1,)) == (16,)
    assert window_output_shape((10,), (3,), (2,), (2,)) == (3,)
    with pytest.raises(ValueError, match="does not fit"):
        sliding_windows(np.zeros((1, 1, 2, 2)), (3, 3), (1, 1), (1, 1))


def test_pad_and_unpad_round_trip():
    x = np.ones((1, 2, 3, 3), dtype=np.float32)
    p = pad_spatial(x, ((1, 2), (0, 1)), value=-np.inf)
    assert p.shape == (1, 2, 6, 4) and p.dtype == np.float32 and np.isneginf(p[0, 0, 0, 0])
    np.testing.assert_array_equal(unpad_spatial(p, ((1, 2), (0, 1))), x)
