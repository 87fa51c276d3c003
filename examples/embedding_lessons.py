"""Word-embedding lessons on synthetic languages, with the t-SNE / PCA figure.

Run: python examples/embedding_lessons.py [--figure docs/figures/tsne_vs_pca.png]

- FastText: vectors for word forms never seen in training (nearest seen word: same stem? same topic?);
- t-SNE beside PCA: the share of each word's 5 nearest neighbours kept in the plane;
- cross-lingual Procrustes: translation precision@1 on the held-out half of the dictionary;
- pretrained embeddings vs embeddings learned from the labels, on sentences whose key words are absent
  from the labelled set.
"""

from __future__ import annotations

import argparse
import time

from nnlab.lessons.embeddings import absent_words, cross_lingual_alignment, tsne_vs_pca, unseen_word_forms


def plot(p, path: str) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from nnlab.train.plots import save_figure

    fig = Figure(figsize=(11, 5))
    FigureCanvasAgg(fig)
    for k, (name, xy, score) in enumerate((("PCA", p.pca, p.pca_overlap), ("t-SNE", p.tsne, p.tsne_overlap))):
        ax = fig.add_subplot(1, 2, k + 1)
        ax.scatter(xy[:, 0], xy[:, 1], s=10)
        for w, (x, y) in list(zip(p.words, xy))[:40]:
            ax.annotate(w, (x, y), fontsize=7)
        ax.set_title(f"{name}: {score:.0%} of 5-NN kept")
    save_figure(fig, path, dpi=90)


def main(figure: str | None = None) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    print("unseen word forms (FastText):", unseen_word_forms())
    p = tsne_vs_pca()
    print(f"5-NN kept in 2-D: PCA {p.pca_overlap:.2f}, t-SNE {p.tsne_overlap:.2f}")
    print("cross-lingual Procrustes:", cross_lingual_alignment())
    print("absent words:", absent_words())
    if figure:
        plot(p, figure)
        print("wrote", figure)
    print(f"({time.perf_counter() - wall:.0f} s wall, {time.process_time() - cpu:.0f} s CPU)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--figure", default=None)
    main(ap.parse_args().figure)
