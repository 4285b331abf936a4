"""Label-free adaptation to one recording: use all of a person's beats, never their labels.

A recording holds all of one person's beats. Two ways to use them without any label, each one
step, applied record by record:

- ``em_prior``: re-estimate the record's class proportions from the model's own probabilities
  (Saerens, Latinne & Decaestecker 2002, Neural Comput 14:21): a person with many PVCs makes
  V calls more likely a priori, a person with none makes them less likely. The probabilities
  are reweighted by (record prior / training prior) until the prior stops changing.
- ``batchnorm_statistics``: recompute each BatchNorm layer's mean and variance on the record's
  beats (AdaBN, Li et al. 2018, Pattern Recognit 80:109): features are then normalised by
  this person's own standard instead of the training people's.

Which ``adapt_proba`` applies (``METHOD``) was chosen by grouped
cross-validation over whole DS1 records (``studies/cross_validation/cv_folds.py``: 4 folds, the robust recipe
for 3 epochs; ``studies/cross_validation/cv_adapt.py``: 50,999 out-of-fold beats). Macro-F1 over N, S, V, F,
CNN / LSTM: as trained 0.512 / 0.504; prior over all classes 0.534 / 0.529 but accuracy fell
from 0.926 / 0.932 to 0.834 / 0.849 (EM inflated F and Q); prior over N, S, V 0.539 / 0.508
(accuracy 0.913 / 0.927); prior over N and S only 0.529 / 0.494; BatchNorm statistics 0.512 /
0.424 (the LSTM's accuracy fell to 0.898); both 0.510 / 0.384. Rule: the best mean macro-F1 among methods that keep accuracy within
0.02 of the unadapted models: the prior over N, S and V.
"""
from __future__ import annotations

import weakref
from contextlib import contextmanager

import numpy as np

from ecgdash.config import N_CLASSES
from ecgdash.errors import DataError
from ecgdash.models.inference import model_inputs, predict_proba
from ecgdash.models.loaded import prior_of

#: Records with fewer beats than this are scored as they are (too few to estimate statistics).
MIN_BEATS = 50
#: How ``adapt_proba`` adapts: "prior", "batchnorm" or "batchnorm+prior"
#: (chosen by grouped cross-validation on DS1; see the module's text).
METHOD = "prior"
#: The classes whose prior a record re-estimates (F and Q keep the training prior: freed, EM
#: inflated them on DS1 and accuracy fell from 0.926 to 0.834).
PRIOR_CLASSES = (0, 1, 2)


def em_prior(proba: np.ndarray, train_prior: np.ndarray, *, classes=None, strength: float = 0.0,
             max_iter: int = 100, tol: float = 1e-6, floor: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities of one record reweighted to its own class prior, estimated by EM.

    Parameters
    ----------
    proba : ndarray, shape (n, k)
        The model's probabilities for the record's beats.
    train_prior : ndarray, shape (k,)
        The class prior the model learned (its training class shares).
    classes : sequence of int, optional
        The classes whose prior is re-estimated (their total share is kept); the others keep
        the training prior. Default: all.
    strength : float, default 0
        How many beats' worth of evidence the training prior counts for (a Dirichlet prior,
        MAP estimate): each class's share is ``(its expected beats + strength x training
        share) / (beats + strength)``. 0 is plain EM; a record of few beats, or a class the
        model calls rarely, then stays near the training prior instead of being driven to zero.
    max_iter, tol : int, float
        Stop after ``max_iter`` steps or when the prior moves less than ``tol``.
    floor : float
        Smallest prior kept for a class (so no class is ruled out for good).

    Returns
    -------
    (ndarray, ndarray)
        The adjusted probabilities (n, k) and the record's estimated prior (k,).
    """
    proba = np.asarray(proba, dtype=np.float64)
    base = np.maximum(np.asarray(train_prior, dtype=np.float64), floor)
    base = base / base.sum()
    prior = base.copy()
    free = np.arange(len(base)) if classes is None else np.asarray(list(classes))
    adjusted = proba
    for _ in range(max_iter):
        weighted = proba * (prior / base)
        adjusted = weighted / weighted.sum(axis=1, keepdims=True)
        counts = adjusted.sum(axis=0)[free] + strength * base[free]
        share = np.maximum(counts / (len(proba) + strength), floor)
        new = prior.copy()
        new[free] = share / share.sum() * base[free].sum()
        done = np.abs(new - prior).max() < tol
        prior = new
        if done:
            break
    return adjusted.astype(np.float32), prior


def _batchnorm_layers(model):
    import keras

    return [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]


_PROBES = weakref.WeakKeyDictionary()     # model -> {layer name: probe model}


def _probe(model, layer):
    """A model from ``model``'s inputs to ``layer``'s input (built once per model and layer)."""
    import keras

    probes = _PROBES.setdefault(model, {})
    if layer.name not in probes:
        probes[layer.name] = keras.Model(model.inputs, layer.input)
    return probes[layer.name]


@contextmanager
def batchnorm_statistics(model, inputs: tuple, *, batch_size: int = 4096):
    """Within the block, ``model``'s BatchNorm layers use the mean and variance of their inputs
    on ``inputs`` (one record's beats), layer after layer; restored afterwards."""
    layers = _batchnorm_layers(model)
    saved = [(layer.moving_mean.numpy(), layer.moving_variance.numpy()) for layer in layers]
    try:
        for layer in layers:          # in order: each one sees the earlier ones adapted
            probe = _probe(model, layer)
            feats = np.concatenate([np.asarray(probe(tuple(a[i:i + batch_size] for a in inputs), training=False))
                                    for i in range(0, len(inputs[0]), batch_size)])
            axes = tuple(range(feats.ndim - 1))
            layer.moving_mean.assign(feats.mean(axis=axes))
            layer.moving_variance.assign(feats.var(axis=axes))
        yield model
    finally:
        for layer, (mean, var) in zip(layers, saved):
            layer.moving_mean.assign(mean)
            layer.moving_variance.assign(var)


def train_prior_of(card: dict) -> np.ndarray:
    """The class prior a model learned: its training class counts (``fit_counts``), with the S
    logit adjustment of its card folded in."""
    counts = np.asarray(card.get("data", {}).get("fit_counts") or np.ones(N_CLASSES), dtype=np.float64)
    prior = counts / counts.sum()
    adj = card.get("logit_adjustment") or {}
    if adj.get("scale"):
        prior[1] *= float(adj["scale"])
    return prior / prior.sum()


def adapt_proba(model, beats, *, method: str = METHOD, train_prior=None, min_beats: int = MIN_BEATS,
                batch_size: int = 4096, proba: np.ndarray | None = None) -> np.ndarray:
    """Class probabilities of ``beats``, each record adapted to itself (no label read).

    Parameters
    ----------
    model : keras.Model
    beats : Beats
        Beats with their ``record`` (all beats count as one record when it is None).
    method : {"prior", "batchnorm", "batchnorm+prior"}, default ``METHOD``
        "prior": the record's share of N, S and V re-estimated by EM (``em_prior``);
        "batchnorm": the record's own BatchNorm statistics; or both.
    train_prior : ndarray, optional
        The class prior the model learned; default: the one ``store.load_model`` attached
        (from the model card).
    min_beats : int, default 50
        Records with fewer beats are scored without adaptation.
    proba : ndarray, optional
        ``predict_proba(model, beats)`` when already computed (the "prior" method reuses it).

    Returns
    -------
    ndarray, float32, shape (n, 5)

    Raises
    ------
    DataError
        "prior" without a training prior (a model not loaded by ``load_model``).
    """
    steps = set(method.split("+"))
    if not steps <= {"prior", "batchnorm"}:
        raise DataError(f"Unknown adaptation {method!r}: use prior, batchnorm or batchnorm+prior.")
    if "prior" in steps:
        train_prior = train_prior if train_prior is not None else prior_of(model)
        if train_prior is None:
            raise DataError("Adapting the class prior needs the prior the model learned: load the "
                            "model with ecgdash.load_model (it reads the card) or pass train_prior.")
    records = beats.record if getattr(beats, "record", None) is not None else np.zeros(len(beats))
    out = np.zeros((len(beats), N_CLASSES), dtype=np.float32)
    for record in np.unique(records):
        idx = np.flatnonzero(records == record)
        part = beats.subset(idx) if len(idx) < len(beats) else beats
        if "batchnorm" in steps and len(idx) >= min_beats and _batchnorm_layers(model):
            with batchnorm_statistics(model, model_inputs(model, part), batch_size=batch_size):
                scored = predict_proba(model, part, batch_size=batch_size)
        elif proba is not None:
            scored = np.asarray(proba, dtype=np.float32)[idx]
        else:
            scored = predict_proba(model, part, batch_size=batch_size)
        if "prior" in steps and len(idx) >= min_beats:
            scored = em_prior(scored, train_prior, classes=PRIOR_CLASSES)[0]
        out[idx] = scored
    return out
