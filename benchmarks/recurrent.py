"""Recurrent workload d: an LSTM language model's train step.

Vocabulary 64, embedding 64, one LSTM layer of 128 hidden units over 50 steps, a
linear read-out at every step and the cross-entropy of every next-token prediction,
batch 32, Adam. A sample is one sequence.
"""

from __future__ import annotations

from benchmarks.frameworks import Framework
from benchmarks.workload import Step, Workload, labels, train_step

VOCAB, EMBED, HIDDEN, SEQ = 64, 64, 128, 50


def lstm_lm(fw: Framework):
    fw.require("nn.Embedding", "nn.LSTM")
    nn = fw.nn

    class LSTMLanguageModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(VOCAB, EMBED)
            self.lstm = nn.LSTM(EMBED, HIDDEN, batch_first=True)
            self.head = nn.Linear(HIDDEN, VOCAB)

        def forward(self, tokens):
            h, _ = self.lstm(self.embedding(tokens))
            return self.head(h).reshape(-1, VOCAB)

    return LSTMLanguageModel()


def lstm_train(fw: Framework, batch: int = 32) -> Step:
    fw.seed(0)
    model = lstm_lm(fw)
    opt = fw.optim.Adam(model.parameters(), lr=1e-3)
    tokens = labels(batch, VOCAB, (batch, SEQ + 1))
    x, y = fw.tensor(tokens[:, :-1]), fw.tensor(tokens[:, 1:].reshape(-1))
    return train_step(model, fw.F.cross_entropy, opt, x, y)


WORKLOADS = [
    Workload("d", "LSTM LM vocab 64, emb 64, hidden 128, seq 50, batch 32, Adam — train step", 32, lstm_train,
             target=0.5),
]
