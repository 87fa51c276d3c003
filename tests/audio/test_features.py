"""Speech features: STFT spectrogram vs a hand DFT and torch.stft, mel filterbank, DCT-II, MFCC."""

import numpy as np
import pytest
import scipy.fft
import torch

from nnlab.audio import (
    dct_ii, frame_signal, get_window, hz_to_mel, log_mel_spectrogram, mel_filterbank, mel_to_hz, mfcc, num_frames,
    spectrogram,
)


def test_spectrogram_matches_hand_dft_and_peaks_at_the_tone():
    sr, n_fft, hop, f0 = 8000, 64, 32, 1000.0  # 1000 Hz = bin 1000·64/8000 = 8 exactly
    x = np.sin(2 * np.pi * f0 * np.arange(512) / sr).astype(np.float32)
    S = spectrogram(x, n_fft, hop, window="hann")
    assert S.shape == (n_fft // 2 + 1, num_frames(512, n_fft, hop)) == (33, 15)
    assert S.dtype == np.float32
    # Hand DFT of frame 3: X[f] = Σ_k w[k] x[3·hop + k] e^{−2πi f k / n_fft}.
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    k = np.arange(n_fft)
    frame = x[3 * hop : 3 * hop + n_fft].astype(np.float64) * w
    hand = np.abs(np.array([np.sum(frame * np.exp(-2j * np.pi * f * k / n_fft)) for f in range(33)]))
    np.testing.assert_allclose(S[:, 3], hand, rtol=1e-4, atol=1e-4)
    assert np.all(S.argmax(axis=0) == 8)
    # A Hann-windowed bin-centred tone: peak |X| = n_fft/4, leaking only into the two neighbours.
    np.testing.assert_allclose(S[8], n_fft / 4, rtol=1e-4)
    np.testing.assert_allclose(S[[7, 9]], n_fft / 8, rtol=1e-4)
    assert S[np.r_[0:7, 10:33]].max() < 1e-3


@pytest.mark.parametrize("center", [False, True])
def test_spectrogram_matches_torch_stft(center):
    x = np.random.default_rng(0).standard_normal(1000)
    ours = spectrogram(x, 128, 40, window="hann", power=2.0, center=center)
    theirs = torch.stft(torch.from_numpy(x), 128, hop_length=40, window=torch.hann_window(128, dtype=torch.float64),
                        center=center, pad_mode="reflect", return_complex=True).abs() ** 2
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-9, atol=1e-9)


def test_frames_windows_and_errors():
    x = np.arange(10, dtype=np.float32)
    np.testing.assert_array_equal(frame_signal(x, 4, 3), [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]])
    np.testing.assert_allclose(get_window("hann", 4), [0.0, 0.5, 1.0, 0.5])
    np.testing.assert_allclose(get_window("hamming", 2), [0.08, 1.0])
    with pytest.raises(ValueError, match="shorter than n_fft"):
        spectrogram(x, 16, 4)
    with pytest.raises(ValueError, match="1-D signal"):
        spectrogram(np.zeros((2, 100)), 16, 4)
    with pytest.raises(ValueError, match="unknown window"):
        get_window("kaiser", 8)


def test_mel_scale_and_filterbank():
    assert hz_to_mel(0.0) == 0.0
    np.testing.assert_allclose(hz_to_mel(700.0), 2595 * np.log10(2.0))
    np.testing.assert_allclose(hz_to_mel(1000.0), 999.99, atol=0.02)  # the scale's anchor: 1000 Hz ≈ 1000 mel
    np.testing.assert_allclose(mel_to_hz(hz_to_mel(np.array([123.0, 4567.0]))), [123.0, 4567.0])
    sr, n_fft, n_mels = 16000, 512, 20
    fb = mel_filterbank(n_mels, n_fft, sr)
    assert fb.shape == (20, 257) and fb.dtype == np.float32
    assert fb.min() >= 0.0 and fb.max() <= 1.0
    # Centres evenly spaced in mel; each filter's peak bin sits at its centre frequency.
    centres = mel_to_hz(np.linspace(0.0, hz_to_mel(8000.0), n_mels + 2))[1:-1]
    np.testing.assert_allclose(fb.argmax(axis=1) * sr / n_fft, centres, atol=sr / n_fft)
    # Neighbouring triangles cross: between two centres the two filters sum to 1 (HTK, unnormalized).
    bins = np.arange(257) * sr / n_fft
    inner = (bins > centres[0]) & (bins < centres[-1])
    np.testing.assert_allclose(fb[:, inner].sum(axis=0), 1.0, atol=1e-5)
    with pytest.raises(ValueError, match="f_max"):
        mel_filterbank(10, 256, 8000, f_max=5000)


def test_log_mel_of_a_tone_peaks_in_its_band():
    sr = 8000
    x = np.sin(2 * np.pi * 1500.0 * np.arange(4000) / sr).astype(np.float32)
    L = log_mel_spectrogram(x, sr, n_fft=256, hop=128, n_mels=24)
    assert L.shape == (24, num_frames(4000, 256, 128)) and L.dtype == np.float32
    fb = mel_filterbank(24, 256, sr)
    band = fb[:, int(round(1500 * 256 / sr))].argmax()
    assert np.all(L.argmax(axis=0) == band)
    np.testing.assert_allclose(L, np.log(fb @ spectrogram(x, 256, 128, power=2.0) + np.float32(1e-10)), rtol=1e-6)


def test_dct_ii_matches_scipy_and_a_hand_case():
    x = np.random.default_rng(1).standard_normal((12, 5))
    np.testing.assert_allclose(dct_ii(x, axis=0), scipy.fft.dct(x, type=2, norm="ortho", axis=0), atol=1e-12)
    np.testing.assert_allclose(dct_ii(x, axis=1, norm=None), scipy.fft.dct(x, type=2, axis=1), atol=1e-12)
    # M = 2: y0 = (x0 + x1)/√2, y1 = (x0 − x1)·cos(π/4) = (x0 − x1)/√2.
    np.testing.assert_allclose(dct_ii(np.array([3.0, 1.0])), [4 / np.sqrt(2), 2 / np.sqrt(2)])
    assert dct_ii(np.ones((4, 2), np.float32), n=2).dtype == np.float32
    with pytest.raises(ValueError, match="n must lie"):
        dct_ii(x, n=13)


def test_mfcc_is_the_dct_of_log_mel():
    sr = 8000
    x = np.random.default_rng(2).standard_normal(2000).astype(np.float32)
    c = mfcc(x, sr, n_mfcc=13, n_fft=256, hop=128, n_mels=32)
    assert c.shape == (13, num_frames(2000, 256, 128)) and c.dtype == np.float32
    logmel = log_mel_spectrogram(x, sr, 256, 128, n_mels=32).astype(np.float64)
    np.testing.assert_allclose(c, scipy.fft.dct(logmel, type=2, norm="ortho", axis=0)[:13], rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="exceeds n_mels"):
        mfcc(x, sr, n_mfcc=40, n_mels=32)
