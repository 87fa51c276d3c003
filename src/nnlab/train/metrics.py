"""Classification metrics on NumPy: accuracy, confusion matrix, precision / recall / F1, a report.

Every function takes Tensors or array-likes. ``y_true`` holds integer labels (or one-hot
rows); ``y_pred`` holds integer labels, class scores (logits or probabilities, shape
``(N, C)``: the argmax is the prediction) or binary scores (shape ``(N,)`` or ``(N, 1)``
floats: compared with a threshold).

Where a ratio is undefined (a class never predicted has no precision, a class absent
from ``y_true`` has no recall) it is reported as 0, as scikit-learn does by default.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from nnlab.autograd.tensor import Tensor

__all__ = ["to_labels", "accuracy", "confusion_matrix", "precision_recall_f1", "classification_report"]

_AVERAGES = (None, "macro", "micro", "weighted")


def _as_numpy(x: Any) -> np.ndarray:
    return x.array if isinstance(x, Tensor) else np.asarray(x)


def to_labels(y: Any, threshold: float | None = None) -> np.ndarray:
    """Turn labels, one-hot rows, class scores or binary scores into int64 labels.

    Args:
        y: integer labels :math:`(N)`; scores :math:`(N, C)` with C > 1 (argmax over C);
            or float binary scores :math:`(N)` / :math:`(N, 1)`.
        threshold: binary cut-off (score > threshold gives class 1). Default: None, which
            means 0.5 when every score lies in [0, 1] (probabilities) and 0.0 otherwise
            (logits); pass it explicitly when a batch of logits could all fall in [0, 1].
    """
    y = _as_numpy(y)
    if y.ndim >= 2 and y.shape[-1] > 1:
        return y.argmax(axis=-1)
    if y.ndim >= 2 and y.shape[-1] == 1:
        y = y[..., 0]
    if y.dtype.kind == "f":
        if threshold is None:
            threshold = 0.5 if y.size and y.min() >= 0.0 and y.max() <= 1.0 else 0.0
        return (y > threshold).astype(np.int64)
    if y.dtype.kind not in "iub":
        raise TypeError(f"to_labels: expected integer labels or float scores, got dtype {y.dtype}")
    return y.astype(np.int64, copy=False)


def _pair(y_true: Any, y_pred: Any, fn: str, threshold: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    t = to_labels(y_true)
    p = to_labels(y_pred, threshold)
    if t.shape != p.shape:
        raise ValueError(f"{fn}: y_true gives labels of shape {t.shape} but y_pred gives {p.shape} "
                         f"(inputs of shape {np.shape(_as_numpy(y_true))} and {np.shape(_as_numpy(y_pred))})")
    return t.ravel(), p.ravel()


def accuracy(y_true: Any, y_pred: Any, threshold: float | None = None) -> float:
    """:math:`\\frac{1}{N}\\sum_i [\\hat y_i = y_i]`, the fraction of correct predictions.

    Args:
        y_true: labels :math:`(N)` or one-hot :math:`(N, C)`.
        y_pred: labels :math:`(N)`, scores :math:`(N, C)` or binary scores :math:`(N)`.
        threshold: binary cut-off, see :func:`to_labels`. Default: None.
    """
    t, p = _pair(y_true, y_pred, "accuracy", threshold)
    if t.size == 0:
        raise ValueError("accuracy: no samples")
    return float(np.count_nonzero(t == p)) / t.size


def confusion_matrix(y_true: Any, y_pred: Any, num_classes: int | None = None) -> np.ndarray:
    """:math:`M_{ij}` = number of samples of true class i predicted as class j.

    Args:
        y_true: labels :math:`(N)` (or one-hot rows).
        y_pred: labels or scores, see the module notes.
        num_classes: C. Default: None (one more than the largest label seen).

    Shape:
        - Output: :math:`(C, C)`, int64, rows true classes, columns predictions.
    """
    t, p = _pair(y_true, y_pred, "confusion_matrix")
    if num_classes is None:
        num_classes = int(max(t.max(initial=-1), p.max(initial=-1))) + 1
    for name, labels in (("y_true", t), ("y_pred", p)):
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(f"confusion_matrix: {name} has labels in [{labels.min()}, {labels.max()}], "
                             f"outside [0, {num_classes - 1}] for num_classes={num_classes}")
    counts = np.bincount(t * num_classes + p, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes).astype(np.int64, copy=False)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def _scores_from_matrix(cm: np.ndarray, average: str | None):
    tp = np.diag(cm).astype(np.float64)
    predicted = cm.sum(axis=0)
    support = cm.sum(axis=1)
    if average == "micro":
        # Single-label multiclass: every error is one FP and one FN, so all three equal accuracy.
        p = r = float(_ratio(tp.sum(), predicted.sum()))
        f = float(_ratio(2 * p * r, p + r))
        return p, r, f
    precision = _ratio(tp, predicted)
    recall = _ratio(tp, support)
    f1 = _ratio(2 * precision * recall, precision + recall)
    if average is None:
        return precision, recall, f1
    if average == "macro":
        weights = np.ones_like(precision)
    else:
        weights = support.astype(np.float64)
    total = weights.sum()
    if total == 0:
        return 0.0, 0.0, 0.0
    return tuple(float((m * weights).sum() / total) for m in (precision, recall, f1))


def precision_recall_f1(
    y_true: Any, y_pred: Any, num_classes: int | None = None, average: str | None = None
) -> tuple[Any, Any, Any]:
    """Per-class :math:`P = TP/(TP+FP)`, :math:`R = TP/(TP+FN)`, :math:`F_1 = 2PR/(P+R)`, or their average.

    A ratio whose denominator is 0 is 0 (no predictions of a class: precision 0; class
    absent: recall 0; P = R = 0: F1 0).

    Args:
        y_true: labels :math:`(N)`.
        y_pred: labels or scores, see the module notes.
        num_classes: C. Default: None (inferred from the labels).
        average: None (per-class arrays), ``"macro"`` (unweighted mean over the C classes),
            ``"micro"`` (from the summed TP/FP/FN counts; equals accuracy here) or
            ``"weighted"`` (mean weighted by each class's support). Default: None.

    Returns:
        ``(precision, recall, f1)``: float64 arrays of shape :math:`(C)`, or floats when averaged.
    """
    if average not in _AVERAGES:
        raise ValueError(f"precision_recall_f1: average must be one of {_AVERAGES}, got {average!r}")
    return _scores_from_matrix(confusion_matrix(y_true, y_pred, num_classes), average)


def classification_report(
    y_true: Any,
    y_pred: Any,
    num_classes: int | None = None,
    target_names: Sequence[str] | None = None,
    digits: int = 3,
) -> str:
    """A text table of precision, recall, F1 and support per class, plus accuracy and averages.

    Args:
        y_true: labels :math:`(N)`.
        y_pred: labels or scores, see the module notes.
        num_classes: C. Default: None (inferred).
        target_names: a name per class. Default: None (the class indices).
        digits: decimals shown. Default: 3.
    """
    cm = confusion_matrix(y_true, y_pred, num_classes)
    c = cm.shape[0]
    names = [str(i) for i in range(c)] if target_names is None else [str(n) for n in target_names]
    if len(names) != c:
        raise ValueError(f"classification_report: got {len(names)} target_names for {c} classes")
    precision, recall, f1 = _scores_from_matrix(cm, None)
    support = cm.sum(axis=1)
    total = int(support.sum())
    width = max([len(n) for n in names] + [len("weighted avg")])
    col = max(digits + 3, 9)
    head = f"{'':>{width}}" + "".join(f"{h:>{col}}" for h in ("precision", "recall", "f1-score", "support"))
    lines = [head, ""]
    for i, name in enumerate(names):
        row = "".join(f"{v:>{col}.{digits}f}" for v in (precision[i], recall[i], f1[i]))
        lines.append(f"{name:>{width}}{row}{int(support[i]):>{col}}")
    lines.append("")
    acc = float(np.trace(cm)) / total if total else 0.0
    lines.append(f"{'accuracy':>{width}}{'':>{2 * col}}{acc:>{col}.{digits}f}{total:>{col}}")
    for avg in ("macro", "weighted"):
        row = "".join(f"{v:>{col}.{digits}f}" for v in _scores_from_matrix(cm, avg))
        lines.append(f"{avg + ' avg':>{width}}{row}{total:>{col}}")
    return "\n".join(lines) + "\n"
