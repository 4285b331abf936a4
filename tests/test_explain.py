"""Explanations: integrated gradients and Grad-CAM, with the honesty checks of the issue.

These use the committed trained models (trained_models/), because the sanity check compares a
trained model with random weights: a barely trained model would not tell them apart.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from ecgdash import DataError, beats_from_record, load_model, predict_proba
from ecgdash.models.builders import build
from ecgdash.models.explain import COMPLETENESS_TOL, explain


@pytest.fixture(scope="module")
def beats(records):
    b = beats_from_record(records / "208")           # N, V and F beats
    rng = np.random.default_rng(0)
    return b.subset(np.sort(rng.choice(len(b), 16, replace=False)))


@pytest.fixture(scope="module", params=["lstm", "cnn"])
def trained(request, beats):
    """(kind, committed model, its integrated-gradients maps of ``beats``), computed once."""
    model = load_model(request.param)
    return request.param, model, explain(model, beats)


def test_completeness(trained, beats):
    """Attributions sum to p(beat) - p(baseline) for the explained class."""
    _, model, A = trained
    p = predict_proba(model, beats)
    target = p.argmax(axis=1)
    p0 = predict_proba(model, np.zeros((1, 187), np.float32))[0]
    err = np.abs(A.sum(axis=1) - (p[np.arange(len(p)), target] - p0[target]))
    assert A.shape == (len(beats), 187) and A.dtype == np.float32
    assert err.max() < COMPLETENESS_TOL and err.mean() < 0.03


def test_sanity_against_random_weights(trained, beats):
    """Adebayo et al. 2018: the maps must depend on what the model learned.

    Compared over the beat's samples (not the zero padding, where both maps are exactly 0 and
    the ties would inflate the correlation). Signed maps must be unrelated; magnitudes share
    the factor |x| of integrated gradients (about 0.5-0.65 rank correlation with |x| for both
    the trained and the random model, measured), so they may correlate, but well below 1.
    """
    kind, model, a = trained
    import keras

    keras.utils.set_random_seed(7)
    random_model = build(kind)
    b = explain(random_model, beats, target=predict_proba(model, beats).argmax(axis=1))
    live = beats.X > 0
    signed = np.mean([spearmanr(x[m], y[m])[0] for x, y, m in zip(a, b, live)])
    magnitude = np.mean([spearmanr(np.abs(x[m]), np.abs(y[m]))[0] for x, y, m in zip(a, b, live)])
    assert signed < 0.3 and magnitude < 0.6


def test_zero_padding_gets_zero(trained, beats):
    _, model, A = trained
    padded = beats.X == 0
    assert padded.any() and np.abs(A[padded]).max() < 1e-6


def test_deletion_of_strongest_samples_changes_more(trained, beats):
    """Flattening the 15 samples that pushed most towards the class lowers its probability
    more than flattening the 15 that mattered least."""
    _, model, A = trained
    p = predict_proba(model, beats)
    target = p.argmax(axis=1)
    drops = {"strongest": [], "weakest": []}
    for i, (x, a) in enumerate(zip(beats.X, A)):
        live = np.flatnonzero(x > 0)
        strongest = live[np.argsort(a[live])[-15:]]
        weakest = live[np.argsort(np.abs(a[live]))[:15]]
        for key, idx in (("strongest", strongest), ("weakest", weakest)):
            edited = x.copy()
            edited[idx] = np.median(x[live])
            q = predict_proba(model, edited[None])[0, target[i]]
            drops[key].append(p[i, target[i]] - q)
    assert np.mean(drops["strongest"]) > np.mean(drops["weakest"]) + 0.05


def test_grad_cam_and_targets(beats):
    cnn = load_model("cnn")
    cam = explain(cnn, beats, method="gradcam")
    assert cam.shape == (len(beats), 187) and cam.min() >= 0 and np.allclose(cam.max(axis=1), 1)
    few = beats.subset([0, 1, 2, 3])
    v = explain(cnn, few, target="V")
    assert not np.allclose(v, explain(cnn, few, target="N"))
    with pytest.raises(DataError, match="convolutional"):
        explain(load_model("lstm"), beats, method="gradcam")
    with pytest.raises(DataError, match="Unknown class"):
        explain(cnn, beats, target="X")
    with pytest.raises(DataError, match="Unknown explanation"):
        explain(cnn, beats, method="lime")


def test_cli_explain(small_data, tmp_path, monkeypatch, capsys):
    import pandas as pd

    from ecgdash.cli import main

    out = tmp_path / "attr.csv"
    assert main(["explain", str(small_data / "mitbih_test.csv"), "--model", "cnn", "--rows", "5",
                 "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert table.shape == (5, 187 + 3) and set(table["class"]) <= set("NSVFQ")   # letters
    assert main(["explain", str(tmp_path / "missing.csv")]) == 2
    # without --out: under the data folder, never into the current one
    monkeypatch.setenv("ECGDASH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    before = set(tmp_path.iterdir())
    assert main(["explain", str(small_data / "mitbih_test.csv"), "--rows", "2", "--target", "V"]) == 0
    assert set(tmp_path.iterdir()) - before == {tmp_path / "data"}
    written = tmp_path / "data" / "explanations" / "mitbih_test_cnn_ig.csv"
    assert (pd.read_csv(written)["class"] == "V").all() and str(written) in capsys.readouterr().out


def test_explaining_leaves_the_tensorflow_logger_alone(beats):
    """The process's TensorFlow logger keeps the level its owner set."""
    import logging

    import tensorflow as tf

    logger = tf.get_logger()
    before = logger.level
    try:
        logger.setLevel(logging.DEBUG)
        explain(build("robust_cnn"), beats.subset([0, 1]), steps=8)
        assert logger.level == logging.DEBUG
    finally:
        logger.setLevel(before)
