"""Serving a model: validated beat arrays in, class probabilities out.

    proba = predict_proba(model, beats)      # (n, 5), N S V F Q
    inputs = model_inputs(model, beats)      # what the model takes for these beats
    proba, features = predict_features(model, beats)   # and what its classifier reads
"""
from __future__ import annotations

import weakref

import numpy as np

from ecgdash.beats import Beats
from ecgdash.config import BEAT_LEN, N_CLASSES
from ecgdash.ecg.context import rr_context, templates
from ecgdash.errors import DataError
from ecgdash.models.builders import needs_context, rr_width
from ecgdash.models.loaded import network_of


def as_beat_array(X) -> "np.ndarray":  # noqa: F821
    """Validate beats for a model: a ``Beats``, or an array of shape (n, 187) or (187,).

    Returns float32 (n, 187). Raises DataError for a wrong shape or non-finite values.
    """
    if isinstance(X, Beats):
        X = X.X
    try:
        X = np.asarray(X, dtype=np.float32)
    except (TypeError, ValueError):
        raise DataError("Beats must be numbers.") from None
    if X.ndim == 1:
        X = X[None, :]
    if X.ndim == 3 and X.shape[-1] == 1:
        X = X[..., 0]
    if X.ndim != 2 or X.shape[1] != BEAT_LEN:
        raise DataError(f"Beats must have {BEAT_LEN} samples each (shape (n, {BEAT_LEN})); "
                        f"got shape {X.shape}.")
    if not np.isfinite(X).all():
        raise DataError("Beats contain NaN or infinite values.")
    return X


_SERVING: weakref.WeakKeyDictionary | None = None  # model -> its fixed-signature tf.function


def _serving_function(model):
    """``model`` wrapped in a tf.function with a fixed (None, 187, 1) signature (plus the local
    template and the (None, rr_width(model)) RR context for the robust pair), traced once.

    Keras' ``predict`` retraces for every new batch shape, and an eager call on a large array is
    slow (10x for the CNN on 21,892 beats); a fixed signature avoids both.
    """
    global _SERVING

    import tensorflow as tf  # heavy: only once a model serves

    model = network_of(model)
    if _SERVING is None:
        _SERVING = weakref.WeakKeyDictionary()
    fn = _SERVING.get(model)
    if fn is None:
        beat = tf.TensorSpec([None, BEAT_LEN, 1], tf.float32)
        ref = weakref.ref(model)   # the function must not keep its own key alive
        if needs_context(model):
            rr = tf.TensorSpec([None, rr_width(model)], tf.float32)
            fn = tf.function(lambda x, t, r: ref()([x, t, r], training=False),
                             input_signature=[beat, beat, rr])
        else:
            fn = tf.function(lambda x: ref()(x, training=False), input_signature=[beat])
        _SERVING[model] = fn
    return fn


def model_inputs(model, beats) -> tuple:
    """The arrays ``model`` takes for ``beats``: (X[..., None],), or for a model with context
    (X[..., None], local templates[..., None], RR context).

    A model that needs the RR context and is given a bare array raises DataError.
    """
    X = as_beat_array(beats)[..., None]
    if not needs_context(model):
        return (X,)

    if not isinstance(beats, Beats):
        raise DataError(f"Model {model.name} needs each beat's RR intervals: give it the Beats "
                        "from beats_from_record or analyze_record (with their record positions), "
                        "not a bare array of beats.")
    return X, templates(beats)[..., None], rr_context(beats, rr_width(model))


def predict_proba(model, beats, *, batch_size: int = 4096) -> "np.ndarray":  # noqa: F821
    """Class probabilities of each beat.

    Parameters
    ----------
    model : keras.Model
        A model of ``load_model`` or ``build``.
    beats : Beats or array-like, shape (n, 187) or (187,)
        Beats in the Kaggle layout. Models that need the RR context (the robust pair) need
        ``Beats`` cut from a recording (``beats_from_record``, ``analyze_record``).
    batch_size : int, default 4096
        Beats per call of the model.

    Returns
    -------
    ndarray, float32, shape (n, 5)
        Probabilities of N, S, V, F, Q; each row sums to 1.

    Raises
    ------
    DataError
        A wrong shape, NaN or infinite values, or a context model given a bare array.

    Examples
    --------
    >>> model = ecgdash.load_model("cnn")
    >>> proba = ecgdash.predict_proba(model, ecgdash.load_beats("data/examples/mitbih_test_500.csv"))
    >>> proba.shape
    (500, 5)
    """
    inputs = model_inputs(model, beats)
    n = len(inputs[0])
    if n == 0:
        return np.zeros((0, N_CLASSES), dtype=np.float32)
    fn = _serving_function(model)
    out = []
    for i in range(0, n, batch_size):
        chunk = [a[i:i + batch_size] for a in inputs]
        rows = len(chunk[0])
        size = batch_rows(rows)
        if size > rows:         # zero rows up to a size served before: no new kernels for every size
            chunk = [np.concatenate([c, np.zeros((size - rows, *c.shape[1:]), c.dtype)]) for c in chunk]
        out.append(np.asarray(fn(*chunk))[:rows])
    return np.concatenate(out).astype(np.float32)


def batch_rows(rows: int) -> int:
    """The rows a batch of ``rows`` beats is served as: the next power of two up to 512, then the
    next multiple of 512. TensorFlow's CPU kernels keep what they prepare for each batch size, so
    a server scoring every student's recording (each its own number of beats) grew by about 2.5 MB
    per new size, for good; these sizes bound it (at most twice the work, for a handful of beats).

    >>> [batch_rows(n) for n in (1, 3, 300, 513, 2272)]
    [1, 4, 512, 1024, 2560]
    """
    if rows <= 512:
        return 1 << max(0, rows - 1).bit_length()
    return -(-rows // 512) * 512


_FEATURES: weakref.WeakKeyDictionary | None = None  # model -> its (features, probabilities) tf.function


def _features_function(model):
    """Like ``_serving_function``, but the network returns the input of its last layer (the
    features its classifier reads) beside the probabilities."""
    global _FEATURES

    import keras
    import tensorflow as tf

    model = network_of(model)
    if _FEATURES is None:
        _FEATURES = weakref.WeakKeyDictionary()
    fn = _FEATURES.get(model)
    if fn is None:
        both = keras.Model(model.inputs, [model.layers[-1].input, model.outputs[0]])
        beat = tf.TensorSpec([None, BEAT_LEN, 1], tf.float32)
        if needs_context(model):
            rr = tf.TensorSpec([None, rr_width(model)], tf.float32)
            fn = tf.function(lambda x, t, r: both([x, t, r], training=False), input_signature=[beat, beat, rr])
        else:
            fn = tf.function(lambda x: both(x, training=False), input_signature=[beat])
        fn.network = both      # the function holds the sub-network; the sub-network shares the weights
        _FEATURES[model] = fn
    return fn


def predict_features(model, beats, *, batch_size: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """Each beat's probabilities and the features the model's classifier reads.

    The features are the input of the network's last layer (for the shipped models the 32 or
    48 activations of its ``dense`` layer): where the model puts a beat before it names a
    class. Beats that a model calls alike lie close together there, which lets a few labelled
    beats of a recording speak for the others (``ecgdash.review``).

    Parameters
    ----------
    model : keras.Model
        As in ``predict_proba``.
    beats : Beats or array-like, shape (n, 187)
        As in ``predict_proba``.
    batch_size : int, default 4096
        Beats per call of the model.

    Returns
    -------
    (ndarray, ndarray)
        Probabilities, float32 (n, 5), the same as ``predict_proba``'s; features, float32 (n, d).

    Examples
    --------
    >>> model = ecgdash.load_model("cnn")
    >>> proba, features = predict_features(model, ecgdash.load_beats("data/examples/mitbih_test_500.csv"))
    >>> proba.shape, features.shape
    ((500, 5), (500, 48))
    """
    inputs = model_inputs(model, beats)
    n = len(inputs[0])
    width = int(network_of(model).layers[-1].input.shape[-1])
    if n == 0:
        return np.zeros((0, N_CLASSES), dtype=np.float32), np.zeros((0, width), dtype=np.float32)
    fn = _features_function(model)
    parts = [fn(*(a[i:i + batch_size] for a in inputs)) for i in range(0, n, batch_size)]
    features = np.concatenate([np.asarray(f) for f, _ in parts]).astype(np.float32)
    proba = np.concatenate([np.asarray(p) for _, p in parts]).astype(np.float32)
    return proba, features
