"""Detection models: classification with localization, landmarks, sliding windows, YOLO."""

from nnlab.models.detection.localization import (
    ConvRegressor, decode_localization, landmark_loss, landmark_net, landmark_targets, localization_loss,
    localization_net, localization_targets, mean_landmark_error,
)
from nnlab.models.detection.sliding_window import WindowClassifier, conv_sliding_window_scores, sliding_window_scores
from nnlab.models.detection.yolo import TARGET_FIELDS, YOLO, YOLOHead
from nnlab.models.detection.yolo_loss import YOLOLoss

__all__ = ["ConvRegressor", "localization_net", "landmark_net", "localization_targets", "localization_loss",
           "decode_localization", "landmark_targets", "landmark_loss", "mean_landmark_error", "WindowClassifier",
           "sliding_window_scores", "conv_sliding_window_scores", "YOLO", "YOLOHead", "YOLOLoss", "TARGET_FIELDS"]
