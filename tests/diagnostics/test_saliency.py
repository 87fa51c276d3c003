import numpy as np
import pytest

import nnlab
from nnlab import nn
from nnlab.diagnostics.saliency import grad_cam, plot_maps, saliency_map


class QuadrantNet(nn.Module):
    """Class 1's score reads only the top-left quadrant of a 1×1 conv's map."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, kernel_size=1)
        with nnlab.no_grad():
            self.conv.weight.array[...] = 1.0
            self.conv.weight.array[1] = -3.0  # a map the score never reads
            self.conv.bias.array[...] = 0.0

    def forward(self, x):
        a = self.conv(x)
        s1 = a[:, :1, :4, :4].sum(dim=(1, 2, 3)).reshape(-1, 1)
        s0 = a.sum(dim=(1, 2, 3)).reshape(-1, 1) * 0.0
        return nnlab.cat([s0, s1], dim=1)


def test_saliency_and_grad_cam_mark_the_region_the_score_reads(tmp_path):
    model = QuadrantNet()
    img = np.random.default_rng(0).random((1, 8, 8)).astype(np.float32)
    s = saliency_map(model, img, label=1)
    assert np.all(s[:4, :4] > 0) and np.all(s[4:, :] == 0) and np.all(s[:, 4:] == 0)
    cam = grad_cam(model, model.conv, img, label=1)
    assert cam.shape == (8, 8) and cam.max() == pytest.approx(1.0)
    # α_0 = 16/64 > 0 for the map the score reads, α_1 = 0: the CAM is ReLU(α_0 · x), i.e. x scaled to a maximum of 1
    np.testing.assert_allclose(cam, img[0] / img[0].max(), rtol=1e-5)
    plot_maps([img], {"saliency": [s], "grad-cam": [cam]}, str(tmp_path / "maps.png"))
    assert (tmp_path / "maps.png").stat().st_size > 1000


def test_bad_image_shape():
    with pytest.raises(ValueError, match="expected one image"):
        saliency_map(QuadrantNet(), np.zeros((2, 1, 8, 8)))
