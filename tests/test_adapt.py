"""Label-free adaptation to one record: the EM prior and BatchNorm statistics."""
from __future__ import annotations

import numpy as np
import pytest

from ecgdash.models.adapt import batchnorm_statistics, em_prior, train_prior_of


def test_em_prior_recovers_a_shifted_prior():
    """Beats drawn 50/50 from two classes, scored by a calibrated model trained at 90/10: EM
    finds about 50/50 and moves the borderline beats accordingly."""
    rng = np.random.default_rng(0)
    y = rng.random(4000) < 0.5
    score = rng.normal(np.where(y, 1.0, -1.0), 1.0)
    like1, like0 = np.exp(-(score - 1) ** 2 / 2), np.exp(-(score + 1) ** 2 / 2)
    train = np.array([0.9, 0.1])
    post = np.column_stack([like0 * train[0], like1 * train[1]])
    post /= post.sum(axis=1, keepdims=True)
    proba = np.zeros((len(y), 5))
    proba[:, :2] = post
    adjusted, prior = em_prior(proba, np.r_[train, 0, 0, 0] + 1e-9)
    assert prior[1] == pytest.approx(0.5, abs=0.03)
    assert np.mean(adjusted.argmax(1) == y) > np.mean(proba.argmax(1) == y) + 0.1
    np.testing.assert_allclose(adjusted.sum(1), 1, rtol=1e-5)
    same, kept = em_prior(proba, proba.mean(0))          # already at its own prior: unchanged
    np.testing.assert_allclose(same, proba, atol=1e-3)


def test_train_prior_folds_in_the_logit_adjustment():
    card = {"data": {"fit_counts": [90, 2, 6, 1, 1]}, "logit_adjustment": {"scale": 4.0}}
    prior = train_prior_of(card)
    assert prior.sum() == pytest.approx(1) and prior[1] / prior[0] == pytest.approx(8 / 90)


def test_batchnorm_statistics_are_the_records_and_restored(tiny_store, small_data):
    from ecgdash.datasets import mitbih as dataset
    from ecgdash.models.inference import model_inputs, predict_proba
    from ecgdash.models.store import load_model

    model = load_model("robust_cnn", folder=tiny_store)
    beats = dataset.load_split("inter", "test", out=small_data)
    one = beats.subset(np.flatnonzero(beats.record == beats.record[0]))
    before = predict_proba(model, one)
    layer = next(lay for lay in model.layers if type(lay).__name__ == "BatchNormalization")
    mean0 = layer.moving_mean.numpy().copy()
    inputs = model_inputs(model, one)
    with batchnorm_statistics(model, inputs):
        import keras

        feats = np.asarray(keras.Model(model.inputs, layer.input)(inputs, training=False))
        np.testing.assert_allclose(layer.moving_mean.numpy(), feats.mean(axis=(0, 1)), rtol=1e-4, atol=1e-5)
        adapted = predict_proba(model, one)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), mean0)
    np.testing.assert_allclose(predict_proba(model, one), before, atol=1e-6)
    assert not np.allclose(adapted, before, atol=1e-4)


def test_analysis_adapts_only_when_asked(records, tiny_store, tmp_path):
    """Off by default (the rule chosen on MIT-BIH lowered every class on svdb, issue 20); with
    adapt=True each model adapts; strips under MIN_BEATS do not."""
    from ecgdash import analyze_record, read_recording
    from ecgdash.models.adapt import MIN_BEATS
    from ecgdash.models.store import load_model

    models = {n: load_model(n, folder=tiny_store) for n in ("robust_cnn", "cnn")}
    rec = read_recording(records / "119")
    minutes = tmp_path / "three.csv"
    np.savetxt(minutes, rec.signals[: 3 * 60 * 360, 0], fmt="%.4f")
    plain = analyze_record(minutes, fs=360, models=models, check_quality=False)
    assert plain.unadapted == {} and len(plain.beats) >= MIN_BEATS
    result = analyze_record(minutes, fs=360, models=models, check_quality=False, adapt=True)
    assert set(result.unadapted) == {"robust_cnn", "cnn"}
    assert result.unadapted_counts.sum().iloc[0] == result.counts["robust_cnn"].sum()
    np.testing.assert_allclose(plain.probas["robust_cnn"], result.unadapted["robust_cnn"], atol=1e-6)
    assert not np.allclose(plain.probas["robust_cnn"], result.probas["robust_cnn"], atol=1e-4)
    strip = tmp_path / "strip.csv"
    np.savetxt(strip, rec.signals[: 20 * 360, 0], fmt="%.4f")
    short = analyze_record(strip, fs=360, models=models, check_quality=False, adapt=True)
    assert short.unadapted == {} and any("too few to adapt" in w for w in short.warnings)


def test_em_prior_can_leave_classes_alone():
    rng = np.random.default_rng(1)
    proba = rng.dirichlet(np.ones(5), size=500)
    base = np.array([0.6, 0.1, 0.1, 0.1, 0.1])
    _, prior = em_prior(proba, base, classes=(0, 1, 2))
    np.testing.assert_allclose(prior[3:], base[3:], atol=1e-9)
    assert prior[:3].sum() == pytest.approx(base[:3].sum())
    assert not np.allclose(prior[:3], base[:3], atol=1e-3)


def test_evaluate_adapt_prints_per_record_and_fills_the_compare_table(small_data, tiny_store, tmp_path, capsys):
    from ecgdash import load_card
    from ecgdash.cli import main
    from ecgdash.datasets import mitbih as dataset
    from ecgdash.report.tables import adaptation_table

    folder = tmp_path / "models"
    folder.mkdir()
    for ext in (".keras", ".json"):
        (folder / f"robust_cnn{ext}").write_bytes((tiny_store / f"robust_cnn{ext}").read_bytes())
    assert main(["evaluate", "adapted", "--models", "robust_cnn", "--models-dir", str(folder),
                 "--data", str(small_data), "--save"]) == 0
    out = capsys.readouterr().out
    test = dataset.load_split("inter", "test", out=small_data)
    for record in np.unique(test.record):
        assert str(record) in out
    assert "as trained: accuracy" in out and "adapted: accuracy" in out
    card = load_card("robust_cnn", folder=folder)
    assert card["evaluation_adapted"]["n"] == len(test)
    table = adaptation_table({"robust_cnn": card})
    assert table["scored"].tolist() == ["as trained", "adapted to each record"]
    assert table["accuracy"].iloc[1] == pytest.approx(card["evaluation_adapted"]["accuracy"])


def test_adapt_proba_per_record_and_its_errors(tiny_store, small_data):
    import keras

    from ecgdash import DataError
    from ecgdash.datasets import mitbih as dataset
    from ecgdash.models.adapt import adapt_proba
    from ecgdash.models.inference import predict_proba
    from ecgdash.models.store import load_model, model_paths

    beats = dataset.load_split("inter", "test", out=small_data)
    model = load_model("robust_cnn", folder=tiny_store)
    both = adapt_proba(model, beats, method="prior")
    first = beats.record == beats.record[0]
    alone = adapt_proba(model, beats.subset(np.flatnonzero(first)), method="prior")
    np.testing.assert_allclose(both[first], alone, atol=1e-6)      # each record on its own
    assert np.allclose(adapt_proba(model, beats, method="prior", min_beats=10**6), predict_proba(model, beats))
    bare = keras.saving.load_model(model_paths("robust_cnn", tiny_store)[0], compile=False)
    with pytest.raises(DataError, match="needs the prior the model learned"):
        adapt_proba(bare, beats, method="prior")
    with pytest.raises(DataError, match="Unknown adaptation"):
        adapt_proba(model, beats, method="magic")


def test_the_training_prior_holds_back_a_rare_class():
    """30 of 600 beats called S at 0.54 against N 0.44: plain EM reads the record's S share as
    below the training prior's, lowers it, and ends with no S call at all; counted as enough
    beats of evidence (``strength``) the training prior keeps them: the estimate moves from
    plain EM's toward the training prior as the strength grows."""
    from ecgdash.models.adapt import em_prior

    prior = np.array([0.9, 0.05, 0.04, 0.005, 0.005])
    proba = np.tile([0.97, 0.01, 0.02, 0.0, 0.0], (600, 1))
    proba[:30] = [0.44, 0.54, 0.02, 0.0, 0.0]
    calls = {}
    shares = {}
    for strength in (0, 400, 6400, 1e9):
        adapted, estimate = em_prior(proba, prior, classes=(0, 1, 2), strength=strength)
        calls[strength], shares[strength] = int((adapted.argmax(1) == 1).sum()), estimate[1]
    assert calls[0] == 0 and calls[1e9] == 30                       # erased by EM, kept by the prior
    assert shares[0] < shares[400] < shares[6400] < shares[1e9] == pytest.approx(0.05)
