"""The model zoo: from the perceptron and logistic regression to multilayer perceptrons."""

from nnlab.models.logistic import LogisticRegression
from nnlab.models.mlp import ACTIVATIONS, MLP
from nnlab.models.perceptron import Perceptron, PerceptronFit

__all__ = ["Perceptron", "PerceptronFit", "LogisticRegression", "MLP", "ACTIVATIONS"]
