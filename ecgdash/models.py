"""The two model builders. Each is one short function you can read top to bottom.

Both take a beat of shape (187, 1) (the Kaggle row, 1/120 s per sample) and return the
probabilities of the five AAMI classes (N, S, V, F, Q).
"""
from __future__ import annotations

from .config import BEAT_LEN, N_CLASSES


def _context_input(width: int):
    """The RR-context input (the first ``width`` of ``context.ALL_RR_FEATURES``) and a small
    dense layer reading it."""
    import keras
    from keras import layers

    rr = keras.Input(shape=(width,), name="rr")
    return rr, layers.Dense(16, activation="relu", name="rr_dense")(rr)


def _beat_and_template(beat):
    """The local-template input, and the beat, the template and their difference as 3 channels."""
    import keras
    from keras import layers

    template = keras.Input(shape=(BEAT_LEN, 1), name="template")
    diff = layers.Subtract(name="beat_minus_template")([beat, template])
    return template, layers.Concatenate(name="beat_template_diff")([beat, template, diff])


def build_lstm(*, units: int = 48, context: bool = False,
               rr_features: int = 6) -> "keras.Model":  # noqa: F821
    """Our LSTM: a small convolutional front end, then an LSTM that reads the whole beat.

    Two convolutions of 5 samples (1,392 parameters; the second with stride 2) turn the
    187-sample beat into 94 steps of 16 local features, halving the sequence the LSTM must carry
    its memory through. The LSTM(48) reads them in order; its output at every step is pooled
    (maximum and mean over time), so every step of the beat feeds the decision directly, not
    only the last one. BatchNorm -> Dense(32) -> Dense(5). 17,525 parameters: under the
    reference study's 19,397.

    With ``context=True`` (the robust LSTM) a second input, the beat's RR intervals
    (``ecgdash.context``), joins the pooled features before the dense layers, and the
    convolutions read the beat, its local template and their difference. ``rr_features``: how
    many of ``context.ALL_RR_FEATURES`` it reads (6, or 7 with the RR irregularity).
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=(BEAT_LEN, 1), name="beat")
    x = inputs
    if context:
        template, x = _beat_and_template(inputs)
    x = layers.Conv1D(16, 5, padding="same", activation="relu", name="local_conv")(x)
    x = layers.Conv1D(16, 5, strides=2, padding="same", activation="relu", name="downsample_conv")(x)
    x = layers.LSTM(units, return_sequences=True, name="lstm")(x)
    pooled = [layers.GlobalMaxPooling1D(name="max_over_time")(x),
              layers.GlobalAveragePooling1D(name="mean_over_time")(x)]
    model_inputs = inputs
    if context:
        rr, rr_features = _context_input(rr_features)
        pooled.append(rr_features)
        model_inputs = [inputs, template, rr]
    x = layers.Concatenate(name="pool")(pooled)
    x = layers.BatchNormalization(name="batchnorm")(x)
    x = layers.Dense(32, activation="relu", name="dense")(x)
    outputs = layers.Dense(N_CLASSES, activation="softmax", name="class_probabilities")(x)
    return keras.Model(model_inputs, outputs, name="robust_lstm" if context else "lstm")


def build_reference_lstm(*, units: int = 64) -> "keras.Model":  # noqa: F821
    """The reference study's LSTM, for comparison: LSTM(64) -> BatchNorm -> Dense(32) -> Dense(5).

    19,397 parameters. It reads the raw beat one sample at a time (187 steps) and classifies
    its last state only; trained here with the same recipe it learned slowly (validation
    macro-F1 0.55 after 6 epochs), which is why ``build_lstm`` adds a front end and pooling.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=(BEAT_LEN, 1), name="beat")
    x = layers.LSTM(units, name="lstm")(inputs)
    x = layers.BatchNormalization(name="batchnorm")(x)
    x = layers.Dense(32, activation="relu", name="dense")(x)
    outputs = layers.Dense(N_CLASSES, activation="softmax", name="class_probabilities")(x)
    return keras.Model(inputs, outputs, name="reference_lstm")


def _residual_block(x, filters: int, kernel: int, name: str):
    """Two convolutions with a skip connection, then max-pooling that halves the length."""
    from keras import layers

    shortcut = x
    if x.shape[-1] != filters:
        shortcut = layers.Conv1D(filters, 1, name=f"{name}_project")(x)
    y = layers.Conv1D(filters, kernel, padding="same", name=f"{name}_conv1")(x)
    y = layers.BatchNormalization(name=f"{name}_bn1")(y)
    y = layers.ReLU(name=f"{name}_relu1")(y)
    y = layers.Conv1D(filters, kernel, padding="same", name=f"{name}_conv2")(y)
    y = layers.BatchNormalization(name=f"{name}_bn2")(y)
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    y = layers.ReLU(name=f"{name}_relu2")(y)
    return layers.MaxPooling1D(2, name=f"{name}_pool")(y)


def build_cnn(*, filters=(32, 32, 48, 48), kernel: int = 5, dropout: float = 0.3,
              dense: int = 48, context: bool = False, rr_features: int = 6,
              shape_dropout: float = 0.0) -> "keras.Model":  # noqa: F821
    """A small residual 1-D CNN (under 100,000 parameters; the reference CNN had 384,453).

    A stem convolution, then residual blocks (two convolutions of ``kernel`` samples, a skip
    connection, max-pooling by 2): each block sees a wider stretch of the beat, from 7 samples
    (58 ms) in the first layer to most of the beat at the end. The flattened features keep
    *where* along the beat each shape occurs (the next R peak's position is the RR interval);
    the dense head classifies them. 91,925 parameters.

    With ``context=True`` (the robust CNN) the stem reads the beat, its local template and their
    difference, and the beat's RR intervals (``ecgdash.context``) join the flattened features
    before the dense head (the first ``rr_features`` of ``context.ALL_RR_FEATURES``).
    ``shape_dropout`` (training only) drops all of a beat's shape features at that rate, so the
    head must also classify from the RR intervals alone (the 528 flattened shape features
    outnumber the RR branch's 16 by 33 to 1).
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=(BEAT_LEN, 1), name="beat")
    x = inputs
    if context:
        template, x = _beat_and_template(inputs)
    x = layers.Conv1D(filters[0], 7, padding="same", name="stem_conv")(x)
    x = layers.BatchNormalization(name="stem_bn")(x)
    x = layers.ReLU(name="stem_relu")(x)
    for i, f in enumerate(filters, start=1):
        x = _residual_block(x, f, kernel, name=f"block{i}")
    x = layers.Flatten(name="flatten")(x)
    model_inputs = inputs
    if context:
        if shape_dropout:
            x = layers.Dropout(shape_dropout, noise_shape=(None, 1), name="shape_dropout")(x)
        rr, rr_features = _context_input(rr_features)
        x = layers.Concatenate(name="with_rr")([x, rr_features])
        model_inputs = [inputs, template, rr]
    x = layers.Dropout(dropout, name="dropout")(x)
    x = layers.Dense(dense, activation="relu", name="dense")(x)
    outputs = layers.Dense(N_CLASSES, activation="softmax", name="class_probabilities")(x)
    return keras.Model(model_inputs, outputs, name="robust_cnn" if context else "cnn")


BUILDERS = {"lstm": build_lstm, "cnn": build_cnn}


def needs_context(model) -> bool:
    """Does ``model`` take the local template and the RR context besides the beat?"""
    return len(model.inputs) > 1


def rr_width(model) -> int:
    """How many RR context features ``model`` reads (0 for a model without context)."""
    return int(model.inputs[2].shape[-1]) if needs_context(model) else 0


def build(name: str, *, rr_features: int = 6, shape_dropout: float = 0.0) -> "keras.Model":  # noqa: F821
    """A fresh, untrained model for the registered ``name`` (``ecgdash.registry.MODELS``);
    ``rr_features`` applies to the robust pair (``TrainConfig.rr_irregularity`` makes it 7),
    ``shape_dropout`` to the robust CNN (``TrainConfig.shape_dropout``)."""
    from .errors import DataError
    from .registry import spec

    s = spec(name)
    if not s.needs_context:
        return BUILDERS[s.architecture]()
    options = {"rr_features": rr_features}
    if shape_dropout:
        if s.architecture != "cnn":
            raise DataError("shape_dropout is an option of the robust CNN only.")
        options["shape_dropout"] = shape_dropout
    return BUILDERS[s.architecture](context=True, **options)


def layer_table(model) -> list[dict]:
    """One row per layer: name, type, output shape, parameters (for cards and the Learn page)."""
    rows = []
    for layer in model.layers:
        shape = getattr(layer, "output", None)
        shape = tuple(shape.shape) if shape is not None and hasattr(shape, "shape") else None
        rows.append({"name": layer.name, "type": type(layer).__name__,
                     "output_shape": [d for d in shape] if shape else None,
                     "params": int(layer.count_params())})
    return rows


def as_beat_array(X) -> "np.ndarray":  # noqa: F821
    """Validate beats for a model: a ``Beats``, or an array of shape (n, 187) or (187,).

    Returns float32 (n, 187). Raises DataError for a wrong shape or non-finite values.
    """
    import numpy as np

    from .beats import Beats
    from .errors import DataError

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


_SERVING: "weakref.WeakKeyDictionary" = None  # model -> its fixed-signature tf.function


def _serving_function(model):
    """``model`` wrapped in a tf.function with a fixed (None, 187, 1) signature (plus the local
    template and the (None, rr_width(model)) RR context for the robust pair), traced once.

    Keras' ``predict`` retraces for every new batch shape, and an eager call on a large array is
    slow (10x for the CNN on 21,892 beats); a fixed signature avoids both.
    """
    global _SERVING
    import weakref

    import tensorflow as tf

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
    from .beats import Beats

    X = as_beat_array(beats)[..., None]
    if not needs_context(model):
        return (X,)
    from .context import rr_context, templates
    from .errors import DataError

    if not isinstance(beats, Beats):
        raise DataError(f"Model {model.name} needs each beat's RR intervals: give it the Beats "
                        "from beats_from_record or analyze_record (with their record positions), "
                        "not a bare array of beats.")
    return X, templates(beats)[..., None], rr_context(beats, rr_width(model))


def predict_proba(model, beats, *, batch_size: int = 4096, adapt: bool = False) -> "np.ndarray":  # noqa: F821
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
    adapt : bool, default False
        Adapt to each record of ``beats`` separately, from its unlabelled beats only
        (``ecgdash.adapt.adapt_proba``: the record's own share of N, S and V beats, estimated by
        EM from the model's calls). Needs ``Beats`` with their ``record`` and a model loaded by
        ``load_model``; records under ``adapt.MIN_BEATS`` beats are scored as they are.

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
    import numpy as np

    if adapt:
        from .adapt import adapt_proba

        return adapt_proba(model, beats, batch_size=batch_size)
    inputs = model_inputs(model, beats)
    n = len(inputs[0])
    if n == 0:
        return np.zeros((0, N_CLASSES), dtype=np.float32)
    fn = _serving_function(model)
    out = [np.asarray(fn(*(a[i:i + batch_size] for a in inputs))) for i in range(0, n, batch_size)]
    return np.concatenate(out).astype(np.float32)
