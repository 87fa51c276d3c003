"""The CNN zoo: LeNet-5, AlexNet / ZFNet, VGG, ResNet, GoogLeNet (Inception), Inception v3 / v4, Xception,
MobileNet, the Keras-style CNN; the depth of a model measured from its graph and the ILSVRC table."""

from nnlab.models.vision.lenet import LeNet5
from nnlab.models.vision.alexnet import AlexNet, ZFNet, alexnet, zfnet
from nnlab.models.vision.vgg import VGG, vgg11, vgg13, vgg16, vgg19
from nnlab.models.vision.resnet import (
    BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50, resnet101, resnet152,
)
from nnlab.models.vision.googlenet import GoogLeNet, GoogLeNetOutputs, Inception, InceptionAux, googlenet
from nnlab.models.vision.mobilenet import (
    ConvCost, DepthwiseSeparableConv, MobileNetV1, depthwise_separable_cost, mobilenet_v1,
)
from nnlab.models.vision.inception_v3 import InceptionV3, InceptionV3Outputs, inception_v3
from nnlab.models.vision.inception_v4 import InceptionV4, inception_v4
from nnlab.models.vision.xception import SeparableConv2d, Xception, XceptionBlock, xception
from nnlab.models.vision.depth import ILSVRC_WINNERS, ILSVRCEntry, ilsvrc_depths, weight_layer_depth
from nnlab.models.vision.keras_cnn import keras_cnn

__all__ = ["LeNet5", "AlexNet", "ZFNet", "alexnet", "zfnet", "VGG", "vgg11", "vgg13", "vgg16", "vgg19",
           "BasicBlock", "Bottleneck", "ResNet", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
           "GoogLeNet", "GoogLeNetOutputs", "Inception", "InceptionAux", "googlenet",
           "ConvCost", "DepthwiseSeparableConv", "MobileNetV1", "depthwise_separable_cost", "mobilenet_v1",
           "InceptionV3", "InceptionV3Outputs", "inception_v3", "InceptionV4", "inception_v4",
           "SeparableConv2d", "Xception", "XceptionBlock", "xception",
           "ILSVRC_WINNERS", "ILSVRCEntry", "ilsvrc_depths", "weight_layer_depth", "keras_cnn"]
