"""Optimizers, learning-rate schedules, gradient clipping, weight penalties and moving averages.

PyTorch's names and semantics (``torch.optim`` 2.x): ``SGD``, ``Adagrad``,
``Adadelta``, ``RMSprop``, ``Adam``, ``AdamW`` on top of :class:`Optimizer`;
``nnlab.optim.lr_scheduler`` like ``torch.optim.lr_scheduler`` (plus the seeds'
inverse-time and inverse-square-root decays); ``clip_grad_norm_`` and
``clip_grad_value_`` like ``torch.nn.utils``.
"""

from nnlab.optim import lr_scheduler
from nnlab.optim.adadelta import Adadelta
from nnlab.optim.adagrad import Adagrad
from nnlab.optim.adam import Adam, AdamW
from nnlab.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_, grad_norm
from nnlab.optim.ewma import ExponentialMovingAverage, ewma
from nnlab.optim.lr_scheduler import (
    CosineAnnealingLR,
    CyclicLR,
    ExponentialLR,
    InverseSqrtDecay,
    InverseTimeDecay,
    LambdaLR,
    LinearLR,
    LRScheduler,
    MultiStepLR,
    OneCycleLR,
    ReduceLROnPlateau,
    StepLR,
)
from nnlab.optim.lbfgs import LBFGS
from nnlab.optim.optimizer import Optimizer
from nnlab.optim.regularization import elastic_net_penalty, l1_penalty, l2_penalty
from nnlab.optim.rmsprop import RMSprop
from nnlab.optim.sgd import SGD

__all__ = [
    "Optimizer",
    "SGD",
    "Adagrad",
    "Adadelta",
    "RMSprop",
    "Adam",
    "AdamW",
    "LBFGS",
    "OneCycleLR",
    "CyclicLR",
    "lr_scheduler",
    "LRScheduler",
    "LambdaLR",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "LinearLR",
    "CosineAnnealingLR",
    "ReduceLROnPlateau",
    "InverseTimeDecay",
    "InverseSqrtDecay",
    "clip_grad_norm_",
    "clip_grad_value_",
    "grad_norm",
    "l1_penalty",
    "l2_penalty",
    "elastic_net_penalty",
    "ExponentialMovingAverage",
    "ewma",
]
