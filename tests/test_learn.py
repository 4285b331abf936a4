"""The Learn page's teaching numbers, computed from models and cards."""
from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from ecgdash.report.tables import results_rows
from ecgdash.teaching.learn import class_winners, epochs_to_converge, receptive_fields


def test_receptive_field_grows_by_kernel_and_stride():
    inp = keras.Input((187, 1))
    x = layers.Conv1D(4, 5, name="a")(inp)                   # 5 samples
    x = layers.Conv1D(4, 1, name="proj")(x)                  # 1x1: adds nothing, not listed
    x = layers.MaxPooling1D(2, name="pool")(x)               # 5 + 1 = 6, step 2
    x = layers.Conv1D(4, 3, name="b")(x)                     # 6 + 2 * 2 = 10
    x = layers.Conv1D(4, 3, dilation_rate=4, name="c")(x)    # 10 + 2 * 4 * 2 = 26
    rows = receptive_fields(keras.Model(inp, x))
    assert [r["layer"] for r in rows] == ["a", "pool", "b", "c"]
    assert [r["samples"] for r in rows] == [5, 6, 10, 26]
    assert rows[-1]["step"] == 2 and rows[-1]["seconds"] == pytest.approx(26 / 120, abs=1e-3)


def _card(values, **evaluation):
    return {"history": [{"epoch": i + 1, "val_macro_f1": v} for i, v in enumerate(values)],
            "split": "intra", "evaluation": evaluation or None}


def test_epochs_to_converge_is_the_first_epoch_near_the_best():
    assert epochs_to_converge(_card([0.5, 0.80, 0.895, 0.90, 0.85])) == 3   # 0.895 >= 0.99 * 0.90
    assert epochs_to_converge(_card([0.5, 0.80, 0.88, 0.90]), within=0.0) == 4
    assert epochs_to_converge({"history": []}) is None


def _ev(f1s, acc=0.9):
    per = {c: {"f1": f, "support": 10} for c, f in zip("NSVFQ", f1s)}
    return {"per_class": per, "n": 50, "accuracy": acc, "macro_f1": sum(f1s) / 5, "roc_auc": 0.95,
            "test_set": "test"}


def _confusion_ev(right: list[int], support: list[int]) -> dict:
    """An evaluation whose class k has ``support[k]`` beats, ``right[k]`` of them called k and
    the rest called N (or S, for N beats)."""
    from ecgdash.evaluation.metrics import f1_from_confusion

    c = np.zeros((5, 5), dtype=int)
    for k, (r, n) in enumerate(zip(right, support)):
        c[k, k] = r
        c[k, 1 if k == 0 else 0] = n - r
    f1 = f1_from_confusion(c)
    ev = _ev(list(f1))
    ev["confusion"] = c.tolist()
    return ev


def test_class_winners_call_only_differences_larger_than_chance():
    """S: 600 vs 900 of 1,000 beats right, a real gap; F: 120 vs 121 of 162, chance (issue 20:
    Learn called a 0.0059 F1 difference on 162 F beats a win)."""
    support = [5000, 1000, 800, 162, 300]
    lstm = _confusion_ev([4990, 600, 790, 121, 299], support)
    cnn = _confusion_ev([4990, 900, 790, 120, 299], support)
    rows = {r["class"]: r for r in class_winners({"lstm": lstm, "cnn": cnn}, n_boot=1000)}
    assert rows["S"]["verdict"] == "CNN better" and rows["S"]["difference"] < -0.1
    assert 0 < rows["F"]["difference"] < 0.02 and rows["F"]["verdict"] == "about the same"
    low, high = (float(v) for v in rows["F"]["95% interval"].split(" to "))
    assert low < 0 < high
    evals = {"lstm": _ev([0.99, 0.80, 0.95, 0.70, 0.98]), "cnn": _ev([0.99, 0.90, 0.952, 0.60, 0.97])}
    cards = {"lstm_inter": _card([0.5], **evals["lstm"]), "none": _card([0.5])}
    table = results_rows(cards)
    assert len(table) == 1 and table[0]["model"] == "LSTM (DS1-trained)" and table[0]["S F1"] == 0.8
    assert table[0]["macro-F1 (all classes)"] == pytest.approx((0.99 + 0.8 + 0.95 + 0.7 + 0.98) / 5, abs=1e-4)
