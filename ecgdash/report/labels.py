"""What a beat file's labels can mean (the Predict page asks before it scores AAMI classes
against labels that could be PTB's person labels).

    meaning = label_meaning("ptbdb_normal.csv", y)        # "ptb" or "aami": a guess to preselect
    share = non_normal_share(probas, y)                   # PTB labels: each model's non-N share
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

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


