"""Transformer workload e: an encoder classifier's train step.

Token and learned position embeddings (vocabulary 1000, d_model 128), two post-norm
encoder layers (4 heads, feed-forward 512, dropout 0.1, ReLU), mean over the 64
positions, a linear classifier over 2 classes; batch 32, Adam. A sample is one sequence.
"""

from __future__ import annotations

import numpy as np

from benchmarks.frameworks import Framework
from benchmarks.workload import Step, Workload, labels, train_step

VOCAB, D_MODEL, HEADS, FF, LAYERS, SEQ, CLASSES = 1000, 128, 4, 512, 2, 64, 2


def encoder_classifier(fw: Framework):
    fw.require("nn.Embedding", "nn.TransformerEncoderLayer", "nn.TransformerEncoder")
    nn = fw.nn
    positions = fw.tensor(np.arange(SEQ, dtype=np.int64))

    class EncoderClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(VOCAB, D_MODEL)
            self.position = nn.Embedding(SEQ, D_MODEL)
            layer = nn.TransformerEncoderLayer(D_MODEL, HEADS, dim_feedforward=FF, dropout=0.1, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, num_layers=LAYERS)
            self.head = nn.Linear(D_MODEL, CLASSES)

        def forward(self, tokens):
            h = self.encoder(self.embedding(tokens) + self.position(positions))
            return self.head(h.mean(dim=1))

    return EncoderClassifier()


def transformer_train(fw: Framework, batch: int = 32) -> Step:
    fw.seed(0)
    model = encoder_classifier(fw)
    opt = fw.optim.Adam(model.parameters(), lr=1e-3)
    x, y = fw.tensor(labels(batch, VOCAB, (batch, SEQ))), fw.tensor(labels(batch, CLASSES))
    return train_step(model, fw.F.cross_entropy, opt, x, y)


WORKLOADS = [
    Workload("e", "Transformer encoder classifier vocab 1000, d 128, 4 heads, ff 512, 2 layers, seq 64, batch 32, "
             "Adam — train step", 32, transformer_train, target=0.5, memory_target=2.0),
]
