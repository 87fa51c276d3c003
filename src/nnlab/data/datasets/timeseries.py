"""Synthetic sequences: a seasonal 1-d time series with forecasting windows, and the long-range
memory tasks of the RNN literature (the adding problem, the copy task).

Every generator takes ``seed`` (identical output on every run; ``None`` draws from
nnlab's global generator) and returns float32 (float64 on request) values and int64 labels.
"""

from __future__ import annotations

import numpy as np

from nnlab.backend import as_dtype, default_generator, float32

__all__ = ["make_seasonal_series", "make_windows", "make_adding_problem", "make_copy_task"]


def _rng(seed: int | None) -> np.random.Generator:
    return default_generator() if seed is None else np.random.default_rng(seed)


def make_seasonal_series(n: int = 1000, trend: float = 0.002, periods: tuple[float, float] = (24.0, 168.0),
                         amplitudes: tuple[float, float] = (1.0, 0.5), noise: float = 0.1, seed: int | None = 0,
                         dtype=float32) -> np.ndarray:
    """x_t = trend·t + a₁ sin(2πt / P₁) + a₂ sin(2πt / P₂ + π/4) + ε_t, ε_t ~ N(0, noise²).

    Hourly-looking data by default: a daily (24) and a weekly (168) cycle on a slow trend.

    Args:
        n: number of time steps. Default: 1000.
        trend: slope per step. Default: 0.002.
        periods: the two seasonal periods P₁, P₂ in steps. Default: (24, 168).
        amplitudes: their amplitudes a₁, a₂. Default: (1.0, 0.5).
        noise: standard deviation of the Gaussian noise. Default: 0.1.
        seed: Default: 0.
        dtype: Default: float32.

    Shape:
        output: (n,).
    """
    if n < 1:
        raise ValueError(f"make_seasonal_series: n must be >= 1, got {n}")
    if len(periods) != 2 or len(amplitudes) != 2 or min(periods) <= 0:
        raise ValueError(f"make_seasonal_series: need two positive periods and two amplitudes, "
                         f"got periods={periods}, amplitudes={amplitudes}")
    t = np.arange(n, dtype=np.float64)
    x = (trend * t + amplitudes[0] * np.sin(2 * np.pi * t / periods[0])
         + amplitudes[1] * np.sin(2 * np.pi * t / periods[1] + np.pi / 4)
         + noise * _rng(seed).standard_normal(n))
    return x.astype(as_dtype(dtype))


def make_windows(series: np.ndarray, window: int, horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """X[i] = series[i : i+w], y[i] = series[i+w+h−1]: supervised pairs for h-step-ahead forecasting.

    Args:
        series: the 1-d series, (S,).
        window: w, past values per input.
        horizon: h, how far ahead the target lies (1 = the next value). Default: 1.

    Shape:
        X: (S − w − h + 1, w); y: (S − w − h + 1,), in the series' dtype.
    """
    s = np.asarray(series)
    if s.ndim != 1:
        raise ValueError(f"make_windows: the series must be 1-d, got shape {s.shape}")
    if window < 1 or horizon < 1 or len(s) < window + horizon:
        raise ValueError(f"make_windows: a series of {len(s)} steps has no window of {window} "
                         f"followed by a target {horizon} step(s) ahead")
    m = len(s) - window - horizon + 1
    X = np.lib.stride_tricks.sliding_window_view(s, window)[:m]
    return np.ascontiguousarray(X), s[window + horizon - 1:].copy()


def make_adding_problem(n: int = 1000, length: int = 100, seed: int | None = 0,
                        dtype=float32) -> tuple[np.ndarray, np.ndarray]:
    """x[:, t] = (u_t, m_t) with u_t ~ U(0, 1) and exactly two marks m; y = Σ_t u_t m_t.

    Hochreiter & Schmidhuber's long-range task: one mark in the first half of the sequence,
    one in the second, so the model must remember a value for ~length/2 steps. Predicting
    y = 1 always gives MSE ≈ 1/6.

    Args:
        n: number of sequences. Default: 1000.
        length: L, steps per sequence (>= 2). Default: 100.
        seed: Default: 0.
        dtype: Default: float32.

    Shape:
        X: (n, L, 2); y: (n,).
    """
    if length < 2:
        raise ValueError(f"make_adding_problem: length must be >= 2, got {length}")
    rng = _rng(seed)
    values = rng.random((n, length))
    half = length // 2
    first = rng.integers(0, half, n)
    second = rng.integers(half, length, n)
    marks = np.zeros((n, length))
    marks[np.arange(n), first] = 1.0
    marks[np.arange(n), second] = 1.0
    X = np.stack([values, marks], axis=-1).astype(as_dtype(dtype))
    return X, (values * marks).sum(axis=1).astype(as_dtype(dtype))


def make_copy_task(n: int = 1000, seq_len: int = 10, delay: int = 100, num_symbols: int = 8,
                   seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Read S symbols, wait ``delay`` blanks, then at the cue reproduce the S symbols.

    Tokens: 0 = blank, 1 = cue, 2 … K+1 = symbols. Input: the S symbols, D − 1 blanks, the
    cue, S blanks; target: S + D blanks, then the S symbols. Predicting blanks and then
    uniform guesses gives a mean cross-entropy of S·ln K / (2S + D), the baseline to beat.

    Args:
        n: number of sequences. Default: 1000.
        seq_len: S, symbols to remember. Default: 10.
        delay: D, steps between the end of the symbols and the cue's output start (>= 1). Default: 100.
        num_symbols: K, the alphabet size. Default: 8.
        seed: Default: 0.

    Shape:
        X, y: (n, S + D + S) int64 token indices in [0, K + 2).
    """
    if seq_len < 1 or delay < 1 or num_symbols < 1:
        raise ValueError(f"make_copy_task: seq_len, delay and num_symbols must be >= 1, "
                         f"got {seq_len}, {delay}, {num_symbols}")
    rng = _rng(seed)
    symbols = rng.integers(2, num_symbols + 2, (n, seq_len))
    L = 2 * seq_len + delay
    X = np.zeros((n, L), dtype=np.int64)
    y = np.zeros((n, L), dtype=np.int64)
    X[:, :seq_len] = symbols
    X[:, seq_len + delay - 1] = 1
    y[:, seq_len + delay:] = symbols
    return X, y
