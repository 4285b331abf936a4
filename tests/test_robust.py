"""The robust pair: patient-wise splitting, RR context and templates, augmentation, tiny training."""
from __future__ import annotations

import numpy as np
import pytest

from ecgdash import DataError, beats_from_record, predict_proba
from ecgdash.config import DS1
from ecgdash.datasets.mitbih import read_records
from ecgdash.ecg.context import RR_FEATURES, WINDOW, irregularity, rolling_mean, rolling_median
from ecgdash.evaluation.robustness import condition_beats
from ecgdash.training.recipes import VAL_RECORDS, AugmentConfig
from ecgdash.training.robust import augment_record, patient_split


def test_patient_split_never_shares_a_record():
    train, val = patient_split(DS1)
    assert set(val) == set(VAL_RECORDS) and not set(train) & set(val)
    assert sorted(train + val) == sorted(DS1)
    train, val = patient_split(["101", "106", "208"])     # no configured validation record here
    assert val == ["208"] and train == ["101", "106"]
    with pytest.raises(DataError):
        patient_split(["101"])


def test_rr_context_marks_premature_beats(records):
    beats = beats_from_record(records / "232")            # many S beats
    ctx = beats.context
    assert ctx.shape == (len(beats), len(RR_FEATURES)) and ctx.dtype == np.float32
    # beat i's features from its own RR intervals, written out
    pre, post = beats.rr[:, 0].astype(float), beats.rr[:, 1].astype(float)
    i = len(beats) // 2
    local = pre[i - WINDOW:i + WINDOW + 1].mean()
    steps = np.abs(np.diff(pre, prepend=pre[:1]))[i - WINDOW:i + WINDOW + 1]
    expected = [pre[i], post[i], pre[i] / local, post[i] / local, pre[i] / pre.mean(), post[i] / pre[i],
                np.median(steps) / local]
    np.testing.assert_allclose(ctx[i], np.clip(expected, 0, 4), rtol=1e-5)
    s, n = beats.y == 1, beats.y == 0
    assert np.median(ctx[s, 2]) < np.median(ctx[n, 2])   # S beats come early for this patient
    sub = beats.subset(np.arange(0, len(beats), 7))
    np.testing.assert_array_equal(sub.context, ctx[::7])  # a subset keeps the whole-record context


def test_irregularity_tells_fibrillation_from_a_few_early_beats():
    rng = np.random.default_rng(0)
    steady = np.full(300, 0.8)
    steady[::9] = 0.5                                     # an early beat every 9th: S beats
    steady[1::9] = 1.1                                    # each with its pause
    fibrillation = rng.uniform(0.4, 1.2, 300)             # irregularly irregular
    assert np.median(irregularity(steady)) < 0.05 < 0.3 < np.median(irregularity(fibrillation))


@pytest.mark.parametrize("n", [0, 1, 5, 2 * WINDOW, 2 * WINDOW + 1, 200])
def test_rolling_median_at_any_length(n):
    values = np.random.default_rng(n).random(n)
    expected = [np.median(values[max(0, i - WINDOW):i + WINDOW + 1]) for i in range(n)]
    np.testing.assert_allclose(rolling_median(values), expected, rtol=1e-12)


@pytest.mark.parametrize("n", [0, 1, 5, 2 * WINDOW, 2 * WINDOW + 1, 200])
def test_rolling_mean_at_any_length(n):
    values = np.random.default_rng(n).random(n)
    expected = [values[max(0, i - WINDOW):i + WINDOW + 1].mean() for i in range(n)]
    np.testing.assert_allclose(rolling_mean(values), expected, rtol=1e-12)


def test_templates_are_local_medians(records):
    beats = beats_from_record(records / "119")            # bigeminy: runs of V beats
    t = beats.template
    assert t.shape == beats.X.shape and t.dtype == np.float32
    for i in (0, 7, 100, len(beats) - 1):                  # edges use the beats that exist
        window = beats.X[max(0, i - 15):i + 16]
        np.testing.assert_allclose(t[i], np.median(window, axis=0), atol=1e-6)


def test_context_models_refuse_bare_arrays(records):
    from ecgdash.models.builders import build

    model = build("robust_cnn")
    beats = beats_from_record(records / "119")
    assert predict_proba(model, beats.subset(np.arange(20))).shape == (20, 5)
    with pytest.raises(DataError, match="RR intervals"):
        predict_proba(model, beats.X[:20])


@pytest.mark.parametrize("seed", [0, 1])
def test_augmented_passes_keep_the_format_and_are_seeded(records, seed):
    rec = read_records(records, ["208"])[0]
    config = AugmentConfig(p_resample=1.0, p_noise=1.0, p_invert=0.5)
    a = augment_record(rec, np.random.default_rng(seed), config)
    b = augment_record(rec, np.random.default_rng(seed), config)
    np.testing.assert_array_equal(a.X, b.X)
    assert a.X.dtype == np.float32 and a.X.shape[1] == 187
    assert a.X.min() >= 0 and a.X.max() <= 1
    clean = beats_from_record(records / "208")
    assert abs(len(a) - len(clean)) <= 2 and a.fs in config.fs_choices


def test_a_shifted_pass_moves_every_mark_by_one_offset(records):
    """``shift_s``: all beats of a pass start the same number of samples away from their marks
    (an annotator's convention), so the RR intervals are those of the record."""
    rec = read_records(records, ["119"])[0]
    plain = AugmentConfig(p_resample=0.0, p_noise=0.0, p_invert=0.0, gain=(1.0, 1.0), jitter_s=0.0)
    clean = augment_record(rec, np.random.default_rng(0), plain)
    offsets = set()
    for seed in range(6):
        shifted = augment_record(rec, np.random.default_rng(seed), AugmentConfig(
            p_resample=0.0, p_noise=0.0, p_invert=0.0, gain=(1.0, 1.0), jitter_s=0.0, shift_s=0.06))
        moved = shifted.sample - clean.sample[: len(shifted)]
        assert len(set(moved.tolist())) == 1 and abs(moved[0]) <= round(0.06 * rec.fs)
        np.testing.assert_array_equal(shifted.rr, clean.rr[: len(shifted)])
        offsets.add(int(moved[0]))
    assert len(offsets) > 1                                        # drawn, not fixed


def test_a_resumed_run_draws_the_epochs_an_uninterrupted_one_would(small_source):
    """Training beats are drawn from (seed, epoch): ``start_at(2)`` on a fresh dataset gives
    the beats of the third epoch, as two finished epochs do (what a checkpoint resume uses)."""
    from ecgdash.models.builders import build
    from ecgdash.training.robust import _sequence_class

    recs = read_records(small_source, ["119"])
    clean = beats_from_record(small_source / "119")
    make = _sequence_class()
    args = (build("robust_cnn"), clean, recs, AugmentConfig(copies=1), 64, "none", 3)
    ran = make(*args, subset=200)
    first = ran.inputs[0].copy()
    ran.on_epoch_end()
    ran.on_epoch_end()
    resumed = make(*args, subset=200)
    resumed.start_at(2)
    assert not np.array_equal(ran.inputs[0], first)          # epochs draw different beats
    np.testing.assert_array_equal(resumed.y, ran.y)
    for a, b in zip(resumed.inputs, ran.inputs):
        np.testing.assert_array_equal(a, b)


def test_any_rate_condition_gives_the_same_beats(records):
    recs = read_records(records, ["213"])
    base = condition_beats(recs, "DS2 360 Hz")
    low = condition_beats(recs, "DS2 at 128 Hz")
    assert low.fs == 128.0 and len(low) == len(base)
    np.testing.assert_array_equal(low.y, base.y)


def test_tiny_robust_training_through_the_cli(small_source, tiny_store):
    """tiny_store trained the robust pair with `train --model robust --subset 300 --copies 1`."""
    from ecgdash import load_card, load_model

    for name in ("robust_lstm", "robust_cnn"):
        card = load_card(name, folder=tiny_store)
        assert card["data"]["val_records"] == ["208"] and card["data"]["train_records"] == ["119"]
        assert card["data"]["beats_per_epoch"] == 300 and card["evaluation"]["test_set"] == "DS2"
        assert card["data"]["augmentation"]["copies"] == 1
        assert card["recipe"] == "robust" and card["split"] == "inter"
        assert card["config"]["patience"] == 6 and card["epochs_run"] == 1   # the robust preset's
        assert card["params"] <= 100_000 and "logit_adjustment" in card
        model = load_model(name, folder=tiny_store)
        assert predict_proba(model, beats_from_record(small_source / "213")).shape[1] == 5


def test_prior_adjustment_is_a_logit_offset_chosen_on_validation(records):
    import keras
    from sklearn.metrics import f1_score

    from ecgdash.models.builders import build
    from ecgdash.models.prior import PRIOR_SCALES, adjust_prior

    keras.utils.set_random_seed(3)
    model = build("robust_lstm")
    val = beats_from_record(records / "232")                 # N and S beats
    val = val.subset(np.arange(0, len(val), 3))
    before = predict_proba(model, val)
    chosen = adjust_prior(model, val)
    scores = {s: f1_score(val.y, (before * [1, s, 1, 1, 1]).argmax(1), labels=[0, 1],
                          average="macro", zero_division=0) for s in PRIOR_SCALES}
    assert chosen["scale"] in PRIOR_SCALES and chosen["scale"] > 1.0   # (here S needs a raise)
    assert scores[chosen["scale"]] == pytest.approx(max(scores.values()), abs=1e-6)
    w = np.array([1, chosen["scale"], 1, 1, 1])
    expected = before * w / (before * w).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(predict_proba(model, val), expected, rtol=1e-3, atol=1e-5)

    few = beats_from_record(records / "119")                 # no S beats: nothing to tune on
    weights = [w.copy() for w in model.get_layer("class_probabilities").get_weights()]
    assert adjust_prior(model, few)["scale"] == 1.0
    for a, b in zip(weights, model.get_layer("class_probabilities").get_weights()):
        np.testing.assert_array_equal(a, b)


def test_evaluate_robustness_writes_the_table_to_the_card(small_source, tiny_store, tmp_path, capsys):
    from ecgdash import load_card
    from ecgdash.cli import main
    from ecgdash.datasets.mitbih import ds2_beats
    from ecgdash.evaluation.robustness import CONDITIONS

    folder = tmp_path / "models"
    folder.mkdir()
    for ext in (".keras", ".json"):
        (folder / f"robust_cnn{ext}").write_bytes((tiny_store / f"robust_cnn{ext}").read_bytes())
    before = (folder / "robust_cnn.json").read_bytes()
    assert main(["evaluate", "robustness", "--models", "robust_cnn", "--source", str(small_source),
                 "--models-dir", str(folder)]) == 0
    assert "DS2 at 128 Hz" in capsys.readouterr().out
    assert (folder / "robust_cnn.json").read_bytes() == before        # nothing written unless asked
    assert main(["evaluate", "robustness", "--models", "robust_cnn", "--source", str(small_source),
                 "--models-dir", str(folder), "--save"]) == 0
    out = capsys.readouterr().out
    assert "DS2 at 128 Hz" in out and "stored as robustness in the cards of robust_cnn" in out
    rows = load_card("robust_cnn", folder=folder)["robustness"]
    assert list(rows) == list(CONDITIONS)
    n = len(ds2_beats(small_source))                      # 105, 213 and 232 are DS2 records
    assert all(r["beats"] == n for r in rows.values())
    # adapted to each record: stored beside, the same beats, and the Compare table shows both
    from ecgdash.evaluation.metrics import evaluate
    from ecgdash.models.adapt import adapt_proba
    from ecgdash.models.inference import predict_proba
    from ecgdash.models.store import load_model
    from ecgdash.report.tables import robustness_table

    # the 360-Hz row is the model on DS2 as recorded, scored here independently of the suite
    plain = evaluate(ds2_beats(small_source).y, predict_proba(load_model("robust_cnn", folder=folder),
                                                               ds2_beats(small_source)))
    assert rows["DS2 360 Hz"]["macro_f1"] == pytest.approx(plain["macro_f1"])
    for condition, r in rows.items():                     # the loss: against that 360-Hz score
        assert r["macro_f1_loss"] == pytest.approx(plain["macro_f1"] - r["macro_f1"]), condition

    assert main(["evaluate", "robustness", "--models", "robust_cnn", "--adapt", "--source",
                 str(small_source), "--models-dir", str(folder), "--save"]) == 0
    card = load_card("robust_cnn", folder=folder)
    adapted = card["robustness_adapted"]
    assert list(adapted) == list(CONDITIONS) and card["robustness"] == rows
    beats = ds2_beats(small_source)
    expected = evaluate(beats.y, adapt_proba(load_model("robust_cnn", folder=folder), beats))
    assert adapted["DS2 360 Hz"]["accuracy"] == pytest.approx(expected["accuracy"])
    table = robustness_table({"robust_cnn": card})
    assert sorted(set(table["scored"])) == ["adapted", "as trained"] and len(table) == 2 * len(CONDITIONS)


def test_training_on_another_database_too(small_source, small_data, tmp_path):
    """Issue 22: `train --also DIR` adds another database's annotated records (here renamed copies
    of two excerpts); the card names every database and record, and the seen-beat check covers
    the other database's beats."""
    from ecgdash import analyze_record, load_card
    from ecgdash.cli import main

    other = tmp_path / "otherdb"
    other.mkdir()
    for name in ("213", "232"):
        for ext in (".hea", ".dat", ".atr"):
            data = (small_source / f"{name}{ext}").read_bytes()
            if ext == ".hea":
                data = data.replace(name.encode(), b"x" + name.encode())
            (other / f"x{name}{ext}").write_bytes(data)
    models = tmp_path / "models"
    assert main(["train", "--model", "robust_lstm", "--subset", "300", "--epochs", "1", "--copies", "1",
                 "--batch-size", "512", "--source", str(small_source), "--also", str(other),
                 "--data", str(small_data), "--models-dir", str(models)]) == 0
    card = load_card("robust_lstm", folder=models)
    databases = card["data"]["databases"]
    # x232 holds the most S beats: it trains; the second (x213) validates
    assert databases["otherdb"] == {"train_records": ["x232"], "val_records": ["x213"]}
    assert databases[small_source.name] == {"train_records": ["119"], "val_records": ["208"]}
    assert card["data"]["records"] == ["119", "208", "x213", "x232"]
    from ecgdash.models import store

    result = analyze_record(other / "x232", models={"robust_lstm": store.load_model("robust_lstm", folder=models)},
                            check_quality=False)
    assert result.seen["robust_lstm"] > 0.99
