"""BernoulliRBM: conditionals and free energy by enumeration, CD lowers F(data), scikit-learn parity."""

import itertools

import numpy as np
import pytest
from sklearn.neural_network import BernoulliRBM as SkRBM

import nnlab
from nnlab import optim
from nnlab.data import DataLoader, TensorDataset, get_dataset
from nnlab.models.generative import BernoulliRBM
from nnlab.train import Trainer


def _tiny(seed=0, v=4, h=3):
    rng = np.random.default_rng(seed)
    rbm = BernoulliRBM(v, h, dtype=nnlab.float64)
    rbm.weight.array[...] = rng.normal(0, 1.0, (h, v))
    rbm.h_bias.array[...] = rng.normal(0, 0.5, h)
    rbm.v_bias.array[...] = rng.normal(0, 0.5, v)
    return rbm


def _states(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def test_conditionals_and_free_energy_match_enumeration_of_all_states():
    rbm = _tiny()
    V, H = _states(4), _states(3)
    # E for every (v, h) pair: rows v, columns h.
    E = np.array([[rbm.energy(v[None], h[None]).array[0] for h in H] for v in V])
    joint = np.exp(-E) / np.exp(-E).sum()
    # p(h_j = 1 | v) = Σ_{h: h_j=1} p(v, h) / p(v)
    p_v = joint.sum(1)
    p_h_given_v = (joint @ H) / p_v[:, None]
    np.testing.assert_allclose(rbm.hidden_probs(V).array, p_h_given_v, rtol=1e-10)
    p_h = joint.sum(0)
    p_v_given_h = (joint.T @ V) / p_h[:, None]
    np.testing.assert_allclose(rbm.visible_probs(H).array, p_v_given_h, rtol=1e-10)
    # F(v) = −ln Σ_h e^{−E(v,h)}
    np.testing.assert_allclose(rbm.free_energy(V).array, -np.log(np.exp(-E).sum(1)), rtol=1e-10)


def test_block_gibbs_samples_the_model_distribution():
    rbm = _tiny(seed=1, v=3, h=2)
    V, H = _states(3), _states(2)
    E = np.array([[rbm.energy(v[None], h[None]).array[0] for h in H] for v in V])
    p_v = np.exp(-E).sum(1) / np.exp(-E).sum()
    rbm.generator = np.random.default_rng(0)
    samples = rbm.sample(4000, steps=30)
    codes = samples @ np.array([4.0, 2.0, 1.0])
    freq = np.bincount(codes.astype(int), minlength=8) / len(codes)
    assert np.abs(freq - p_v).max() < 0.03, (freq, p_v)


def _digits_bits():
    X, _ = get_dataset("digits").split("train")
    return (X > 0.5).astype(np.float32)[:400]


@pytest.mark.parametrize("persistent", [False, True])
def test_cd1_and_pcd_lower_the_free_energy_of_the_data(persistent):
    nnlab.manual_seed(0)
    X = _digits_bits()
    rbm = BernoulliRBM(64, 32, k=1, persistent=persistent)
    before = float(rbm.free_energy(X).array.mean())
    recon_before = rbm.reconstruction_error(X)
    trainer = Trainer(rbm, optimizer=optim.SGD(rbm.parameters(), lr=0.1, momentum=0.5), quiet=True)
    loader = DataLoader(TensorDataset(X), batch_size=20, shuffle=True)
    history = trainer.fit(loader, DataLoader(TensorDataset(X), batch_size=400), epochs=15)
    after = float(rbm.free_energy(X).array.mean())
    assert after < before - 5.0, (before, after)
    assert rbm.reconstruction_error(X) < 0.5 * recon_before
    pl = history["val_pseudo_likelihood"]
    assert pl[-1] > pl[0], pl  # pseudo-likelihood rises


def test_free_energy_and_pseudo_likelihood_equal_scikit_learn():
    X = _digits_bits()[:50].astype(np.float64)
    sk = SkRBM(n_components=16, n_iter=2, random_state=3).fit(X)
    rbm = BernoulliRBM(64, 16, dtype=nnlab.float64)
    rbm.weight.array[...] = sk.components_
    rbm.h_bias.array[...] = sk.intercept_hidden_
    rbm.v_bias.array[...] = sk.intercept_visible_
    np.testing.assert_allclose(rbm.free_energy(X).array, sk._free_energy(X), rtol=1e-10)
    # score_samples flips one unit per row, drawn from RandomState(random_state).
    flips = np.random.RandomState(3).randint(0, 64, len(X))
    np.testing.assert_allclose(rbm.pseudo_likelihood(X, flip_index=flips), sk.score_samples(X), rtol=1e-10)
    # Grey levels are accepted too, as by scikit-learn.
    G = np.random.default_rng(0).random((7, 64))
    np.testing.assert_allclose(rbm.free_energy(G).array, sk._free_energy(G), rtol=1e-10)


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match="k .* must be >= 1"):
        BernoulliRBM(4, 3, k=0)
    with pytest.raises(ValueError, match="must be positive"):
        BernoulliRBM(4, 0)
    with pytest.raises(ValueError, match=r"shape \(N, 4\)"):
        _tiny().free_energy(np.zeros((2, 5)))
