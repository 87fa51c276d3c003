"""Computer-vision applications: filters and edge detection, receptive fields, and detection's
box operations (IoU and its variants, NMS, anchors, RoI pooling / align) and metrics (precision–recall, AP,
mAP, mask IoU)."""

from nnlab.vision.filters import FILTERS, apply_filter, edge_magnitude, get_filter
from nnlab.vision.receptive_field import ReceptiveField, ReceptiveFieldRow, receptive_field

__all__ = ["FILTERS", "apply_filter", "edge_magnitude", "get_filter", "ReceptiveField", "ReceptiveFieldRow", "receptive_field"]

# ---- detection: boxes, IoU losses, NMS (vision/boxes.py, box_losses.py, nms.py) ----
from nnlab.vision.boxes import (  # noqa: E402
    box_area, box_convert, box_iou, clip_boxes_to_image, complete_box_iou, distance_box_iou, generalized_box_iou,
    remove_small_boxes,
)
from nnlab.vision.box_losses import complete_box_iou_loss, distance_box_iou_loss, generalized_box_iou_loss  # noqa: E402
from nnlab.vision.nms import batched_nms, nms, soft_nms  # noqa: E402
__all__ += ["box_area", "box_convert", "box_iou", "generalized_box_iou", "distance_box_iou", "complete_box_iou",
            "clip_boxes_to_image", "remove_small_boxes", "generalized_box_iou_loss", "distance_box_iou_loss",
            "complete_box_iou_loss", "nms", "batched_nms", "soft_nms"]

# ---- RoI ops (vision/roi.py, roi_modules.py), the R-CNN box coder, instance-mask metrics ----
from nnlab.vision.roi import roi_align, roi_pool  # noqa: E402
from nnlab.vision.roi_modules import MultiScaleRoIAlign, RoIAlign, RoIPool  # noqa: E402
__all__ += ["roi_align", "roi_pool", "RoIAlign", "RoIPool", "MultiScaleRoIAlign"]
from nnlab.vision.boxes import decode_deltas, encode_deltas  # noqa: E402
from nnlab.vision.mask_metrics import mask_iou, mean_mask_iou  # noqa: E402
__all__ += ["encode_deltas", "decode_deltas", "mask_iou", "mean_mask_iou"]

# ---- region proposals (vision/felzenszwalb.py, selective_search.py) ----
from nnlab.vision.felzenszwalb import felzenszwalb  # noqa: E402
from nnlab.vision.selective_search import proposal_recall, selective_search  # noqa: E402
__all__ += ["felzenszwalb", "selective_search", "proposal_recall"]

# ---- segmentation: pixel accuracy, IoU, mIoU, Dice (vision/segmentation_metrics.py) ----
from nnlab.vision.segmentation_metrics import (  # noqa: E402
    SegmentationScores, dice_per_class, iou_per_class, mean_iou, pixel_accuracy, segmentation_confusion,
    segmentation_scores,
)
__all__ += ["SegmentationScores", "segmentation_scores", "segmentation_confusion", "pixel_accuracy", "iou_per_class",
            "mean_iou", "dice_per_class"]
