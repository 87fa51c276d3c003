"""Diagnostics: probes that show what happens inside a network while it trains (gradient flow through time)."""

from nnlab.diagnostics.gradient_flow import GradientFlow, hidden_gradient_norms

__all__ = ["GradientFlow", "hidden_gradient_norms"]
