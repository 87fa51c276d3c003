"""The model zoo: from the perceptron and logistic regression to multilayer perceptrons."""

from nnlab.models.logistic import LogisticRegression
from nnlab.models.mlp import ACTIVATIONS, MLP
from nnlab.models.perceptron import Perceptron, PerceptronFit

__all__ = ["Perceptron", "PerceptronFit", "LogisticRegression", "MLP", "ACTIVATIONS"]

# ---- CNN zoo (lenet, alexnet, vgg, resnet, googlenet, mobilenet, keras_cnn) ----
from nnlab.models.lenet import LeNet5  # noqa: E402
from nnlab.models.alexnet import AlexNet, ZFNet, alexnet, zfnet  # noqa: E402
from nnlab.models.vgg import VGG, vgg11, vgg13, vgg16, vgg19  # noqa: E402
from nnlab.models.resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50  # noqa: E402
from nnlab.models.googlenet import GoogLeNet, GoogLeNetOutputs, Inception, InceptionAux, googlenet  # noqa: E402
from nnlab.models.mobilenet import (  # noqa: E402
    ConvCost, DepthwiseSeparableConv, MobileNetV1, depthwise_separable_cost, mobilenet_v1,
)
from nnlab.models.keras_cnn import keras_cnn  # noqa: E402
__all__ += ["LeNet5", "AlexNet", "ZFNet", "alexnet", "zfnet", "VGG", "vgg11", "vgg13", "vgg16", "vgg19",
            "BasicBlock", "Bottleneck", "ResNet", "resnet18", "resnet34", "resnet50",
            "GoogLeNet", "GoogLeNetOutputs", "Inception", "InceptionAux", "googlenet",
            "ConvCost", "DepthwiseSeparableConv", "MobileNetV1", "depthwise_separable_cost", "mobilenet_v1",
            "keras_cnn"]
