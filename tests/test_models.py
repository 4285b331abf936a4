"""Model builders, prediction API, evaluation numbers."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, roc_auc_score

from ecgdash import DataError, build_cnn, build_lstm, evaluate, predict_proba
from ecgdash.evaluation.metrics import format_report, normalize_confusion
from ecgdash.models.builders import build_reference_lstm


def test_parameter_counts():
    assert build_reference_lstm().count_params() == 19_397   # the reference study's LSTM
    assert build_lstm().count_params() <= 19_397
    assert build_cnn().count_params() <= 100_000
    assert {type(layer).__name__ for layer in build_lstm().layers} >= {"LSTM"}


def test_predict_proba_shapes_and_bad_input():
    model = build_cnn()
    X = np.random.default_rng(0).random((3, 187), dtype=np.float32)
    p = predict_proba(model, X)
    assert p.shape == (3, 5) and np.allclose(p.sum(axis=1), 1, atol=1e-5)
    assert predict_proba(model, X[0]).shape == (1, 5)
    assert predict_proba(model, np.zeros((0, 187))).shape == (0, 5)
    with pytest.raises(DataError, match="187 samples"):
        predict_proba(model, np.zeros((2, 100)))
    X[1, 5] = np.nan
    with pytest.raises(DataError, match="NaN"):
        predict_proba(model, X)


def test_evaluation_matches_scikit_learn():
    y = np.array([0, 0, 0, 0, 1, 1, 2, 2, 3, 4, 4, 0])
    proba = np.array([
        [.9, .05, .02, .02, .01], [.6, .3, .05, .03, .02], [.2, .7, .05, .03, .02],
        [.8, .1, .05, .03, .02], [.3, .6, .05, .03, .02], [.5, .4, .05, .03, .02],
        [.1, .1, .7, .05, .05], [.1, .1, .3, .45, .05], [.1, .1, .2, .55, .05],
        [.1, .05, .05, .05, .75], [.2, .1, .1, .1, .5], [.4, .1, .1, .1, .3]])
    ev = evaluate(y, proba)
    pred = proba.argmax(1)
    ref = classification_report(y, pred, output_dict=True, zero_division=0)
    assert ev["accuracy"] == pytest.approx(accuracy_score(y, pred))
    for c, name in enumerate("NSVFQ"):
        for key in ("precision", "recall"):
            assert ev["per_class"][name][key] == pytest.approx(ref[str(c)][key])
        assert ev["per_class"][name]["f1"] == pytest.approx(ref[str(c)]["f1-score"])
        assert ev["per_class"][name]["support"] == ref[str(c)]["support"]
    assert ev["macro_f1"] == pytest.approx(ref["macro avg"]["f1-score"])
    assert ev["weighted_avg"]["f1"] == pytest.approx(ref["weighted avg"]["f1-score"])
    assert ev["roc_auc"] == pytest.approx(roc_auc_score(y, proba, multi_class="ovr", average="macro"))
    assert ev["confusion"] == confusion_matrix(y, pred).tolist()
    assert ev["roc"]["N"]["fpr"][0] == 0 and ev["roc"]["N"]["tpr"][-1] == 1
    text = format_report(ev, "demo", params=123)
    assert "macro avg" in text and "weighted avg" in text and "123" in text


def test_evaluation_with_missing_classes():
    y = np.array([0, 0, 2, 2])
    proba = np.eye(5)[[0, 2, 2, 2]]
    ev = evaluate(y, proba)
    assert ev["per_class"]["S"]["support"] == 0 and ev["per_class"]["S"]["auc"] is None
    assert ev["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2)
    rows = normalize_confusion(ev["confusion"])
    assert rows[0].tolist() == [0.5, 0, 0.5, 0, 0] and rows[1].sum() == 0
