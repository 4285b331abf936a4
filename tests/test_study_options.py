"""The options studies/beyond_mitbih measured and did not keep: they extend the library's
training from the study's own modules (``ecgdash.training.extension``), and still work."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from conftest import ROOT
from ecgdash import DataError
from ecgdash.ecg.cutting import beats_from_record
from ecgdash.models.inference import predict_proba
from ecgdash.training.recipes import AugmentConfig, preset

sys.path.insert(0, str(ROOT / "studies" / "beyond_mitbih"))
from adversary import gradient_reversal  # noqa: E402
from options import StudyOptions  # noqa: E402


def test_the_library_ships_none_of_them():
    """No training option or module of the library names them; the committed recipe's
    extension describes nothing, so its cards and checkpoints are as before."""
    from dataclasses import fields

    from ecgdash.training.recipes import TrainConfig

    assert not {"select_on", "rr_features", "record_adversary"} & {f.name for f in fields(TrainConfig)}
    assert not (ROOT / "ecgdash" / "training" / "adversary.py").exists()
    assert StudyOptions().describe() == {}
    with pytest.raises(DataError, match="Unknown training option"):
        preset("robust", rr_features=7)


def test_gradient_reversal_passes_values_and_turns_the_gradient():
    import tensorflow as tf

    x = tf.constant(np.random.default_rng(0).random((3, 4)), dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = gradient_reversal(0.3)(x)
        total = tf.reduce_sum(y * 2.0)
    np.testing.assert_allclose(y.numpy(), x.numpy(), rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(total, x).numpy(), np.full((3, 4), -0.6), rtol=1e-6)


def test_training_against_the_record_with_the_irregularity_keeps_a_plain_model(small_source):
    """Both variants of the robust recipe: the head that guesses the record is dropped after
    training, and a 7-feature model reads the seventh feature; the card names the options."""
    from ecgdash.models.builders import build, rr_width
    from ecgdash.training.robust import train_robust

    options = StudyOptions(rr_features=7, record_adversary=0.2)
    config = preset("robust", epochs=1, subset=300, batch_size=512)
    model, card = train_robust("robust_lstm", small_source, config=config, augment=AugmentConfig(copies=1),
                               records=["119", "213", "208"], val_records=("208",), adjust=False,
                               extension=options)
    assert [layer.name for layer in model.layers if layer.name.startswith("record")] == []
    assert rr_width(model) == 7 and model.count_params() == build("robust_lstm", rr_features=7).count_params()
    assert card["extension"] == {"rr_features": 7, "record_adversary": 0.2}
    assert card["history"][0]["record_loss"] > 0
    beats = beats_from_record(small_source / "232")
    assert predict_proba(model, beats).shape == (len(beats), 5)
    with pytest.raises(DataError):
        StudyOptions(rr_features=9)


def test_kaggle_rows_cannot_train_against_the_record(small_data):
    from ecgdash.datasets.mitbih import load_split
    from ecgdash.training.reference import train_model

    train = load_split("intra", "train", out=small_data)
    with pytest.raises(DataError, match="whole records"):        # Kaggle rows carry no record
        train_model("cnn", train, config=preset("reference", epochs=1, subset=300),
                    extension=StudyOptions(record_adversary=0.1))


def test_the_epoch_can_be_chosen_on_n_s_and_v(small_data):
    """``select_on="macro_nsv"`` picks the epoch with the best mean F1 of N, S and V (F and Q
    are a few dozen validation beats); the card still reports the macro-F1 of that epoch."""
    from ecgdash.datasets.mitbih import load_split
    from ecgdash.training.reference import train_model

    train = load_split("intra", "train", out=small_data)
    config = preset("reference", epochs=3, subset=300, batch_size=64, patience=5)
    _, card = train_model("lstm", train, config=config, extension=StudyOptions(select_on="macro_nsv"))
    history = card["history"]
    nsv = [row["val_macro_nsv"] for row in history]
    assert card["extension"] == {"select_on": "macro_nsv"}
    assert card["best_epoch"] == int(np.argmax(nsv)) + 1
    assert card["best_val_macro_f1"] == history[card["best_epoch"] - 1]["val_macro_f1"]
    with pytest.raises(DataError, match="select_on"):
        StudyOptions(select_on="loss")
