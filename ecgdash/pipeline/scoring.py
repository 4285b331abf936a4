"""Score beats with several models at once and tabulate the answers (the Predict page's table).

    probas = score({"lstm": lstm, "cnn": cnn}, beats)      # name -> (n, 5)
    table = prediction_table(beats, probas)                 # one row per beat
    view = filter_table(table, classes=["V"], disagree=True)
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ecgdash.beats import Beats
from ecgdash.config import CLASSES
from ecgdash.evaluation.metrics import evaluate
from ecgdash.models.inference import predict_proba

LOW_CONFIDENCE = 0.8
#: What the labels of a beat file can mean. The Kaggle download holds the PTB Diagnostic ECG
#: Database's beats too (ptbdb_normal.csv, ptbdb_abnormal.csv), where 0 and 1 say whether the
#: *person* is healthy or not (mostly myocardial infarction): not a beat class.
LABEL_MEANINGS = {
    "aami": "AAMI beat classes (0 N, 1 S, 2 V, 3 F, 4 Q)",
    "ptb": "PTB: 0 a healthy person, 1 a patient (mostly myocardial infarction)",
    "none": "none (ignore them)",
}
PTB_SENTENCE = ("These models detect arrhythmic beats (S, V, F, Q), not infarction: a patient's "
                "beats can all be normal beats, so PTB's person labels are not the models' "
                "classes, and no accuracy against them is shown.")


def labels_ambiguous(y) -> bool:
    """Can the labels mean two things? Labels only 0 and 1 are AAMI N and S, or PTB's healthy
    person and patient: a page must ask before it scores AAMI classes against them."""
    return y is not None and len(y) > 0 and set(np.unique(y).tolist()) <= {0, 1}


def label_meaning(name: str, y=None) -> str:
    """The likely meaning of a beat file's labels ("ptb" or "aami"), from its content first,
    then its name: a guess to preselect, never a decision (see ``labels_ambiguous``).

    Labels 2-4 exist only in AAMI files. Labels of only 0 and 1 with 1 in the majority are
    PTB's (S beats are 2.5 % of MIT-BIH's); otherwise the name decides ("ptb" in it), and
    without a hint, AAMI.

    Examples
    --------
    >>> import numpy as np
    >>> label_meaning("my_sample.csv", np.ones(50, dtype=int))
    'ptb'
    >>> label_meaning("beats.csv", np.array([0, 0, 0, 1])), label_meaning("x.csv", np.array([0, 2]))
    ('aami', 'aami')
    >>> label_meaning("ptbdb_normal.csv", np.zeros(50, dtype=int))
    'ptb'
    """
    if y is not None and len(y) and not labels_ambiguous(y):
        return "aami"
    if y is not None and len(y) and np.mean(np.asarray(y) == 1) > 0.5:
        return "ptb"
    return "ptb" if "ptb" in Path(str(name)).name.lower() else "aami"


def non_normal_share(probas: dict[str, np.ndarray], labels: np.ndarray) -> pd.DataFrame:
    """For PTB labels: per label value (0 healthy person, 1 patient), the beats and the share
    each model calls anything but N."""
    names = {0: "0: healthy person", 1: "1: patient"}
    rows = []
    for value in np.unique(labels):
        mask = labels == value
        rows.append({"labels": names.get(int(value), str(value)), "beats": int(mask.sum()),
                     **{f"{model}: share called non-N": round(float((p[mask].argmax(axis=1) != 0).mean()), 4)
                        for model, p in probas.items()}})
    return pd.DataFrame(rows)


def score(models: dict, beats: Beats | np.ndarray) -> dict[str, np.ndarray]:
    """Class probabilities of every model, ``{name: (n, 5) array}``."""
    return {name: predict_proba(model, beats) for name, model in models.items()}


def prediction_table(beats: Beats, probas: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per beat: index, true label (if known), each model's class and confidence,
    whether all models agree, and whether each model is right (if labels are known)."""
    n = len(beats)
    table = pd.DataFrame({"beat": np.arange(n)})
    if beats.record is not None:
        table["record"] = beats.record
        table["sample"] = beats.sample
    if beats.y is not None:
        table["true"] = np.asarray(CLASSES)[beats.y]
    classes = {}
    for name, proba in probas.items():
        pred = proba.argmax(axis=1)
        classes[name] = pred
        table[f"{name}_class"] = np.asarray(CLASSES)[pred]
        table[f"{name}_confidence"] = proba.max(axis=1).round(4)
    if classes:
        preds = np.stack(list(classes.values()))
        table["agree"] = (preds == preds[0]).all(axis=0)
    if beats.y is not None:
        for name, pred in classes.items():
            table[f"{name}_correct"] = pred == beats.y
    return table


def filter_table(table: pd.DataFrame, classes=None, disagree: bool = False,
                 low_confidence: float | None = None, model: str | None = None) -> pd.DataFrame:
    """Rows where any model predicts one of ``classes`` (or the true label is one of them),
    only disagreements if ``disagree``, only beats some model is less sure of than
    ``low_confidence`` (e.g. 0.8)."""
    names = [c[:-6] for c in table.columns if c.endswith("_class")]
    if model:
        names = [model]
    mask = np.ones(len(table), dtype=bool)
    if classes:
        hit = np.zeros(len(table), dtype=bool)
        for name in names:
            hit |= table[f"{name}_class"].isin(classes).to_numpy()
        if "true" in table:
            hit |= table["true"].isin(classes).to_numpy()
        mask &= hit
    if disagree and "agree" in table:
        mask &= ~table["agree"].to_numpy()
    if low_confidence is not None:
        low = np.zeros(len(table), dtype=bool)
        for name in names:
            low |= (table[f"{name}_confidence"] < low_confidence).to_numpy()
        mask &= low
    return table[mask]


def metrics_per_model(beats: Beats, probas: dict[str, np.ndarray]) -> dict[str, dict]:
    """The evaluation of each model on labelled ``beats`` ({} if the beats have no labels)."""
    if beats.y is None:
        return {}
    return {name: evaluate(beats.y, proba) for name, proba in probas.items()}


def predictions_csv(table: pd.DataFrame) -> bytes:
    """The prediction table as CSV bytes (for download)."""
    return table.to_csv(index=False).encode()


def cell_beats(y_true, probas: dict[str, np.ndarray], model: str, true: int, called: int) -> np.ndarray:
    """Indices of the beats in one cell of ``model``'s confusion matrix: true class ``true``,
    called ``called`` (class indices).

    Examples
    --------
    >>> p = {"cnn": np.eye(5)[[0, 2, 2, 1]]}
    >>> cell_beats(np.array([0, 0, 2, 1]), p, "cnn", 0, 2).tolist()
    [1]
    """
    y_true = np.asarray(y_true)
    return np.flatnonzero((y_true == true) & (probas[model].argmax(axis=1) == called))


def disagreements(probas: dict[str, np.ndarray]) -> np.ndarray:
    """Indices of the beats the models call differently.

    Examples
    --------
    >>> disagreements({"a": np.eye(5)[[0, 1, 2]], "b": np.eye(5)[[0, 2, 2]]}).tolist()
    [1]
    """
    calls = np.stack([p.argmax(axis=1) for p in probas.values()])
    return np.flatnonzero((calls != calls[0]).any(axis=0))


def against_labels(probas: dict[str, np.ndarray], labels, *, titles: dict[str, str] | None = None) -> pd.DataFrame:
    """Each model against labels a person gave (-1: not labelled), e.g. by labelling clusters:
    a row per model with the beats labelled, the share it calls the same, and its recall of each
    class that was labelled.

    Examples
    --------
    >>> p = {"cnn": np.eye(5)[[0, 0, 2, 1]], "lstm": np.eye(5)[[0, 1, 2, 1]]}
    >>> t = against_labels(p, np.array([0, 0, 2, -1]))
    >>> t[["model", "beats labelled", "same call"]].values.tolist()
    [['cnn', 3, 1.0], ['lstm', 3, 0.6667]]
    >>> t["recall N"].tolist()
    [1.0, 0.5]
    """
    labels = np.asarray(labels)
    done = labels >= 0
    present = [k for k in range(len(CLASSES)) if np.any(labels == k)]
    rows = []
    for name, proba in probas.items():
        called = proba.argmax(axis=1)
        row = {"model": (titles or {}).get(name, name), "beats labelled": int(done.sum()),
               "same call": round(float(np.mean(called[done] == labels[done])), 4) if done.any() else np.nan}
        for k in present:
            row[f"recall {CLASSES[k]}"] = round(float(np.mean(called[labels == k] == k)), 4)
        rows.append(row)
    return pd.DataFrame(rows)


def labels_agreement(labels, reference) -> tuple[int, int]:
    """How many of the beats a person labelled (``labels`` >= 0) that the file also labels
    (``reference`` >= 0) carry the same class: ``(same, both)``.

    >>> labels_agreement(np.array([0, 2, 2, -1]), np.array([0, 1, 2, 0]))
    (2, 3)
    """
    labels, reference = np.asarray(labels), np.asarray(reference)
    both = (labels >= 0) & (reference >= 0)
    return int((labels[both] == reference[both]).sum()), int(both.sum())
