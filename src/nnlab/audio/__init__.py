"""Audio: speech features (spectrogram, log-mel, MFCC), synthetic trigger-word streams, and a
1-D conv + GRU trigger-word detector with precision/recall evaluation."""

from nnlab.audio.features import (
    dct_ii, frame_signal, get_window, hz_to_mel, log_mel_spectrogram, mel_filterbank, mel_to_hz, mfcc,
    num_frames, spectrogram,
)
from nnlab.audio.synthetic import (
    DISTRACTOR_KINDS, TriggerStream, make_trigger_dataset, make_trigger_stream, trigger_labels, trigger_sound,
)
from nnlab.audio.trigger import (
    DetectionReport, TriggerWordDetector, detect_triggers, evaluate_detector, match_detections, stream_features,
    train_detector,
)

__all__ = ["spectrogram", "frame_signal", "get_window", "num_frames", "hz_to_mel", "mel_to_hz", "mel_filterbank",
           "log_mel_spectrogram", "dct_ii", "mfcc", "TriggerStream", "make_trigger_stream", "make_trigger_dataset",
           "trigger_labels", "trigger_sound", "DISTRACTOR_KINDS", "TriggerWordDetector", "train_detector",
           "detect_triggers", "match_detections", "evaluate_detector", "DetectionReport", "stream_features"]
