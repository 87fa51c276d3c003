"""Semantic segmentation: U-Net (with and without skips) and the fully convolutional network (FCN-32s/16s/8s)."""

from nnlab.models.segmentation.unet import UNet
from nnlab.models.segmentation.fcn import FCN, bilinear_kernel, fcn8s, fcn16s, fcn32s

__all__ = ["UNet", "FCN", "fcn32s", "fcn16s", "fcn8s", "bilinear_kernel"]
