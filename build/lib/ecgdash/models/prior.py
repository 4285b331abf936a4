"""The S class's prior, adjusted after training on validation beats (post-hoc logit adjustment).

S beats are 1.8 % of DS1: a model trained on them calls too few beats S. Multiplying the S
probability by a scale (and renormalising) is adding ``log(scale)`` to its logit, i.e. to the
bias of the model's last Dense layer, so the adjusted model is an ordinary Keras model::

    chosen = adjust_prior(model, validation_beats)      # changes model in place
    chosen["scale"]                                     # e.g. 8.0
"""
from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import f1_score

from ecgdash.beats import Beats
from ecgdash.config import CLASSES, N_CLASSES
from ecgdash.models.inference import predict_proba

#: Scales tried for the S class's prior by ``adjust_prior``.
PRIOR_SCALES = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)


def adjust_prior(model, val: Beats, cls: int = 1, scales=PRIOR_SCALES, min_support: int = 50) -> dict:
    """Post-hoc logit adjustment (Menon et al. 2021) of class ``cls`` (S), chosen on ``val``.

    Multiplying one class's probability by ``scale`` (and renormalising) is adding
    ``log(scale)`` to its logit, i.e. to the bias of the model's last Dense layer, so the
    adjusted model is an ordinary Keras model. The scale kept is the one with the best
    macro-F1 on the validation beats over the classes with at least ``min_support`` beats there
    (ties go to the smaller scale). Changes ``model`` in place; returns what was chosen.
    """
    proba = predict_proba(model, val)
    present = [c for c in range(N_CLASSES) if int((val.y == c).sum()) >= min_support]
    if cls not in present:
        return {"class": CLASSES[cls], "scale": 1.0, "logit_offset": 0.0,
                "chosen_on": f"not adjusted: fewer than {min_support} {CLASSES[cls]} beats in validation"}
    scores = {}
    for scale in scales:
        weights = np.ones(N_CLASSES)
        weights[cls] = scale
        pred = (proba * weights).argmax(axis=1)
        scores[float(scale)] = float(f1_score(val.y, pred, labels=present, average="macro",
                                              zero_division=0))
    best = max(scores, key=lambda k: (round(scores[k], 6), -k))
    layer = model.get_layer("class_probabilities")
    kernel, bias = layer.get_weights()
    bias[cls] += math.log(best)
    layer.set_weights([kernel, bias])
    return {"class": CLASSES[cls], "scale": best, "logit_offset": math.log(best),
            "chosen_on": "validation records", "metric": "macro-F1 over "
            + ", ".join(CLASSES[c] for c in present), "val_macro_f1": scores}
