"""Metrics: the reference study's report, ROC curves and the confusion matrix.

Everything returns plain dicts and lists (JSON-ready) so model cards can store them and the
dashboard can draw them with no data present.
"""
from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support, roc_auc_score, roc_curve

from ecgdash.config import CLASSES, N_CLASSES
from ecgdash.errors import DataError

ROC_POINTS = 200  # points kept per ROC curve in a card


def _thin_curve(fpr: np.ndarray, tpr: np.ndarray, points: int = ROC_POINTS):
    """At most ``points`` points of an ROC curve, always keeping both ends."""
    if len(fpr) <= points:
        return fpr, tpr
    keep = np.unique(np.linspace(0, len(fpr) - 1, points).round().astype(int))
    return fpr[keep], tpr[keep]


def roc_curves(y_true: np.ndarray, proba: np.ndarray) -> dict:
    """One-vs-rest ROC curve and AUC per class present in ``y_true`` (and both sides of it)."""
    curves = {}
    for c, name in enumerate(CLASSES):
        positive = y_true == c
        if positive.all() or not positive.any():
            continue
        fpr, tpr, _ = roc_curve(positive, proba[:, c])
        fpr, tpr = _thin_curve(fpr, tpr)
        curves[name] = {"auc": float(roc_auc_score(positive, proba[:, c])),
                        "fpr": np.round(fpr, 5).tolist(), "tpr": np.round(tpr, 5).tolist()}
    return curves


def evaluate(y_true, proba) -> dict:
    """The reference study's report: per-class and averaged metrics, ROC curves, confusion.

    Parameters
    ----------
    y_true : array-like of int, shape (n,)
        True AAMI classes 0..4 (N, S, V, F, Q).
    proba : array-like, shape (n, 5)
        Class probabilities (``predict_proba``); the predicted class is the largest.

    Returns
    -------
    dict
        ``n``, ``accuracy``, ``macro_f1`` (over the classes present), ``roc_auc`` (macro
        one-vs-rest over the classes present), ``per_class`` (precision / recall / f1 /
        support / auc per class name; absent classes have support 0 and no AUC),
        ``macro_avg`` and ``weighted_avg`` (precision / recall / f1 / support), ``confusion``
        (rows true, columns predicted, order N S V F Q) and ``roc`` (curve points per class).

    Raises
    ------
    DataError
        When ``proba`` does not have shape (n, 5).

    Examples
    --------
    >>> beats = ecgdash.load_beats("data/examples/mitbih_test_500.csv")
    >>> report = ecgdash.evaluate(beats.y, ecgdash.predict_proba(ecgdash.load_model("cnn"), beats))
    >>> sorted(report["per_class"])
    ['F', 'N', 'Q', 'S', 'V']
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    proba = np.asarray(proba, dtype=np.float64)
    if proba.shape != (len(y_true), N_CLASSES):
        raise DataError(f"proba must have shape ({len(y_true)}, {N_CLASSES}), got {proba.shape}.")
    y_pred = proba.argmax(axis=1)
    labels = list(range(N_CLASSES))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    present = s > 0
    curves = roc_curves(y_true, proba)
    per_class = {}
    for c, name in enumerate(CLASSES):
        per_class[name] = {"precision": float(p[c]), "recall": float(r[c]), "f1": float(f[c]),
                           "support": int(s[c]),
                           "auc": curves[name]["auc"] if name in curves else None}
    weights = s / s.sum() if s.sum() else np.zeros_like(s, dtype=float)

    def avg(w):
        return {"precision": float(np.sum(p * w)), "recall": float(np.sum(r * w)),
                "f1": float(np.sum(f * w)), "support": int(s.sum())}

    macro_w = present / present.sum() if present.any() else present.astype(float)
    aucs = [v["auc"] for v in curves.values()]
    return {
        "n": int(len(y_true)),
        "accuracy": float(np.mean(y_pred == y_true)) if len(y_true) else float("nan"),
        "macro_f1": float(np.sum(f * macro_w)),
        "roc_auc": float(np.mean(aucs)) if aucs else None,
        "per_class": per_class,
        "macro_avg": avg(macro_w),
        "weighted_avg": avg(weights),
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "roc": curves,
    }


def pool_confusions(confusions) -> dict:
    """The report of beats scored in parts (folds of records), from the parts' confusion matrices.

    Folds of a cross-validation are scored by different models, so their probabilities do not
    share one scale; their calls add up. The result is ``evaluate``'s, without ROC curves
    (``roc`` empty, every ``auc`` and ``roc_auc`` None).

    Examples
    --------
    >>> a = [[8, 1, 0, 0, 0], [1, 2, 0, 0, 0], [0, 0, 3, 0, 0], [0] * 5, [0] * 5]
    >>> ev = pool_confusions([a, a])
    >>> ev["n"], round(ev["accuracy"], 3), round(ev["per_class"]["S"]["f1"], 3)
    (30, 0.867, 0.667)
    """
    cm = np.sum([np.asarray(c, dtype=np.int64) for c in confusions], axis=0)
    if cm.shape != (N_CLASSES, N_CLASSES):
        raise DataError(f"confusion matrices must be {N_CLASSES} x {N_CLASSES}, got {cm.shape}.")
    cells = np.indices(cm.shape).reshape(2, -1)
    y_true, y_pred = (np.repeat(idx, cm.ravel()) for idx in cells)
    ev = evaluate(y_true, np.eye(N_CLASSES)[y_pred])
    ev["roc"], ev["roc_auc"] = {}, None
    for m in ev["per_class"].values():
        m["auc"] = None
    return ev


def format_report(ev: dict, title: str = "", params: int | None = None) -> str:
    """The report as text, laid out like scikit-learn's classification_report."""
    lines = [title] if title else []
    lines.append(f"{'':>14}{'precision':>10}{'recall':>10}{'f1-score':>10}{'support':>10}{'roc-auc':>10}")
    called = np.asarray(ev["confusion"]).sum(axis=0)
    for k, (name, m) in enumerate(ev["per_class"].items()):
        auc = f"{m['auc']:.4f}" if m["auc"] is not None else "-"
        # a class without beats in the test set: no recall or F1 (nor precision when none was
        # called), as the macro average leaves it out
        precision = f"{m['precision']:.4f}" if m["support"] or called[k] else "n/a"
        recall, f1 = (f"{m['recall']:.4f}", f"{m['f1']:.4f}") if m["support"] else ("n/a", "n/a")
        lines.append(f"{name:>14}{precision:>10}{recall:>10}{f1:>10}{m['support']:>10d}{auc:>10}")
    lines.append("")
    lines.append(f"{'accuracy':>14}{'':>20}{ev['accuracy']:>10.4f}{ev['n']:>10d}")
    for key, label in (("macro_avg", "macro avg"), ("weighted_avg", "weighted avg")):
        m = ev[key]
        lines.append(f"{label:>14}{m['precision']:>10.4f}{m['recall']:>10.4f}{m['f1']:>10.4f}"
                     f"{m['support']:>10d}")
    auc = f"{ev['roc_auc']:.4f}" if ev["roc_auc"] is not None else "-"
    lines.append(f"{'ROC-AUC':>14}{auc:>10}  (macro, one-vs-rest)")
    if params is not None:
        lines.append(f"{'params':>14}{params:>10,d}")
    lines.append("")
    lines.append("confusion matrix (rows: true, columns: predicted)")
    lines.append(" " * 8 + "".join(f"{c:>8}" for c in CLASSES))
    for name, row in zip(CLASSES, ev["confusion"]):
        lines.append(f"{name:>8}" + "".join(f"{v:>8d}" for v in row))
    return "\n".join(lines)


def normalize_confusion(confusion) -> np.ndarray:
    """Row-normalised confusion matrix (each true class sums to 1; empty rows stay 0)."""
    cm = np.asarray(confusion, dtype=float)
    totals = cm.sum(axis=1, keepdims=True)
    return np.divide(cm, totals, out=np.zeros_like(cm), where=totals > 0)


def f1_from_confusion(confusion: np.ndarray) -> np.ndarray:
    """Per-class F1 of one confusion matrix (rows true, columns predicted), or of a stack of
    them (``(..., k, k)`` -> ``(..., k)``); 0 where a class was neither present nor called."""
    c = np.asarray(confusion, dtype=np.float64)
    tp = np.diagonal(c, axis1=-2, axis2=-1)
    denom = c.sum(axis=-1) + c.sum(axis=-2)          # (tp + fn) + (tp + fp)
    return np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)


#: How many times the test beats are drawn again for an F1 difference's interval.
BOOTSTRAP_DRAWS = 2000


def f1_difference(confusion_a, confusion_b, *, n_boot: int = BOOTSTRAP_DRAWS, level: float = 0.95,
                  seed: int = 0) -> dict[str, dict]:
    """Per class: F1 of model a minus model b, with a bootstrap interval over beats.

    Each model's test beats are drawn again with replacement, class by class (the true class
    counts stay fixed, the calls within each are drawn from the model's own confusion row), and
    the F1 difference recomputed ``n_boot`` times. Only the confusion matrices are needed (the
    cards hold them), so the two models are resampled independently: the interval is wider
    than a paired bootstrap's would be, and a "difference" it calls real is real.

    Returns
    -------
    dict
        Class letter -> ``{"difference", "low", "high"}`` (the ``level`` interval).

    Examples
    --------
    >>> a = [[900, 10], [5, 5]]; b = [[905, 5], [4, 6]]
    >>> d = f1_difference(a, b, n_boot=500)["0"]
    >>> d["low"] < d["difference"] < d["high"]
    True
    """
    rng = np.random.default_rng(seed)
    a, b = (np.asarray(m, dtype=np.int64) for m in (confusion_a, confusion_b))
    if a.shape != b.shape:
        raise DataError("The two confusion matrices have different classes.")

    def draws(c: np.ndarray) -> np.ndarray:
        rows = []
        for row in c:
            n = int(row.sum())
            rows.append(rng.multinomial(n, row / n, size=n_boot) if n else np.zeros((n_boot, len(row)), np.int64))
        return np.stack(rows, axis=1)                       # (n_boot, k, k)

    diff = f1_from_confusion(draws(a)) - f1_from_confusion(draws(b))
    point = f1_from_confusion(a) - f1_from_confusion(b)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(diff, [tail, 100 - tail], axis=0)
    names = CLASSES if len(point) == N_CLASSES else [str(i) for i in range(len(point))]
    return {c: {"difference": float(point[i]), "low": float(low[i]), "high": float(high[i])}
            for i, c in enumerate(names)}


def macro_nsv(ev: dict) -> float:
    """Mean F1 of N, S and V (the classes every database has) of an ``evaluate`` result.

    Examples
    --------
    >>> ev = evaluate(np.array([0, 0, 1, 2]), np.eye(5)[[0, 1, 1, 2]])
    >>> round(macro_nsv(ev), 3)
    0.778
    """
    return float(np.mean([ev["per_class"][c]["f1"] for c in ("N", "S", "V")]))
