"""Tokenizers and Vocab: splitting, frequency cut-offs, fixed special indices, round trips, JSON persistence."""

import json

import pytest

from nnlab.text import BOS, EOS, PAD, UNK, CharTokenizer, Vocab, WordTokenizer, char_tokenize, word_tokenize


def test_char_tokenizer_is_exact_inverse():
    text = "Hi there,\n\tworld! ünï"
    tok = CharTokenizer()
    assert tok(text) == list(text)
    assert tok.detokenize(tok(text)) == text
    assert char_tokenize("AbC", lower=True) == ["a", "b", "c"]


def test_word_tokenizer_splits_punctuation_and_lowercases():
    assert word_tokenize("Hello, World! Don't stop (now).") == [
        "hello", ",", "world", "!", "don't", "stop", "(", "now", ")", "."]
    assert word_tokenize("Hello, World!", lower=False) == ["Hello", ",", "World", "!"]
    assert word_tokenize("Hello, World!", split_punctuation=False) == ["hello,", "world!"]
    tok = WordTokenizer()
    assert tok.detokenize(tok("the cat (a big one) sat, then left.")) == "the cat (a big one) sat, then left."


def test_tokenizers_reject_non_strings():
    with pytest.raises(TypeError, match="WordTokenizer"):
        WordTokenizer()(["a"])


def test_build_orders_by_frequency_with_fixed_specials():
    corpus = [["b", "a", "c"], ["a", "b", "a"], ["d"]]
    v = Vocab.build(corpus)
    assert v.get_itos()[:4] == [PAD, UNK, BOS, EOS]
    assert (v.pad_index, v.unk_index, v.bos_index, v.eos_index) == (0, 1, 2, 3)
    # a:3, b:2, then c and d (1 each) alphabetically
    assert v.get_itos()[4:] == ["a", "b", "c", "d"]
    assert len(v) == 8
    assert v.counts == [0, 0, 0, 0, 3, 2, 1, 1]
    assert v["a"] == 4 and v.token_to_index("zzz") == 1 and "zzz" not in v


def test_min_freq_and_max_size():
    corpus = "the cat sat on the mat the end".split()
    v = Vocab.build(corpus, min_freq=2)
    assert v.get_itos() == [PAD, UNK, BOS, EOS, "the"]
    v = Vocab.build(corpus, max_size=6)
    assert v.get_itos() == [PAD, UNK, BOS, EOS, "the", "cat"]
    with pytest.raises(ValueError, match="max_size=2"):
        Vocab.build(corpus, max_size=2)


def test_encode_decode_round_trip_with_bos_eos_and_unknowns():
    v = Vocab.build(list("hello world"))
    ids = v.encode("hold?", add_bos=True, add_eos=True)
    assert ids[0] == v.bos_index and ids[-1] == v.eos_index
    assert ids[-2] == v.unk_index  # '?' is unknown
    assert v.decode(ids, skip_specials=True) == list("hold")
    assert v.decode(v.encode("low")) == ["l", "o", "w"]
    with pytest.raises(IndexError, match="out of range"):
        v.index_to_token(len(v))


def test_vocab_without_unk_raises_on_unknown():
    v = Vocab.build([["x", "y"]], specials=[PAD], unk_token=None)
    assert v.unk_index is None and v.pad_index == 0
    with pytest.raises(KeyError, match="'z'"):
        v.encode(["x", "z"])
    with pytest.raises(ValueError, match="no <eos>"):
        v.encode(["x"], add_eos=True)


def test_state_dict_and_json_round_trip(tmp_path):
    v = Vocab.build([["ü", "b"], ["b", "c"]], min_freq=1)
    path = tmp_path / "vocab.json"
    v.save(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["tokens"] == v.get_itos() and data["unk_token"] == UNK
    w = Vocab.load(path)
    assert w == v and w.encode(["b", "ü", "q"]) == v.encode(["b", "ü", "q"]) == [4, 6, 1]
    assert Vocab.from_state_dict(v.state_dict()) == v
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="not JSON"):
        Vocab.load(path)
    with pytest.raises(ValueError, match="not a Vocab state"):
        Vocab.from_state_dict({"tokens": ["a"]})


def test_duplicate_tokens_rejected():
    with pytest.raises(ValueError, match="'a' appears more than once"):
        Vocab(["a", "b", "a"])


def test_one_module_defines_the_special_tokens_and_their_ids():
    from nnlab.data import vocab as specials
    from nnlab.data.datasets import seq_tasks
    from nnlab.models.transformers import transformer_models

    assert specials.DEFAULT_SPECIALS == (PAD, UNK, BOS, EOS) == ("<pad>", "<unk>", "<bos>", "<eos>")
    v = Vocab.build([["the", "cat"]])
    ids = (specials.PAD_ID, specials.UNK_ID, specials.BOS_ID, specials.EOS_ID)
    assert ids == (v.pad_index, v.unk_index, v.bos_index, v.eos_index) == (0, 1, 2, 3)
    char = seq_tasks.CharVocab("ab")
    assert isinstance(char, Vocab) and (char.pad, char.unk, char.bos, char.eos) == ids
    assert char.get_itos()[:4] == list(specials.DEFAULT_SPECIALS)
    # The models' defaults are these ids, not numbers of their own.
    import inspect
    sig = inspect.signature(transformer_models.Seq2SeqTransformer)
    assert (sig.parameters["pad"].default, sig.parameters["bos"].default, sig.parameters["eos"].default) == (0, 2, 3)


def test_char_vocab_round_trips_text_and_its_state():
    from nnlab.data import CharVocab

    v = CharVocab.from_texts(["2018-05-09", "May"])
    ids = v.encode("May 9", add_eos=True)
    assert " " not in v.stoi and ids[3] == v.unk and ids[-1] == v.eos  # the space is unknown
    assert v.decode(ids + [v.pad, v.pad]) == "May" + "<unk>" + "9"
    again = CharVocab.from_state_dict(v.state_dict())
    assert again.get_itos() == v.get_itos() and isinstance(again, CharVocab)
