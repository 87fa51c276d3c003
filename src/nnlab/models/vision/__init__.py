"""The CNN zoo: LeNet-5, AlexNet / ZFNet, VGG, ResNet, GoogLeNet (Inception), MobileNet, the Keras-style CNN."""

from nnlab.models.vision.lenet import LeNet5
from nnlab.models.vision.alexnet import AlexNet, ZFNet, alexnet, zfnet
from nnlab.models.vision.vgg import VGG, vgg11, vgg13, vgg16, vgg19
from nnlab.models.vision.resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50
from nnlab.models.vision.googlenet import GoogLeNet, GoogLeNetOutputs, Inception, InceptionAux, googlenet
from nnlab.models.vision.mobilenet import (
    ConvCost, DepthwiseSeparableConv, MobileNetV1, depthwise_separable_cost, mobilenet_v1,
)
from nnlab.models.vision.keras_cnn import keras_cnn

__all__ = ["LeNet5", "AlexNet", "ZFNet", "alexnet", "zfnet", "VGG", "vgg11", "vgg13", "vgg16", "vgg19",
           "BasicBlock", "Bottleneck", "ResNet", "resnet18", "resnet34", "resnet50",
           "GoogLeNet", "GoogLeNetOutputs", "Inception", "InceptionAux", "googlenet",
           "ConvCost", "DepthwiseSeparableConv", "MobileNetV1", "depthwise_separable_cost", "mobilenet_v1",
           "keras_cnn"]
