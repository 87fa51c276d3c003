"""The seeds' Keras CNN (the "Code" section of the course notes on CNNs) built in nnlab, with its summary.

Run: python examples/keras_cnn.py

Builds the five-stage Conv2D → ReLU → BatchNorm → MaxPool → Dropout network for
256×256×3 images and 3 classes with ``nnlab.models.vision.keras_cnn`` and prints
``nnlab.summary`` (one forward pass at 256×256, a few seconds on a CPU), then
reconciles the parameter count with the one Keras's ``model.summary()`` reports.
"""

from nnlab import nn, summary
from nnlab.nn import Summary
from nnlab.models import keras_cnn


def main() -> Summary:
    model = keras_cnn(in_channels=3, num_classes=3, input_size=256)
    report = summary(model, (3, 256, 256))
    running = sum(
        m.running_mean.numel() + m.running_var.numel() for m in model.modules() if isinstance(m, nn.BatchNorm2d)
    )
    print(f"BatchNorm running statistics (buffers; Keras's non-trainable params): {running:,}")
    print(f"Keras model.summary() would report Total params: {report.total_params + running:,}")
    return report


if __name__ == "__main__":
    main()
