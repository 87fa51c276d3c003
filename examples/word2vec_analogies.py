"""Word vectors from word2vec (skip-gram and CBOW) and GloVe on a corpus with known analogies.

Run: python examples/word2vec_analogies.py [out_dir]

Trains the three models on the synthetic corpus of ``nnlab.text.analogy_corpus``, prints their
accuracy on its held-out analogy questions (gender, country–capital, singular–plural) and the
answer to king − man + woman, and writes a PCA plot of the gender words (``word_vectors_pca.png``).
"""

from __future__ import annotations

import os
import sys

from nnlab.text.analogy_corpus import GENDER_PAIRS, make_analogy_corpus
from nnlab.text.glove import GloVe
from nnlab.text.word2vec import Word2Vec


def main(num_sentences: int = 20000, vector_size: int = 32, w2v_epochs: int = 5, glove_epochs: int = 50,
         out_dir: str | None = None, seed: int = 0, verbose: bool = True) -> dict[str, dict[str, object]]:
    """Train skip-gram, CBOW and GloVe; returns {model: {'accuracy', per-relation accuracies, 'king-man+woman'}}."""
    corpus = make_analogy_corpus(num_sentences, seed=seed)
    models = {
        "skipgram": lambda: Word2Vec(corpus.sentences, vector_size=vector_size, window=5, min_count=1, sg=1,
                                     epochs=w2v_epochs, seed=seed).wv,
        "cbow": lambda: Word2Vec(corpus.sentences, vector_size=vector_size, window=5, min_count=1, sg=0,
                                 epochs=w2v_epochs, seed=seed).wv,
        "glove": lambda: GloVe(corpus.sentences, vector_size=vector_size, window=5, epochs=glove_epochs, seed=seed).wv,
    }
    results: dict[str, dict[str, object]] = {}
    for name, fit in models.items():
        wv = fit()
        res: dict[str, object] = {"accuracy": wv.evaluate_analogies(corpus.questions)}
        for rel in ("gender", "capital", "plural"):
            res[rel] = wv.evaluate_analogies([q for q, r in zip(corpus.questions, corpus.relations) if r == rel])
        res["king-man+woman"] = wv.most_similar(positive=["king", "woman"], negative=["man"], topn=1)[0][0]
        results[name] = res
        if verbose:
            print(f"{name:9s} analogies {res['accuracy']:.3f} (gender {res['gender']:.3f}, capital "
                  f"{res['capital']:.3f}, plural {res['plural']:.3f}); king - man + woman = {res['king-man+woman']}")
        if out_dir is not None and name == "skipgram":
            path = os.path.join(out_dir, "word_vectors_pca.png")
            wv.plot_pca(path, [w for pair in GENDER_PAIRS for w in pair], title="skip-gram vectors, gender pairs (PCA)")
            if verbose:
                print("wrote", path)
    return results


if __name__ == "__main__":
    main(out_dir=sys.argv[1] if len(sys.argv) > 1 else ".")
