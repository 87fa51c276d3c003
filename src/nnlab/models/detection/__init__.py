"""Detection models: classification with localization, landmarks, sliding windows, YOLO, R-CNN, Fast / Faster / Mask R-CNN."""

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

# ---- two-stage: RPN, Fast R-CNN head, Faster R-CNN, Mask R-CNN ----
from nnlab.models.detection.rpn import RPNHead, RegionProposalNetwork  # noqa: E402
from nnlab.models.detection.roi_heads import FastRCNNPredictor, RoIHeads, TwoMLPHead  # noqa: E402
from nnlab.models.detection.faster_rcnn import FasterRCNN  # noqa: E402
from nnlab.models.detection.mask_rcnn import MaskHead, MaskRCNN  # noqa: E402
__all__ += ["RPNHead", "RegionProposalNetwork", "TwoMLPHead", "FastRCNNPredictor", "RoIHeads", "FasterRCNN",
            "MaskHead", "MaskRCNN"]

# ---- two-stage detectors on region proposals (rcnn.py, fast_rcnn.py, region.py) ----
from nnlab.models.detection.region import ProposalDetector, train_on_proposals  # noqa: E402
from nnlab.models.detection.rcnn import RCNN, CropCNN, WarpRegions  # noqa: E402
from nnlab.models.detection.fast_rcnn import FastRCNN  # noqa: E402
__all__ += ["ProposalDetector", "train_on_proposals", "RCNN", "CropCNN", "WarpRegions", "FastRCNN"]
