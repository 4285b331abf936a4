"""Model builders, prediction API, evaluation numbers."""
from __future__ import annotations

import os

import numpy as np
import pytest

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


def test_evaluation_by_hand():
    """Every figure of a small report worked out by hand (not by the library the code calls):
    predicted classes 0 0 1 0 1 0 2 3 3 4 4 0 for true 0 0 0 0 1 1 2 2 3 4 4 0."""
    y = np.array([0, 0, 0, 0, 1, 1, 2, 2, 3, 4, 4, 0])
    proba = np.array([
        [.9, .05, .02, .02, .01], [.6, .3, .05, .03, .02], [.2, .7, .05, .03, .02],
        [.8, .1, .05, .03, .02], [.3, .6, .05, .03, .02], [.5, .4, .05, .03, .02],
        [.1, .1, .7, .05, .05], [.1, .1, .3, .45, .05], [.1, .1, .2, .55, .05],
        [.1, .05, .05, .05, .75], [.2, .1, .1, .1, .5], [.4, .1, .1, .1, .3]])
    ev = evaluate(y, proba)
    assert ev["confusion"] == [[4, 1, 0, 0, 0], [1, 1, 0, 0, 0], [0, 0, 1, 1, 0], [0, 0, 0, 1, 0],
                               [0, 0, 0, 0, 2]]
    assert ev["accuracy"] == pytest.approx(9 / 12)
    expected = {"N": (4 / 5, 4 / 5, 0.8, 5), "S": (1 / 2, 1 / 2, 0.5, 2), "V": (1, 1 / 2, 2 / 3, 2),
                "F": (1 / 2, 1, 2 / 3, 1), "Q": (1, 1, 1, 2)}
    for name, (precision, recall, f1, support) in expected.items():
        m = ev["per_class"][name]
        assert (m["precision"], m["recall"], m["f1"]) == pytest.approx((precision, recall, f1))
        assert m["support"] == support
    assert ev["macro_f1"] == pytest.approx((0.8 + 0.5 + 2 / 3 + 2 / 3 + 1) / 5)
    assert ev["weighted_avg"]["f1"] == pytest.approx((5 * 0.8 + 2 * 0.5 + 2 * 2 / 3 + 2 / 3 + 2) / 12)
    # one-vs-rest AUC: N's 5 positives beat its 7 negatives in 31.5 of 35 pairs (one tie at 0.2)
    aucs = {c: ev["per_class"][c]["auc"] for c in "NSVFQ"}
    assert aucs == pytest.approx({"N": 31.5 / 35, "S": 18 / 20, "V": 1.0, "F": 1.0, "Q": 1.0})
    assert ev["roc_auc"] == pytest.approx((0.9 + 0.9 + 1 + 1 + 1) / 5)
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


@pytest.mark.parametrize("killed_at", [0, 1, 2, None])
def test_a_save_killed_at_any_step_leaves_a_loadable_pair(tiny_store, tmp_path, monkeypatch, killed_at):
    """Issue 23: a kill between the two renames of save_model left the new .keras beside the old
    card (refused on load) and the previous model gone. Killed before each of the three moves
    (and not at all), the store holds the old pair or the new one, and it loads."""
    import shutil

    from ecgdash.models import store

    folder = tmp_path / "store"
    folder.mkdir()
    for ext in (".keras", ".json"):
        shutil.copy(tiny_store / f"lstm{ext}", folder / f"lstm{ext}")
    old = store.load_model("lstm", folder=folder)
    new = store.load_model("cnn", folder=tiny_store)
    real_replace, calls = os.replace, []

    class Killed(BaseException):
        pass

    def replace(src, dst):
        if len(calls) == killed_at:
            raise Killed
        calls.append(dst)
        real_replace(src, dst)

    monkeypatch.setattr(store.os, "replace", replace)
    try:
        store.save_model("lstm", new.network, new.card, folder=folder)
    except Killed:
        pass
    monkeypatch.undo()
    assert store.list_models(folder) == ["lstm"]
    loaded = store.load_model("lstm", folder=folder)
    expected = old if killed_at in (0, 1) else new          # the model moved: the new pair
    assert loaded.count_params() == expected.count_params() == loaded.card["params"]
    assert not list(folder.glob(".*pending"))
