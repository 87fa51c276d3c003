"""Synthetic trigger streams (labels at the insertion times) and the conv + GRU detector."""

import numpy as np
import pytest

import nnlab
from nnlab.audio import (
    TriggerWordDetector, detect_triggers, evaluate_detector, make_trigger_dataset, make_trigger_stream,
    match_detections, spectrogram, train_detector, trigger_labels, trigger_sound,
)


def test_stream_is_seeded_and_sounds_do_not_overlap():
    a = make_trigger_stream(duration=3.0, seed=5, n_triggers=3, n_distractors=3)
    b = make_trigger_stream(duration=3.0, seed=5, n_triggers=3, n_distractors=3)
    np.testing.assert_array_equal(a.audio, b.audio)
    assert a.audio.dtype == np.float32 and a.audio.shape == (24000,)
    assert len(a.trigger_starts) == 3 and len(a.distractors) == 3
    np.testing.assert_array_equal(a.trigger_ends - a.trigger_starts, 2 * int(0.12 * 8000))
    spans = sorted([(s, e) for s, e in zip(a.trigger_starts, a.trigger_ends)] + [(s, e) for _, s, e in a.distractors])
    assert all(e1 <= s2 for (_, e1), (s2, _) in zip(spans, spans[1:]))


def test_trigger_is_inserted_where_reported():
    s = make_trigger_stream(duration=2.0, seed=1, n_triggers=1, n_distractors=0, noise=0.0)
    start, end = int(s.trigger_starts[0]), int(s.trigger_ends[0])
    half = (start + end) // 2
    # Only hum outside; the trigger's first half is at 1000 Hz, its second at 2000 Hz (bins 32 and 64).
    spec_first = spectrogram(s.audio[start + 100 : start + 356], 256, 256)[:, 0]
    spec_second = spectrogram(s.audio[half + 100 : half + 356], 256, 256)[:, 0]
    assert spec_first.argmax() == 32 and spec_second.argmax() == 64
    assert np.abs(s.audio[end + 50 : end + 400]).max() < 0.25  # hum ≤ 0.2 only
    np.testing.assert_allclose(trigger_sound(8000, reverse=True).shape, (1920,))


def test_labels_align_with_trigger_ends():
    s = make_trigger_stream(duration=4.0, seed=3, n_triggers=3, n_fft=256, hop=128, label_frames=10)
    assert s.labels.shape == ((32000 - 256) // 128 + 1,)
    T = len(s.labels)
    firsts = [max(0, -(-(int(e) - 256) // 128)) for e in s.trigger_ends]
    assert s.labels.sum() == sum(min(10, T - f) for f in firsts)  # the last run may be cut by the stream's end
    runs = np.flatnonzero(np.diff(np.r_[0.0, s.labels]) == 1)  # first labelled frame of each trigger
    for first, end in zip(runs, s.trigger_ends):
        # The first frame that contains the trigger's last sample (end − 1); the frame before does not.
        assert first * 128 + 256 >= end and (first - 1) * 128 + 256 < end
    # Hand case: end at sample 1000, n_fft 256, hop 100 → first frame ⌈744/100⌉ = 8.
    np.testing.assert_array_equal(np.flatnonzero(trigger_labels([1000], 2000, 256, 100, 3)), [8, 9, 10])


def test_detect_triggers_threshold_window_and_refractory():
    p = np.zeros(40)
    p[5:9] = 0.9
    p[12:14] = 0.9
    p[30] = 0.9  # a one-step spike: the 3-step average stays below 0.5
    np.testing.assert_array_equal(detect_triggers(p, 0.5, window=3, refractory=4), [6, 13])
    np.testing.assert_array_equal(detect_triggers(p, 0.5, window=3, refractory=10), [6])
    np.testing.assert_array_equal(detect_triggers(p, 0.5, window=1, refractory=4), [5, 12, 30])


def test_match_detections_counts():
    r = match_detections(np.array([1.02, 1.1, 3.0, 5.5]), np.array([1.0, 2.0, 5.3]), before=0.05, after=0.4)
    assert (r.tp, r.fp, r.fn) == (2, 2, 1)
    assert r.precision == 0.5 and r.recall == pytest.approx(2 / 3)


def test_detector_shapes_and_step_labels():
    m = TriggerWordDetector(n_features=8, channels=4, kernel_size=5, stride=2, hidden_size=3)
    out = m(np.zeros((2, 8, 30), np.float32))
    assert out.shape == (2, 13) and out.dtype == np.float32
    labels = np.zeros(30, np.float32)
    labels[10:14] = 1
    steps = m.step_labels(labels)
    assert steps.shape == (13,)
    np.testing.assert_array_equal(np.flatnonzero(steps), [3, 4])  # last frames 4 + 2j = 10, 12
    with pytest.raises(ValueError, match="expects features"):
        m(np.zeros((2, 7, 30), np.float32))


def test_trained_detector_precision_and_recall():
    nnlab.manual_seed(0)
    train = make_trigger_dataset(100, seed=0, duration=4.0)
    test = make_trigger_dataset(40, seed=1, duration=4.0)
    model, history = train_detector(train, epochs=12, channels=32, hidden_size=32)
    assert history[-1] < 0.2 * history[0]
    report = evaluate_detector(model, test, threshold=0.5)
    assert report.tp + report.fn == sum(len(s.trigger_ends) for s in test)
    assert report.precision >= 0.9 and report.recall >= 0.9, str(report)
