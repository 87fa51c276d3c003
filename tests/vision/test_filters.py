"""Edge filters: the classic 6×6 worked example, Sobel/Scharr against a direct loop, real photos."""

import numpy as np
import pytest

from nnlab.vision.filters import FILTERS, apply_filter, edge_magnitude, get_filter


def test_vertical_edge_worked_example():
    """A 6×6 image, bright left half (10) and dark right half (0): the edge shows as a band of 30s."""
    image = np.array([[10, 10, 10, 0, 0, 0]] * 6, dtype=np.float32)
    out = apply_filter(image, "vertical")
    expected = np.array([[0, 30, 30, 0]] * 4, dtype=np.float32)
    np.testing.assert_array_equal(out, expected)
    # Dark-to-bright gives −30: the sign tells the direction of the change.
    np.testing.assert_array_equal(apply_filter(image[:, ::-1], "vertical"), -expected)
    # The horizontal filter sees no edge in this image.
    np.testing.assert_array_equal(apply_filter(image, "horizontal"), np.zeros((4, 4), np.float32))


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_filters_match_a_direct_cross_correlation(name):
    rng = np.random.default_rng(0)
    image = rng.standard_normal((3, 9, 8)).astype(np.float32)
    k = get_filter(name)
    out = apply_filter(image, name)
    ref = np.zeros((3, 7, 6), dtype=np.float64)
    for i in range(7):
        for j in range(6):
            ref[:, i, j] = (image[:, i : i + 3, j : j + 3] * k).sum(axis=(1, 2))
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    assert out.dtype == np.float32


def test_edge_magnitude_on_a_real_photo():
    from sklearn.datasets import load_sample_images

    photo = load_sample_images().images[0]  # china.jpg, (427, 640, 3) uint8
    grey = photo.mean(axis=2).astype(np.float32) / 255.0
    edges = edge_magnitude(grey, "sobel")
    assert edges.shape == grey.shape
    # Edges are sparse: the strongest 10 % of responses carry far more than 10 % of the energy.
    flat = np.sort(edges.ravel())[::-1]
    top = flat[: flat.size // 10].sum() / flat.sum()
    assert top > 0.3
    # Scharr and Sobel agree on where the edges are.
    corr = np.corrcoef(edges.ravel(), edge_magnitude(grey, "scharr").ravel())[0, 1]
    assert corr > 0.95


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="unknown filter"):
        get_filter("prewitt9")
    with pytest.raises(ValueError, match=r"\(H, W\) or \(C, H, W\)"):
        apply_filter(np.zeros((1, 1, 4, 4)), "vertical")
    with pytest.raises(ValueError, match="unknown method"):
        edge_magnitude(np.zeros((4, 4)), "fancy")
