"""Why did a model say that? Per-sample attributions for any of the models.

Two methods, both computed with TensorFlow's own gradients:

- **Integrated gradients** (``method="ig"``, Sundararajan et al. 2017), for the LSTM and the CNN
  alike. The attribution of sample i is ``(x_i - b_i) * mean over the path of dp/dx_i``, where
  p is the model's probability of the target class and the path runs in ``steps`` equal steps
  (trapezoidal rule) from the baseline b to the beat x. **Baseline: the all-zero beat**, the
  minimum of the min-max scale, a flat line with no waveform. Attributions then sum to
  ``p(x) - p(b)`` (completeness, checked in the tests), and zero-padded samples (x_i = b_i = 0)
  get exactly zero. Positive values pushed the model towards the target class.
- **Grad-CAM** (``method="gradcam"``, Selvaraju et al. 2017), for the CNN: the last
  convolution's feature maps weighted by the mean gradient of the target probability,
  rectified and stretched back to the 187 samples (0..1). It shows *where* the CNN looked, at
  the coarse resolution of its last layer.

For the robust models only the beat is attributed: the local template and the RR intervals
stay at their real values along the path.

    A = explain(model, beats, target=None, method="ig")    # (n, 187); target None = predicted class
"""
from __future__ import annotations

import weakref

import numpy as np

from ecgdash.config import BEAT_LEN, CLASSES
from ecgdash.errors import DataError
from ecgdash.models.builders import needs_context, rr_width
from ecgdash.models.inference import _serving_function, model_inputs, predict_proba

IG_STEPS = 256
#: Integrated gradients are refined (4x the steps, twice at most) for every beat whose
#: attributions miss p(x) - p(baseline) by more than this (probability, absolute).
COMPLETENESS_TOL = 0.05
METHODS = ("ig", "gradcam")


def _targets(proba: np.ndarray, target) -> np.ndarray:
    """Target class index per beat: the predicted class, or a class given by index or name."""
    n = len(proba)
    if target is None:
        return proba.argmax(axis=1)
    if isinstance(target, str):
        if target not in CLASSES:
            raise DataError(f"Unknown class {target!r}; choose one of {', '.join(CLASSES)}.")
        return np.full(n, CLASSES.index(target))
    t = np.asarray(target, dtype=np.int64)
    t = np.full(n, int(t)) if t.ndim == 0 else t
    if len(t) != n or t.min() < 0 or t.max() >= len(CLASSES):
        raise DataError("target must be a class 0..4 (or a name N, S, V, F, Q) per beat.")
    return t


_IG_FUNCTIONS = None  # weakref.WeakKeyDictionary: model -> {steps: tf.function}


def _quadrature(steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Points on [0, 1] and weights of the path integral: the trapezoidal rule, ``steps`` steps."""
    nodes = np.linspace(0.0, 1.0, steps + 1)
    w = np.full(steps + 1, 1.0 / steps)
    w[[0, -1]] *= 0.5
    return nodes.astype(np.float32), w.astype(np.float32)


def _ig_function(model, steps: int):
    """A tf.function computing integrated gradients for a batch of beats (traced once)."""
    import tensorflow as tf

    global _IG_FUNCTIONS

    if _IG_FUNCTIONS is None:
        _IG_FUNCTIONS = weakref.WeakKeyDictionary()   # a replaced model is not kept alive
    per_model = _IG_FUNCTIONS.setdefault(model, {})
    model_ref = weakref.ref(model)   # the function must not keep its own key alive
    if steps in per_model:
        return per_model[steps]
    context = needs_context(model)
    nodes, w = _quadrature(steps)
    points = len(nodes)
    alphas = tf.constant(nodes.reshape(points, 1, 1, 1))
    weights = tf.constant(w.reshape(points, 1, 1, 1))

    def run(x, baseline, target, template, rr):
        # x, baseline: (n, 187, 1); path: (points, n, 187, 1)
        path = baseline[None] + alphas * (x - baseline)[None]
        flat = tf.reshape(path, (-1, BEAT_LEN, 1))
        model = model_ref()
        with tf.GradientTape() as tape:
            tape.watch(flat)
            if context:
                out = model([flat, tf.tile(template, (points, 1, 1)), tf.tile(rr, (points, 1))],
                            training=False)
            else:
                out = model(flat, training=False)
            n = tf.shape(x)[0]
            idx = tf.tile(target, [points])
            p = tf.gather(out, idx, axis=1, batch_dims=1)
        grads = tf.reshape(tape.gradient(p, flat), (points, n, BEAT_LEN, 1))
        avg = tf.reduce_sum(grads * weights, axis=0)
        return (avg * (x - baseline))[..., 0]

    beat = tf.TensorSpec([None, BEAT_LEN, 1], tf.float32)
    sig = [beat, beat, tf.TensorSpec([None], tf.int32), beat,
           tf.TensorSpec([None, max(rr_width(model), 1)], tf.float32)]
    fn = per_model[steps] = tf.function(run, input_signature=sig)
    return fn


def integrated_gradients(model, beats, *, target=None, steps: int = IG_STEPS, baseline=None,
                         batch_size: int = 32, tol: float | None = COMPLETENESS_TOL) -> np.ndarray:
    """Integrated-gradients attributions, shape (n, 187), of ``beats`` (``Beats`` or an array).

    With ``tol``, beats whose attributions miss p(x) - p(baseline) by more than ``tol`` are
    recomputed with 4x, then 16x the steps.
    """
    inputs = model_inputs(model, beats)
    X = inputs[0]
    n = len(X)
    if n == 0:
        return np.zeros((0, BEAT_LEN), np.float32)
    b = np.zeros_like(X) if baseline is None else np.broadcast_to(
        np.asarray(baseline, np.float32).reshape(-1, BEAT_LEN, 1), X.shape).astype(np.float32)
    proba = predict_proba(model, beats)
    tgt = _targets(proba, target).astype(np.int32)
    template = inputs[1] if len(inputs) > 1 else np.zeros_like(X)
    rr = inputs[2] if len(inputs) > 2 else np.zeros((n, 1), np.float32)
    def run(idx, k):
        fn = _ig_function(model, k)
        size = max(1, batch_size * steps // k)
        return np.concatenate([np.asarray(fn(X[j], b[j], tgt[j], template[j], rr[j]))
                               for j in (idx[i:i + size] for i in range(0, len(idx), size))])

    A = run(np.arange(n), steps).astype(np.float32)
    if tol is not None:
        delta = proba[np.arange(n), tgt] - _baseline_proba(model, inputs, b)[np.arange(n), tgt]
        for k in (steps * 4, steps * 16):
            bad = np.flatnonzero(np.abs(A.sum(axis=1) - delta) > tol)
            if not len(bad):
                break
            A[bad] = run(bad, k)
    return A


def _baseline_proba(model, inputs, baseline) -> np.ndarray:
    """The model's probabilities at the baseline beat (the template and RR context unchanged):
    p(x) - p(baseline) is what the attributions must sum to."""
    return np.asarray(_serving_function(model)(baseline, *inputs[1:]))


def last_conv_layer(model):
    """The CNN's last Conv1D layer (Grad-CAM's feature maps)."""
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv1D"
             and layer.kernel_size[0] > 1]
    if not convs or any(type(layer).__name__ == "LSTM" for layer in model.layers):
        raise DataError(f"Grad-CAM needs a convolutional model; {model.name} is not one "
                        "(use integrated gradients).")
    return convs[-1]


def grad_cam(model, beats, *, target=None, batch_size: int = 256) -> np.ndarray:
    """Grad-CAM maps of the CNN's last convolution, shape (n, 187), each scaled to 0..1."""
    import keras
    import tensorflow as tf

    layer = last_conv_layer(model)
    probe = keras.Model(model.inputs, [layer.output, model.output])
    inputs = model_inputs(model, beats)
    tgt = _targets(predict_proba(model, beats), target)
    maps = []
    for i in range(0, len(inputs[0]), batch_size):
        batch = [tf.constant(a[i:i + batch_size]) for a in inputs]
        with tf.GradientTape() as tape:
            fmap, out = probe(batch if len(batch) > 1 else batch[0], training=False)
            p = tf.gather(out, tgt[i:i + batch_size], axis=1, batch_dims=1)
        grads = tape.gradient(p, fmap)
        alpha = tf.reduce_mean(grads, axis=1, keepdims=True)
        cam = tf.nn.relu(tf.reduce_sum(alpha * fmap, axis=-1)).numpy()
        maps.append(cam)
    cam = np.concatenate(maps)
    grid = np.linspace(0, cam.shape[1] - 1, BEAT_LEN)
    up = np.stack([np.interp(grid, np.arange(cam.shape[1]), row) for row in cam])
    peak = up.max(axis=1, keepdims=True)
    return np.divide(up, peak, out=np.zeros_like(up), where=peak > 0).astype(np.float32)


def explain(model, beats, *, target=None, method: str = "ig", steps: int = IG_STEPS) -> np.ndarray:
    """Per-sample attributions: which samples of each beat pushed the model to a class.

    Parameters
    ----------
    model : keras.Model
        Any of the models (``load_model``).
    beats : Beats or array-like, shape (n, 187)
        The beats (``Beats`` with context for the robust pair).
    target : int, str or array of int, optional
        The class to explain: an index 0..4, a name (N, S, V, F, Q) or one per beat.
        None: each beat's predicted class.
    method : {"ig", "gradcam"}, default "ig"
        Integrated gradients from the all-zero beat (signed; sums to p(beat) - p(zero beat)),
        or Grad-CAM of the CNN's last convolution (0..1, convolutional models only).
    steps : int, default 256
        Integrated-gradients steps (refined 4x and 16x for beats off by more than 0.05).

    Returns
    -------
    ndarray, float32, shape (n, 187)

    Raises
    ------
    DataError
        Bad beats, an unknown class or method, Grad-CAM on a model without convolutions.

    Examples
    --------
    >>> model = ecgdash.load_model("cnn")
    >>> beats = ecgdash.load_beats("data/examples/mitbih_test_500.csv")
    >>> ecgdash.explain(model, beats.subset([0, 1]), target="V").shape
    (2, 187)
    """
    if method == "ig":
        return integrated_gradients(model, beats, target=target, steps=steps)
    if method == "gradcam":
        return grad_cam(model, beats, target=target)
    raise DataError(f"Unknown explanation method {method!r}; choose one of {', '.join(METHODS)}.")


def class_templates(model, beats, *, per_class: int = 200, seed: int = 0,
                    steps: int = IG_STEPS) -> dict[str, dict]:
    """Per class: the mean integrated-gradients map over (up to ``per_class``) correctly
    classified beats of that class, and their mean waveform. Labelled ``beats`` required."""
    if beats.y is None:
        raise DataError("Class templates need labelled beats.")
    pred = predict_proba(model, beats).argmax(axis=1)
    rng = np.random.default_rng(seed)
    out = {}
    for c, name in enumerate(CLASSES):
        idx = np.flatnonzero((beats.y == c) & (pred == c))
        if not len(idx):
            continue
        idx = np.sort(rng.choice(idx, size=min(per_class, len(idx)), replace=False))
        sub = beats.subset(idx)
        attr = integrated_gradients(model, sub, target=c, steps=steps)
        out[name] = {"n": int(len(idx)), "attribution": attr.mean(axis=0).round(6).tolist(),
                     "waveform": sub.X.mean(axis=0).round(5).tolist()}
    return out
