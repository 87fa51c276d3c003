"""ZFNet-style top activating patches per layer on the digits; pooling's invariance to small shifts."""

import numpy as np

from nnlab.lessons.cnn_features import (class_purity, pooling_invariance, shift_images, top_activating_patches,
                                        train_digits_cnn)
from nnlab.lessons.common import predict_array


def test_shift_images_moves_pixels_without_wrapping():
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    s = shift_images(x, 1)
    np.testing.assert_array_equal(s[0, 0, :, 1:], x[0, 0, :, :3])
    assert np.all(s[0, 0, :, 0] == 0)
    np.testing.assert_array_equal(shift_images(x, 0, -1)[0, 0, :3], x[0, 0, 1:])


def test_max_pooling_makes_features_less_sensitive_to_shifts():
    r = pooling_invariance(shifts=(1, 2))
    for s in (1, 2):
        assert r["max_pooling"][s] < 0.85 * r["no_pooling"][s]
    assert r["no_pooling"][2] > r["no_pooling"][1]


def test_deeper_units_respond_to_larger_more_class_specific_patterns():
    model, d = train_digits_cnn(epochs=10)
    assert np.mean(predict_array(model, d.X_dev).argmax(1) == d.y_dev) > 0.9
    first = top_activating_patches(model, d.X_train, "conv1", k=9)
    second = top_activating_patches(model, d.X_train, "conv2", k=9)
    assert first["patches"].shape == (8, 9, 3, 3) and second["patches"].shape == (16, 9, 8, 8)
    # each patch is the stretch of the image that drove the unit: its activation is recomputed from it
    conv = model[0]
    w, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    for ch in (0, 5):
        recomputed = max(0.0, float((w[ch, 0] * first["patches"][ch, 0]).sum() + b[ch]))
        assert abs(recomputed - first["activations"][ch, 0]) < 1e-4
    assert np.all(np.diff(second["activations"], axis=1) <= 0)  # sorted, strongest first
    assert class_purity(second["indices"], d.y_train) > class_purity(first["indices"], d.y_train)
