"""The first models of the curriculum: the perceptron, logistic regression, the multilayer perceptron."""

from nnlab.models.basic.logistic import LogisticRegression
from nnlab.models.basic.mlp import ACTIVATIONS, MLP
from nnlab.models.basic.perceptron import Perceptron, PerceptronFit

__all__ = ["Perceptron", "PerceptronFit", "LogisticRegression", "MLP", "ACTIVATIONS"]
