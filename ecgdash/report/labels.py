"""What a beat file's labels can mean, and how the models' calls compare with labels a file or
a person gave (the Predict page's PTB view, the template review's agreement).

    meaning = label_meaning("ptbdb_normal.csv", y)        # "ptb" or "aami": a guess to preselect
    table = against_labels(probas, labels)                # each model against a person's labels
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ecgdash.config import CLASSES

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
