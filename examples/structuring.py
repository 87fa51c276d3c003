"""Structuring ML projects on the digits: search, diagnose, find mislabelled examples, explain.

    python examples/structuring.py

1. Random vs grid search on a synthetic objective, then coarse to fine.
2. A small random search of an MLP's learning rate and momentum; importance of each.
3. The seeds' bias / variance diagnosis of the best trial; the best trial within a size bound
   (satisficing) and the trials ranked by F1.
4. 5 % of the training labels flipped: confident learning flags them from out-of-fold probabilities.
5. LIME on the breast-cancer logistic model: the features that drive one prediction.
"""

import numpy as np

from nnlab.diagnostics import diagnose
from nnlab.diagnostics.label_noise import find_label_issues, out_of_fold_probs, precision_recall_of_flags
from nnlab.diagnostics.lime import explain_tabular
from nnlab.tune import coarse_to_fine, grid_vs_random, importance, random_search, results_table
from nnlab.tune.objectives import digits_error, quadratic
from nnlab.tune.selection import f1_ranking, satisficing_trial


def main() -> None:
    space = {"alpha": ("log", 1e-4, 1.0), "unused": ("uniform", 0.0, 1.0)}
    print("grid vs random (16 trials):", grid_vs_random(quadratic, space, 4, seeds=10))
    rounds = coarse_to_fine(quadratic, space, n_trials=20, rounds=2)
    for r in rounds:
        print(f"searched alpha in {r.space['alpha']}: best {r.best.value:.4f}")

    mlp_space = {"lr": ("log", 1e-3, 0.3), "momentum": ("beta", 0.5, 0.99), "width": ("int", 8, 128)}
    res = random_search(lambda p: digits_error(p, epochs=3, out="runs/example-tune"), mlp_space, 12, seed=0)
    print(results_table(res, top=5, extras=("dev_accuracy", "train_accuracy")))
    print("importance:", importance(res, bins=3))
    best = res.best
    print(diagnose(human=0.01, train=1 - best.extra["train_accuracy"], dev=best.value))
    small = satisficing_trial(res, {"n_params": 5000})  # optimizing: dev error; satisficing: ≤ 5,000 weights
    print(f"best overall: trial {best.number} ({best.extra['n_params']:.0f} weights, dev error {best.value:.4f}); "
          f"best with ≤ 5000 weights: trial {small.number} ({small.extra['n_params']:.0f}, {small.value:.4f})")
    print("by F1:", ", ".join(f"trial {t.number} {f:.3f}" for t, f in f1_ranking(res)[:3]))

    from sklearn.linear_model import LogisticRegression as SkLogistic  # a fast stand-in classifier for the folds

    from nnlab.data import get_dataset

    d = get_dataset("digits")
    rng = np.random.default_rng(0)
    y = d.y_train.copy()
    wrong = rng.choice(len(y), len(y) // 20, replace=False)
    y[wrong] = (y[wrong] + rng.integers(1, 10, len(wrong))) % 10
    probs = out_of_fold_probs(lambda a, b, c: SkLogistic(max_iter=500).fit(a, b).predict_proba(c), d.X_train, y)
    p, r = precision_recall_of_flags(find_label_issues(y, probs), wrong)
    print(f"label noise 5 %: flagged precision {p:.2f}, recall {r:.2f}")

    bc = get_dataset("breast_cancer")
    clf = SkLogistic(max_iter=2000).fit(bc.X_train, bc.y_train)
    coef = explain_tabular(clf.predict_proba, bc.X_dev[0], bc.X_train)
    print("LIME top features:", np.argsort(-np.abs(coef))[:5])


if __name__ == "__main__":
    main()
