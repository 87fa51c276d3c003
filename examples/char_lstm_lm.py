"""A character-level LSTM language model on the standard library's docstrings, with perplexity and samples.

Run: python examples/char_lstm_lm.py

The corpus ships with Python (``nnlab.text.python_docstrings_corpus``); the last 10% is
held out. Training is truncated BPTT over one long stream: ``LMBatcher`` cuts it into
``batch_size`` columns and chunks of ``bptt`` characters, and the LSTM's state flows from
chunk to chunk detached (``SequenceTrainer(stateful=True)``), with gradients clipped.
Perplexity is reported against the uniform baseline (the vocabulary size), then the
model writes text greedily and by sampling with a temperature, top-k and top-p
("sampling novel sequences").
"""

from __future__ import annotations

import numpy as np

import nnlab
from nnlab import optim
from nnlab.models.sequence.rnn_models import char_lstm
from nnlab.text import LMBatcher, Vocab, generate, python_docstrings_corpus, split_text
from nnlab.train.sequence import SequenceTrainer


def main(max_chars: int = 300_000, epochs: int = 3, hidden_size: int = 256, embedding_dim: int = 32,
         batch_size: int = 32, bptt: int = 64, lr: float = 3e-3, sample_chars: int = 200, seed: int = 0,
         quiet: bool = False) -> dict:
    """Train and sample; returns the perplexities, the vocabulary size and the samples."""
    nnlab.manual_seed(seed)
    text = python_docstrings_corpus(max_chars=max_chars)
    train_text, valid_text, _ = split_text(text, valid=0.1, test=0.0)
    vocab = Vocab.build(train_text, specials=("<unk>",), unk_token="<unk>")
    train = LMBatcher(np.asarray(vocab.encode(train_text)), batch_size, bptt)
    valid = LMBatcher(np.asarray(vocab.encode(valid_text)), batch_size, bptt)

    model = char_lstm(len(vocab), embedding_dim, hidden_size)
    trainer = SequenceTrainer(model, optim.Adam(model.parameters(), lr=lr), stateful=True, grad_clip=1.0)
    start = trainer.evaluate(valid)["ppl"]
    say = (lambda *a: None) if quiet else print
    say(f"{len(train_text):,} training characters, vocabulary of {len(vocab)} (uniform perplexity {len(vocab)})")
    say(f"before training: validation perplexity {start:.2f}")
    history = trainer.fit(train, valid, epochs=epochs)
    for e in range(len(history)):
        say(f"epoch {e + 1}: train ppl {history['ppl'][e]:.2f}, valid ppl {history['val_ppl'][e]:.2f} "
            f"({history['time'][e]:.1f} s)")

    prompt = "Return the "
    samples = {
        "greedy": generate(model, vocab, prompt, sample_chars, strategy="greedy"),
        "sample, T=0.8, top-k 20": generate(model, vocab, prompt, sample_chars, "sample", temperature=0.8, top_k=20,
                                            generator=np.random.default_rng(seed)),
        "sample, top-p 0.9": generate(model, vocab, prompt, sample_chars, "sample", top_p=0.9,
                                      generator=np.random.default_rng(seed)),
    }
    for name, sample in samples.items():
        say(f"\n--- {name} ---\n{sample}")
    return {"vocab_size": len(vocab), "initial_ppl": start, "train_ppl": history["ppl"][-1],
            "valid_ppl": history["val_ppl"][-1], "samples": samples, "model": model, "vocab": vocab}


if __name__ == "__main__":
    main()
