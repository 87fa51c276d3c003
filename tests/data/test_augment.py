"""Seeded image augmentation: shapes and dtypes, determinism, flips/crops/shifts by hand, rotation vs np.rot90."""

import numpy as np
import pytest

import nnlab
from nnlab.data import (
    AugmentedDataset,
    Compose,
    DataLoader,
    GaussianNoise,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
    RandomRotation,
    RandomShift,
    TensorDataset,
)


def _images(n=6, c=2, h=5, w=7, dtype=np.float32):
    # Distinct positive values, so every pixel can be traced back to where it came from.
    return (np.arange(n * c * h * w, dtype=np.float64).reshape(n, c, h, w) + 1).astype(dtype)


def _gen(seed=0):
    return np.random.default_rng(seed)


TRANSFORMS = {
    "flip": lambda g: RandomHorizontalFlip(generator=g),
    "crop": lambda g: RandomCrop((4, 5), padding=1, generator=g),
    "shift": lambda g: RandomShift(2, generator=g),
    "rotation": lambda g: RandomRotation(15, generator=g),
    "noise": lambda g: GaussianNoise(0.1, generator=g),
    "normalize": lambda g: Normalize([1.0, 2.0], [2.0, 4.0]),
}
OUT_HW = {"crop": (4, 5)}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shapes_dtypes_and_seeded_determinism(name, dtype):
    x = _images(dtype=dtype)
    out = TRANSFORMS[name](_gen(1))(x)
    assert isinstance(out, np.ndarray) and out.dtype == dtype
    assert out.shape == (6, 2) + OUT_HW.get(name, (5, 7))
    np.testing.assert_array_equal(out, TRANSFORMS[name](_gen(1))(x))
    single = TRANSFORMS[name](_gen(1))(x[0])
    assert single.shape == out.shape[1:] and single.dtype == dtype
    nnlab.manual_seed(4)
    a = TRANSFORMS[name](None)(x)
    nnlab.manual_seed(4)
    np.testing.assert_array_equal(a, TRANSFORMS[name](None)(x))
    t = TRANSFORMS[name](_gen(1))(nnlab.tensor(x))
    assert isinstance(t, nnlab.Tensor)
    np.testing.assert_array_equal(t.array, out)


def test_integer_images_keep_their_dtype_in_geometric_transforms():
    x = _images(dtype=np.uint8)
    for tr in (RandomHorizontalFlip(generator=_gen()), RandomCrop(3, padding=2, generator=_gen()), RandomShift(1, generator=_gen())):
        assert tr(x).dtype == np.uint8
    assert RandomRotation(10, generator=_gen())(x).dtype == np.float32
    assert Normalize(0.5, 0.5)(x).dtype == np.float32


def test_horizontal_flip_by_hand():
    x = _images(n=40)
    np.testing.assert_array_equal(RandomHorizontalFlip(p=1.0)(x), x[..., ::-1])
    np.testing.assert_array_equal(RandomHorizontalFlip(p=0.0)(x), x)
    out = RandomHorizontalFlip(p=0.5, generator=_gen(2))(x)
    flipped = np.array([np.array_equal(o, xi[..., ::-1]) for o, xi in zip(out, x)])
    same = np.array([np.array_equal(o, xi) for o, xi in zip(out, x)])
    assert np.all(flipped ^ same) and 5 < flipped.sum() < 35  # each image one or the other, both occur
    assert np.array_equal(x, _images(n=40))  # the input is left alone


def test_random_crop_by_hand():
    x = _images(n=30)
    pad = 2
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = RandomCrop((4, 6), padding=pad, generator=_gen(3))(x)
    offsets = set()
    for o, p in zip(out, padded):
        hits = [(i, j) for i in range(p.shape[1] - 3) for j in range(p.shape[2] - 5)
                if np.array_equal(p[:, i:i + 4, j:j + 6], o)]
        assert len(hits) == 1  # the crop is exactly one window of the padded image
        offsets.add(hits[0])
    assert len(offsets) > 10  # offsets vary from image to image
    np.testing.assert_array_equal(RandomCrop((5, 7))(x), x)  # full-size crop without padding is the identity
    edge = RandomCrop((9, 11), padding=2, padding_mode="edge")(x)  # padded size: only one window
    np.testing.assert_array_equal(edge, np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)), mode="edge"))
    with pytest.raises(ValueError, match="larger than the padded image"):
        RandomCrop(8)(x)
    with pytest.raises(ValueError, match="padding_mode"):
        RandomCrop(3, padding_mode="wrap")


def _shifted(img, dy, dx):
    """out[y, x] = img[y − dy, x − dx], zero outside: written with explicit index loops."""
    out = np.zeros_like(img)
    _, h, w = img.shape
    for y in range(h):
        for x in range(w):
            if 0 <= y - dy < h and 0 <= x - dx < w:
                out[:, y, x] = img[:, y - dy, x - dx]
    return out


def test_random_shift_by_hand():
    x = _images(n=25)
    out = RandomShift((1, 2), generator=_gen(5))(x)
    shifts = set()
    for o, xi in zip(out, x):
        hits = [(dy, dx) for dy in range(-1, 2) for dx in range(-2, 3) if np.array_equal(_shifted(xi, dy, dx), o)]
        assert len(hits) == 1
        shifts.add(hits[0])
    assert len(shifts) > 5
    np.testing.assert_array_equal(RandomShift(0)(x), x)


@pytest.mark.parametrize("size", [6, 7])
def test_rotation_by_90_degrees_is_rot90(size):
    rgen = np.random.default_rng(0)
    x = rgen.standard_normal((3, 2, size, size)).astype(np.float32)
    out = RandomRotation((90, 90))(x)
    expected = np.rot90(x, k=1, axes=(2, 3))
    np.testing.assert_allclose(out[..., 1:-1, 1:-1], expected[..., 1:-1, 1:-1], atol=1e-5)
    np.testing.assert_allclose(RandomRotation((-90, -90))(x)[..., 1:-1, 1:-1],
                               np.rot90(x, k=-1, axes=(2, 3))[..., 1:-1, 1:-1], atol=1e-5)
    np.testing.assert_allclose(RandomRotation(0)(x), x, atol=1e-6)


def test_small_rotation_keeps_a_constant_interior_and_fills_corners():
    x = np.full((1, 1, 21, 21), 3.0, dtype=np.float32)
    out = RandomRotation((30, 30), fill=0.0)(x)
    np.testing.assert_allclose(out[0, 0, 6:15, 6:15], 3.0, rtol=1e-6)  # well inside the image
    assert out[0, 0, 0, 0] == 0.0  # a corner comes from outside the image
    angles = set(float(RandomRotation(10, generator=_gen(s))(np.eye(5, dtype=np.float32)[None])[0, 0, 1].sum()) for s in range(5))
    assert len(angles) > 1


def test_gaussian_noise_statistics():
    x = np.zeros((20, 3, 16, 16), dtype=np.float32)
    out = GaussianNoise(0.5, generator=_gen(6))(x)
    assert abs(out.mean()) < 0.02 and abs(out.std() - 0.5) < 0.02
    np.testing.assert_array_equal(GaussianNoise(0.0)(x), x)


def test_normalize_statistics_and_by_hand():
    rgen = np.random.default_rng(7)
    x = (rgen.standard_normal((50, 3, 4, 4)) * [[[2.0]], [[3.0]], [[0.5]]] + [[[1.0]], [[-2.0]], [[5.0]]]).astype(np.float32)
    mean, std = x.mean(axis=(0, 2, 3)), x.std(axis=(0, 2, 3))
    out = Normalize(mean.tolist(), std.tolist())(x)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), 1, atol=1e-5)
    img = np.array([[[1.0]], [[6.0]]], dtype=np.float32)
    np.testing.assert_allclose(Normalize([1, 2], [2, 4])(img).ravel(), [0.0, 1.0])
    with pytest.raises(ValueError, match="3 values, the images .* have 2 channels"):
        Normalize([0, 0, 0], [1, 1, 1])(img)
    with pytest.raises(ValueError, match="std must be positive"):
        Normalize(0, 0)


def test_compose_and_augmented_dataset_in_a_loader():
    x = _images(n=8)
    y = np.arange(8, dtype=np.int64)
    pipe = Compose([RandomCrop((5, 7), padding=1), RandomHorizontalFlip(), Normalize(0.0, 1.0)])
    ds = AugmentedDataset(TensorDataset(x, y), pipe)
    assert len(ds) == 8
    nnlab.manual_seed(0)
    epoch1 = [(xb.array.copy(), yb.array.copy()) for xb, yb in DataLoader(ds, batch_size=3)]
    nnlab.manual_seed(0)
    again = [(xb.array.copy(), yb.array.copy()) for xb, yb in DataLoader(ds, batch_size=3)]
    epoch2 = [xb.array.copy() for xb, _ in DataLoader(ds, batch_size=3)]
    assert [b[0].shape for b in epoch1] == [(3, 2, 5, 7), (3, 2, 5, 7), (2, 2, 5, 7)]
    assert epoch1[0][0].dtype == np.float32
    np.testing.assert_array_equal(np.concatenate([b[1] for b in epoch1]), y)  # labels untouched
    for (a, _), (b, _) in zip(epoch1, again):
        np.testing.assert_array_equal(a, b)  # same seed, same augmentations
    assert any(not np.array_equal(a[0], b) for a, b in zip(epoch1, epoch2))  # fresh draws each epoch
    assert np.array_equal(x, _images(n=8))  # the stored data is never modified
    bare = AugmentedDataset(TensorDataset(x), RandomHorizontalFlip(p=1.0), index=0)
    np.testing.assert_array_equal(bare[2][0].array, x[2][..., ::-1])
    with pytest.raises(TypeError, match="callable"):
        AugmentedDataset(TensorDataset(x), "flip")


def test_bad_input_shapes():
    with pytest.raises(ValueError, match=r"RandomHorizontalFlip: expected an image \(C, H, W\) or a batch"):
        RandomHorizontalFlip()(np.zeros((4, 4)))
