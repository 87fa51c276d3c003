"""Few-shot prompts and GPT-1's input transformations: layouts by hand, the similarity symmetry, a fine-tune."""

import numpy as np
import pytest

import nnlab
from nnlab import optim
from nnlab.data import DataLoader, TensorDataset
from nnlab.data.datasets.seq_tasks import CharVocab
from nnlab.models import GPT
from nnlab.rl.gpt1_formats import GPT1Classifier, GPT1Format, gpt1_step
from nnlab.rl.prompting import few_shot_corpus, few_shot_prompt, task_output
from nnlab.train import Trainer


def test_few_shot_prompt_and_tasks():
    assert task_output("reverse", "ab") == "ba" and task_output("shift", "af") == "ba"
    assert few_shot_prompt("copy", ["ab", "fe"], "cd") == "ab>ab;fe>fe;cd>"
    lines = few_shot_corpus(np.random.default_rng(0), 5, shots=3)
    assert all(len(s) == 3 * 6 for s in lines)
    with pytest.raises(ValueError, match="unknown task 'sort'"):
        task_output("sort", "ab")


VOCAB = CharVocab(list("abcdefgh $#"))
FMT = GPT1Format(VOCAB.encode, start=VOCAB.bos, delim=VOCAB.stoi["$"], extract=VOCAB.stoi["#"], pad=VOCAB.pad)


def test_gpt1_input_transformations_by_hand():
    s, d, e = FMT.start, FMT.delim, FMT.extract
    enc = VOCAB.encode
    assert FMT.classification("abc") == [s, *enc("abc"), e]
    assert FMT.entailment("ab", "c") == [s, *enc("ab"), d, *enc("c"), e]
    assert FMT.similarity("ab", "c") == ([s, *enc("ab"), d, *enc("c"), e], [s, *enc("c"), d, *enc("ab"), e])
    assert FMT.multiple_choice("ab", ["c", "d"]) == [[s, *enc("ab"), d, *enc("c"), e], [s, *enc("ab"), d, *enc("d"), e]]
    ids, where = FMT.batch([FMT.classification("a"), FMT.classification("abc")])
    assert ids.shape == (2, 5) and where.tolist() == [2, 4] and ids[0, 3] == VOCAB.pad


def test_similarity_head_is_symmetric_in_its_two_texts():
    nnlab.manual_seed(0)
    model = GPT1Classifier(GPT(len(VOCAB), d_model=16, nhead=2, layers=1, max_len=16, dropout=0.0), 2, "similarity")
    model.eval()
    ab, ba = FMT.similarity("abc", "hg")
    i1, w1 = FMT.batch([ab])
    i2, w2 = FMT.batch([ba])
    np.testing.assert_allclose(model(i1, w1, i2, w2).array, model(i2, w2, i1, w1).array, rtol=1e-6)
    with pytest.raises(ValueError, match="similarity needs both orderings"):
        model(i1, w1)


def test_gpt1_classification_fine_tune_loss_goes_down():
    nnlab.manual_seed(0)
    rng = np.random.default_rng(0)
    # class = whether the text contains the letter 'h'
    texts = ["".join(rng.choice(list("abcdefgh"), 5)) for _ in range(96)]
    y = np.array([int("h" in t) for t in texts])
    ids, where = FMT.batch([FMT.classification(t) for t in texts])
    model = GPT1Classifier(GPT(len(VOCAB), d_model=32, nhead=2, layers=1, max_len=8, dropout=0.0), 2)
    trainer = Trainer(model, optimizer=optim.Adam(model.parameters(), lr=3e-3), step_fn=gpt1_step(0.5), quiet=True)
    history = trainer.fit(DataLoader(TensorDataset(ids, where, y), batch_size=32, shuffle=True), epochs=12)
    assert history["task_loss"][-1] < 0.6 * history["task_loss"][0]
    assert history["accuracy"][-1] > 0.8
