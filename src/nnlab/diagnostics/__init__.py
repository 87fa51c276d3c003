"""Diagnostics: probes that show what happens inside a network while it trains (gradient flow through time and through depth),
and the seeds' bias / variance / data-mismatch diagnosis of a model's errors."""

from nnlab.diagnostics.bias_variance import REMEDIES, Diagnosis, diagnose
from nnlab.diagnostics.gradient_flow import GradientFlow, LayerGradients, hidden_gradient_norms, layer_gradient_norms

__all__ = ["GradientFlow", "hidden_gradient_norms", "LayerGradients", "layer_gradient_norms", "diagnose", "Diagnosis", "REMEDIES"]
