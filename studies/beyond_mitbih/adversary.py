"""Training against the record: features that keep less of the person they came from.

A model trained on 61 people may learn each person's beat shape as well as the classes; on a new
person that knowledge is noise. Here a small head guesses each training beat's record from the
classifier's last hidden layer (``dense``) through a **gradient reversal** (Ganin & Lempitsky,
2015): the head learns to tell the records apart, while the reversed gradient pushes the shared
layers to make them harder to tell apart. The head exists only during training; the saved model
is the classifier alone, with the same parameters as without it.

    trainer = with_record_head(model, n_records=61, weight=0.1)   # outputs: classes and record

Measured in this study (README, section 10) and not kept: it lives here, not in the library;
``options.StudyOptions(record_adversary=W)`` hands it to the library's training as an extension.
"""
from __future__ import annotations

import numpy as np

from ecgdash.errors import DataError
from ecgdash.training.reference import CLASSES_OUTPUT

#: The name of the training model's second output (and of its targets).
RECORD_OUTPUT = "record"


def gradient_reversal(weight: float):
    """A Keras layer that passes its input on unchanged and multiplies the gradient flowing back
    through it by ``-weight``."""
    from keras import layers, ops

    class GradientReversal(layers.Layer):
        def call(self, x):
            # forward: (1 + w) x - w x = x; backward: the stopped part gives nothing, so -w
            return ops.stop_gradient(x * (1.0 + weight)) - weight * x

    return GradientReversal(name="gradient_reversal")


def with_record_head(model, n_records: int, weight: float):
    """A training model sharing ``model``'s layers, with outputs ``{"class_probabilities": ...,
    "record": ...}``: the second guesses the beat's record (one of ``n_records``) from the layer
    named ``dense``, through a gradient reversal of ``weight``."""
    import keras
    from keras import layers

    if n_records < 2:
        raise DataError("Training against the record needs at least two training records.")
    features = model.get_layer("dense").output
    x = gradient_reversal(weight)(features)
    x = layers.Dense(32, activation="relu", name="record_hidden")(x)
    guess = layers.Dense(n_records, activation="softmax", name=RECORD_OUTPUT)(x)
    return keras.Model(model.inputs, {CLASSES_OUTPUT: model.output, RECORD_OUTPUT: guess},
                       name=f"{model.name}_against_record")


def record_index(records: np.ndarray, names) -> np.ndarray:
    """Each beat's record as a number: its position among ``names`` (the training records), sorted.

    >>> record_index(np.array(["101", "232", "101"]), ["101", "232"]).tolist()
    [0, 1, 0]
    """
    names = np.asarray(sorted(names))
    index = np.searchsorted(names, records)
    index = np.clip(index, 0, len(names) - 1)
    unknown = names[index] != records
    if unknown.any():
        raise DataError(f"Beats of records outside the training records: {sorted(set(records[unknown]))[:5]}.")
    return index.astype(np.int64)
