"""Edge detection with hand-made convolution filters on the photos bundled with scikit-learn.

Run: python examples/edge_detection.py [OUT.png]

Convolves the two sample photos (china.jpg, flower.jpg) with the vertical, horizontal and
Sobel filters of nnlab.vision.filters and saves one PNG with the photo and its edge maps.
"""

import sys

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn.datasets import load_sample_images

from nnlab.vision.filters import apply_filter, edge_magnitude


def main(out: str = "edges.png") -> str:
    photos = load_sample_images().images
    fig = Figure(figsize=(16, 3.6 * len(photos)))
    FigureCanvasAgg(fig)
    for row, photo in enumerate(photos):
        grey = photo.mean(axis=2).astype(np.float32) / 255.0
        panels = [
            ("photo", photo, None),
            ("vertical edges", np.abs(apply_filter(grey, "vertical", padding="same")), "gray"),
            ("horizontal edges", np.abs(apply_filter(grey, "horizontal", padding="same")), "gray"),
            ("Sobel magnitude", edge_magnitude(grey, "sobel"), "gray"),
        ]
        for col, (title, img, cmap) in enumerate(panels):
            ax = fig.add_subplot(len(photos), len(panels), row * len(panels) + col + 1)
            ax.imshow(img, cmap=cmap)
            ax.set_title(title)
            ax.axis("off")
    fig.tight_layout()
    fig.savefig(out, dpi=80)
    return out


if __name__ == "__main__":
    print("saved", main(*sys.argv[1:]))
