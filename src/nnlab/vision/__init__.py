"""Computer-vision applications: hand-made filters and edge detection, receptive fields."""

from nnlab.vision.filters import FILTERS, apply_filter, edge_magnitude, get_filter
from nnlab.vision.receptive_field import ReceptiveField, ReceptiveFieldRow, receptive_field

__all__ = ["FILTERS", "apply_filter", "edge_magnitude", "get_filter", "ReceptiveField", "ReceptiveFieldRow", "receptive_field"]
