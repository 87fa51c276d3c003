"""√d_k scaling, measured: logit variance ∝ d_k without it, the softmax saturates and its gradient vanishes."""

import math

from nnlab.lessons.attention_scaling import attention_scaling_stats


def test_scaling_keeps_variance_entropy_and_gradient_fixed():
    stats = attention_scaling_stats(d_ks=(4, 64, 1024), n_keys=32, n_queries=400, seed=0)
    for s in stats:
        assert abs(s.raw_var / s.d_k - 1) < 0.1  # Var(q·k) = d_k
        assert abs(s.scaled_var - 1) < 0.1  # Var(q·k/√d_k) = 1
        assert 0.8 * math.log(32) < s.scaled_entropy < math.log(32)  # near-uniform attention at every d_k
    small, big = stats[0], stats[-1]
    # unscaled, the softmax saturates as d_k grows: entropy and gradient collapse
    assert big.raw_entropy < 0.1 * big.scaled_entropy
    assert big.raw_entropy < 0.1 * small.raw_entropy
    assert big.raw_grad < 0.3 * big.scaled_grad
    # scaled, the gradient does not depend on d_k (within 10%)
    assert abs(big.scaled_grad / small.scaled_grad - 1) < 0.1
