"""The models' answers as tables: one row per beat of a beat file (the Predict page) or of a
recording (the Recordings page, ``ecgdash record --out``, the batch's beat files).

    table = prediction_table(beats, probas)                 # one row per beat
    view = filter_table(table, classes=["V"], disagree=True)
    rows = beat_table(analysis)                             # a recording's beats, with times
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ecgdash.beats import Beats
from ecgdash.config import CLASSES

#: The Predict page's default "less sure than" filter.
LOW_CONFIDENCE = 0.8


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


def predictions_csv(table: pd.DataFrame) -> bytes:
    """The prediction table as CSV bytes (for download)."""
    return table.to_csv(index=False).encode()


def beat_table(analysis) -> pd.DataFrame:
    """One row per beat of an analysed recording (``pipeline.record.RecordAnalysis``): its
    time and sample, the reference and a person's label where known, each model's class and
    confidence ("unreadable" and no confidence in unreadable signal), the RR interval before
    it and the signal's quality."""
    table = pd.DataFrame({"beat": np.arange(len(analysis.beats)), "time_s": np.round(analysis.times, 3),
                          "sample": analysis.beats.sample})
    if analysis.reference is not None:
        ref = np.where(analysis.reference >= 0, np.asarray(CLASSES)[np.clip(analysis.reference, 0, 4)], "")
        table["reference"] = ref
    if analysis.labels is not None:
        table["label"] = np.where(analysis.labels >= 0, np.asarray(CLASSES)[np.clip(analysis.labels, 0, 4)], "")
    for name, proba in analysis.probas.items():
        table[f"{name}_class"] = analysis.classes(name)
        table[f"{name}_confidence"] = np.where(analysis.readable, proba.max(axis=1).round(4), np.nan)
    rr = analysis.beats.rr
    table["rr_before_s"] = np.round(rr[:, 0], 3)
    if analysis.quality is not None:
        table["signal"] = analysis.quality
    return table
