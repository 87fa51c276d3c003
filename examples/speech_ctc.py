"""A toy speech recognizer: MFCC frames → CTC acoustic model → greedy / beam / lexicon / word-LM decoding, WER.

Run: python examples/speech_ctc.py [--train 300] [--epochs 12]

Synthetic spoken commands (``nnlab.audio.speech_data``): letters are two-tone chords, "back" /
"pack" and "left" / "lift" sound alike. The acoustic model is trained with CTC through the
Trainer; the word LM is a Kneser–Ney bigram of the training transcripts.
"""

from __future__ import annotations

import argparse
import time

from nnlab.audio.speech import evaluate_recognizer, fit_word_lm, train_acoustic_model
from nnlab.audio.speech_data import make_speech_dataset


def main(n_train: int = 300, epochs: int = 12, n_test: int = 100) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    train, test = make_speech_dataset(n_train, seed=0), make_speech_dataset(n_test, seed=1)
    model, losses = train_acoustic_model(train, epochs=epochs)
    print(f"CTC loss per epoch: {' '.join(f'{x:.2f}' for x in losses)} "
          f"({time.perf_counter() - wall:.0f} s wall, {time.process_time() - cpu:.0f} s CPU)")
    r = evaluate_recognizer(model, test, fit_word_lm(train))
    print("| decoder | WER |\n|---|---|")
    for name, wer in (("greedy (best path)", r.greedy_wer), ("prefix beam", r.beam_wer),
                      ("beam + lexicon", r.beam_lexicon_wer), ("beam + lexicon + bigram LM", r.beam_lm_wer)):
        print(f"| {name} | {wer:.3f} |")
    print(f"decoding {n_test} utterances four ways: {r.seconds:.0f} s; total {time.perf_counter() - wall:.0f} s wall, "
          f"{time.process_time() - cpu:.0f} s CPU")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--train", type=int, default=300)
    p.add_argument("--epochs", type=int, default=12)
    a = p.parse_args()
    main(a.train, a.epochs)
