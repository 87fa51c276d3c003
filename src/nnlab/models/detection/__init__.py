"""Detection models: classification with localization, landmarks, sliding windows, YOLO, R-CNN, Fast R-CNN."""

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

# ---- two-stage detectors on region proposals (rcnn.py, fast_rcnn.py, region.py) ----
from nnlab.models.detection.rcnn import RCNN, rcnn_training_set, train_rcnn  # noqa: E402
from nnlab.models.detection.fast_rcnn import FastRCNN, train_fast_rcnn  # noqa: E402
from nnlab.models.detection.region import region_loss  # noqa: E402
__all__ += ["RCNN", "rcnn_training_set", "train_rcnn", "FastRCNN", "train_fast_rcnn", "region_loss"]
