"""KeyedVectors on hand-made vectors: cosine neighbours, analogies, evaluation, save/load, PCA, plot;
and pretrained vectors in a classifier via Embedding.from_pretrained (frozen vs fine-tuned)."""

import numpy as np
import pytest

import nnlab
from nnlab import nn, optim
from nnlab.text.keyed_vectors import KeyedVectors
from nnlab.text.sentiment import build_average_classifier

WORDS = ["king", "queen", "man", "woman", "apple"]
# royalty on axis 0, gender on axis 1 (+ male, − female), fruit on axis 2
VECS = np.array([[1, 1, 0], [1, -1, 0], [0, 1, 0.1], [0, -1, 0.1], [0, 0, 1]], dtype=np.float32)


@pytest.fixture
def kv():
    return KeyedVectors(WORDS, VECS.copy())


def test_similarity_and_most_similar(kv):
    assert kv.similarity("king", "queen") == pytest.approx(0.0, abs=1e-6)
    assert kv.similarity("man", "man") == pytest.approx(1.0)
    top = kv.most_similar("king", topn=2)
    assert top[0][0] == "man" and top[0][1] == pytest.approx(1 / np.sqrt(2) / np.sqrt(1.01), rel=1e-5)
    assert "king" not in [w for w, _ in kv.most_similar("king", topn=10)]


def test_analogy_excludes_query_words(kv):
    assert kv.analogy("man", "king", "woman")[0][0] == "queen"
    assert kv.most_similar(positive=["king", "woman"], negative=["man"], topn=1)[0][0] == "queen"
    acc = kv.evaluate_analogies([("man", "king", "woman", "queen"), ("man", "woman", "king", "queen"),
                                 ("man", "king", "woman", "apple"), ("man", "king", "woman", "unknown")])
    assert acc == pytest.approx(0.5)


def test_save_load_roundtrip(kv, tmp_path):
    path = tmp_path / "vectors.safetensors"
    kv.save(path)
    assert path.read_bytes()[:1] != b"\x80"  # not a pickle
    back = KeyedVectors.load(path)
    assert back.index_to_key == WORDS
    np.testing.assert_array_equal(back.vectors, kv.vectors)
    assert back.vectors.dtype == np.float32


def test_pca_and_plot(kv, tmp_path):
    words, xy = kv.pca_2d()
    assert words == WORDS and xy.shape == (5, 2)
    X = VECS - VECS.mean(0)
    top2 = np.sort(np.linalg.eigvalsh(X.T @ X))[-2:]
    np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(xy.T @ xy)), top2, rtol=1e-4)
    kv.plot_pca(tmp_path / "pca.png")
    assert (tmp_path / "pca.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_errors(kv):
    with pytest.raises(KeyError, match="'nope' is not in the vocabulary"):
        kv["nope"]
    with pytest.raises(ValueError, match="2 keys for 5 vectors"):
        KeyedVectors(["a", "b"], VECS)


@pytest.mark.parametrize("freeze", [True, False])
def test_pretrained_vectors_frozen_or_fine_tuned(kv, freeze):
    nnlab.manual_seed(0)
    model = build_average_classifier(len(kv), 3, padding_idx=None, pretrained=kv, freeze=freeze)
    np.testing.assert_array_equal(model.embedding.weight.array, kv.vectors)
    assert model.embedding.weight.requires_grad is (not freeze)
    before = model.embedding.weight.array.copy()
    opt = optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.5)
    x = nnlab.tensor(np.array([[0, 2], [1, 3]]))
    y = nnlab.tensor(np.array([1, 0]))
    head_before = model.head.weight.array.copy()
    for _ in range(3):
        loss = nn.CrossEntropyLoss()(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert not np.allclose(model.head.weight.array, head_before)
    if freeze:
        np.testing.assert_array_equal(model.embedding.weight.array, before)
    else:
        changed = np.any(model.embedding.weight.array != before, axis=1)
        assert changed[:4].all() and not changed[4]  # "apple" was never looked up
    np.testing.assert_array_equal(kv.vectors, VECS)  # the KeyedVectors are copied, not shared
