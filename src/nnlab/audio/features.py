"""Speech features in NumPy: STFT spectrogram, mel filterbank, log-mel spectrogram and MFCC.

The pipeline of the seeds' speech models: slice the waveform into overlapping frames, taper
each with a window, take the magnitude of its DFT (the spectrogram: energy per frequency per
frame), pool the linear frequency bins into triangular bands evenly spaced on the mel scale
(HTK: m = 2595 log10(1 + f/700), roughly how the ear spaces pitch), take the log (loudness is
perceived logarithmically), and optionally decorrelate the bands with a DCT-II (the MFCCs).

Every function keeps the input's floating dtype (float32 stays float32) and puts time last:
features are (F, T) like ``torch.stft``, so a batch stacks to (N, F, T) = (N, C, L) for Conv1d.
"""

from __future__ import annotations

import numpy as np

__all__ = ["frame_signal", "get_window", "spectrogram", "hz_to_mel", "mel_to_hz", "mel_filterbank",
           "log_mel_spectrogram", "dct_ii", "mfcc", "num_frames"]


def _float_signal(signal, name: str) -> np.ndarray:
    x = np.asarray(signal)
    if x.dtype.kind != "f":
        x = x.astype(np.float32)
    if x.ndim != 1:
        raise ValueError(f"{name}: expects a 1-D signal (L,), got shape {x.shape}")
    return x


def num_frames(length: int, n_fft: int, hop: int) -> int:
    """T = 1 + ⌊(L − n_fft) / hop⌋ frames of a signal of L samples (0 when L < n_fft)."""
    return 0 if length < n_fft else 1 + (length - n_fft) // hop


def frame_signal(signal, n_fft: int, hop: int) -> np.ndarray:
    """Overlapping frames x[t·hop : t·hop + n_fft] as a read-only strided view (T, n_fft)."""
    x = _float_signal(signal, "frame_signal")
    if n_fft <= 0 or hop <= 0:
        raise ValueError(f"frame_signal: n_fft and hop must be positive, got n_fft={n_fft}, hop={hop}")
    if len(x) < n_fft:
        raise ValueError(f"frame_signal: signal of {len(x)} samples is shorter than n_fft={n_fft}")
    return np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop]


def get_window(window: str | np.ndarray | None, n: int, dtype=np.float32) -> np.ndarray:
    """A length-n window: ``'hann'`` 0.5 − 0.5 cos(2πk/n) (periodic, as torch.hann_window),
    ``'hamming'`` 0.54 − 0.46 cos(2πk/n), ``None``/``'rect'`` ones, or an array given as is."""
    if window is None or (isinstance(window, str) and window in ("rect", "boxcar", "ones")):
        return np.ones(n, dtype=dtype)
    if isinstance(window, str):
        k = np.arange(n)
        if window == "hann":
            return (0.5 - 0.5 * np.cos(2 * np.pi * k / n)).astype(dtype)
        if window == "hamming":
            return (0.54 - 0.46 * np.cos(2 * np.pi * k / n)).astype(dtype)
        raise ValueError(f"get_window: unknown window {window!r}; expected 'hann', 'hamming', 'rect' or an array")
    w = np.asarray(window, dtype=dtype)
    if w.shape != (n,):
        raise ValueError(f"get_window: window array has shape {w.shape}, expected ({n},)")
    return w


def spectrogram(signal, n_fft: int = 256, hop: int = 128, window: str | np.ndarray | None = "hann",
                power: float = 1.0, center: bool = False) -> np.ndarray:
    """S[f, t] = |Σ_k w[k] x[t·hop + k] e^{−2πi f k / n_fft}|^power: the STFT magnitude (power 1) or power (2).

    Args:
        signal: the waveform x (L,). n_fft: frame and DFT length (default 256).
        hop: samples between frames (default 128). window: see :func:`get_window` (default ``'hann'``).
        power: exponent of the magnitude (default 1.0). center: reflect-pad n_fft/2 samples on each
            side so frame t is centred on sample t·hop, as ``torch.stft(center=True)`` (default False).

    Shape:
        output (n_fft/2 + 1, T), T = 1 + ⌊(L' − n_fft)/hop⌋, L' = L (+ n_fft when centred); x's dtype.
    """
    x = _float_signal(signal, "spectrogram")
    if center:
        x = np.pad(x, n_fft // 2, mode="reflect")
    frames = frame_signal(x, n_fft, hop) * get_window(window, n_fft, x.dtype)
    mag = np.abs(np.fft.rfft(frames, n=n_fft, axis=-1)).T
    if power != 1.0:
        mag = mag ** power
    return np.ascontiguousarray(mag, dtype=x.dtype)


def hz_to_mel(f):
    """HTK mel scale: m = 2595 log10(1 + f / 700)."""
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def mel_to_hz(m):
    """Inverse of :func:`hz_to_mel`: f = 700 (10^(m / 2595) − 1)."""
    return 700.0 * (10.0 ** (np.asarray(m, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank(n_mels: int, n_fft: int, sample_rate: int, f_min: float = 0.0, f_max: float | None = None,
                   dtype=np.float32) -> np.ndarray:
    """Triangular filters on the DFT bins, centres evenly spaced in mel between f_min and f_max.

    Filter m rises linearly from 0 at the centre of filter m−1 to 1 at its own centre and falls
    back to 0 at the centre of filter m+1 (n_mels + 2 equally spaced mel points); unnormalized
    (peak 1), the HTK convention.

    Args:
        n_mels: number of filters M. n_fft: DFT length. sample_rate: in Hz.
        f_min: lowest edge in Hz (default 0). f_max: highest edge (default sample_rate / 2).
        dtype: default float32.

    Shape:
        output (M, n_fft/2 + 1).
    """
    f_max = sample_rate / 2.0 if f_max is None else float(f_max)
    if not 0.0 <= f_min < f_max <= sample_rate / 2.0:
        raise ValueError(f"mel_filterbank: need 0 ≤ f_min < f_max ≤ sample_rate/2 = {sample_rate / 2}, "
                         f"got f_min={f_min}, f_max={f_max}")
    if n_mels < 1:
        raise ValueError(f"mel_filterbank: n_mels must be ≥ 1, got {n_mels}")
    bins_hz = np.arange(n_fft // 2 + 1) * sample_rate / n_fft
    edges = mel_to_hz(np.linspace(hz_to_mel(f_min), hz_to_mel(f_max), n_mels + 2))
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins_hz[None, :] - lo) / (mid - lo)
    falling = (hi - bins_hz[None, :]) / (hi - mid)
    return np.clip(np.minimum(rising, falling), 0.0, None).astype(dtype)


def log_mel_spectrogram(signal, sample_rate: int, n_fft: int = 256, hop: int = 128, n_mels: int = 40,
                        f_min: float = 0.0, f_max: float | None = None, window: str | np.ndarray | None = "hann",
                        eps: float = 1e-10) -> np.ndarray:
    """L[m, t] = log(Σ_f M[m, f] |X[f, t]|² + eps): the log of the mel-band power.

    Args:
        signal: waveform (L,). sample_rate: Hz. n_fft, hop, window: as :func:`spectrogram`
            (defaults 256, 128, ``'hann'``). n_mels: M (default 40). f_min, f_max: as
            :func:`mel_filterbank`. eps: floor inside the log (default 1e-10).

    Shape:
        output (M, T).
    """
    power = spectrogram(signal, n_fft, hop, window, power=2.0)
    bank = mel_filterbank(n_mels, n_fft, sample_rate, f_min, f_max, dtype=power.dtype)
    return np.log(bank @ power + power.dtype.type(eps))


def dct_ii(x, n: int | None = None, axis: int = 0, norm: str | None = "ortho") -> np.ndarray:
    """y[k] = s_k Σ_m x[m] cos(π k (2m + 1) / (2M)), k < n: the DCT-II along ``axis``.

    With ``norm='ortho'`` s_0 = √(1/M), s_k = √(2/M) (an orthonormal transform, scipy's and
    torchaudio's MFCC convention); with ``None`` s_k = 2 (scipy's unnormalized DCT-II).

    Args:
        x: the input. n: keep the first n coefficients (default M, all). axis: default 0.
        norm: ``'ortho'`` (default) or ``None``.
    """
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.float32
    size = x.shape[axis]
    n = size if n is None else int(n)
    if not 1 <= n <= size:
        raise ValueError(f"dct_ii: n must lie in [1, {size}] (length of axis {axis}), got {n}")
    k, m = np.arange(n)[:, None], np.arange(size)[None, :]
    basis = np.cos(np.pi * k * (2 * m + 1) / (2 * size))
    if norm == "ortho":
        basis *= np.where(k == 0, np.sqrt(1.0 / size), np.sqrt(2.0 / size))
    elif norm is None:
        basis *= 2.0
    else:
        raise ValueError(f"dct_ii: norm must be 'ortho' or None, got {norm!r}")
    moved = np.moveaxis(x.astype(dtype, copy=False), axis, 0)
    out = np.tensordot(basis.astype(dtype), moved, axes=(1, 0))
    return np.moveaxis(out, 0, axis)


def mfcc(signal, sample_rate: int, n_mfcc: int = 13, n_fft: int = 256, hop: int = 128, n_mels: int = 40,
         f_min: float = 0.0, f_max: float | None = None, window: str | np.ndarray | None = "hann") -> np.ndarray:
    """c[k, t] = DCT-II_m(log-mel[m, t])[k], k < n_mfcc: mel-frequency cepstral coefficients.

    Args:
        signal, sample_rate, n_fft, hop, n_mels, f_min, f_max, window: as :func:`log_mel_spectrogram`.
        n_mfcc: coefficients kept (default 13; ≤ n_mels).

    Shape:
        output (n_mfcc, T).
    """
    if n_mfcc > n_mels:
        raise ValueError(f"mfcc: n_mfcc={n_mfcc} exceeds n_mels={n_mels}")
    logmel = log_mel_spectrogram(signal, sample_rate, n_fft, hop, n_mels, f_min, f_max, window)
    return dct_ii(logmel, n=n_mfcc, axis=0, norm="ortho")
