"""The networks, one readable builder each: the LSTM and the 1-D CNN (and the reference study's
LSTM, for comparison), with or without the RR context and local template of the robust pair.

    model = build("cnn")                 # a registered model, untrained (ecgdash.models.registry)
    model = build_lstm(context=True)     # the robust LSTM's architecture
"""
from __future__ import annotations

from ecgdash.config import BEAT_LEN, N_CLASSES
from ecgdash.ecg.context import COMMITTED_RR
from ecgdash.models.registry import spec


def _context_input(width: int):
    """The RR-context input (the first ``width`` of ``context.RR_FEATURES``) and a small
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
               rr_features: int = COMMITTED_RR) -> "keras.Model":  # noqa: F821
    """Our LSTM: a small convolutional front end, then an LSTM that reads the whole beat.

    Two convolutions of 5 samples (1,392 parameters; the second with stride 2) turn the
    187-sample beat into 94 steps of 16 local features, halving the sequence the LSTM must carry
    its memory through. The LSTM(48) reads them in order; its output at every step is pooled
    (maximum and mean over time), so every step of the beat feeds the decision directly, not
    only the last one. BatchNorm -> Dense(32) -> Dense(5). 17,525 parameters: under the
    reference study's 19,397.

    With ``context=True`` (the robust LSTM) a second input, the beat's RR intervals
    (``ecgdash.ecg.context``), joins the pooled features before the dense layers, and the
    convolutions read the beat, its local template and their difference. ``rr_features``: how
    many of ``context.RR_FEATURES`` it reads.
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
              dense: int = 48, context: bool = False, rr_features: int = COMMITTED_RR) -> "keras.Model":  # noqa: F821
    """A small residual 1-D CNN (under 100,000 parameters; the reference CNN had 384,453).

    A stem convolution, then residual blocks (two convolutions of ``kernel`` samples, a skip
    connection, max-pooling by 2): each block sees a wider stretch of the beat, from 7 samples
    (58 ms) in the first layer to most of the beat at the end. The flattened features keep
    *where* along the beat each shape occurs (the next R peak's position is the RR interval);
    the dense head classifies them. 91,925 parameters.

    With ``context=True`` (the robust CNN) the stem reads the beat, its local template and their
    difference, and the beat's RR intervals (``ecgdash.ecg.context``) join the flattened features
    before the dense head (the first ``rr_features`` of ``context.RR_FEATURES``).
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


def build(name: str, *, rr_features: int = COMMITTED_RR) -> "keras.Model":  # noqa: F821
    """A fresh, untrained model for the registered ``name`` (``ecgdash.models.registry.MODELS``);
    one with context reads the first ``rr_features`` of ``context.RR_FEATURES``."""
    s = spec(name)
    if s.needs_context:
        return BUILDERS[s.architecture](context=True, rr_features=rr_features)
    return BUILDERS[s.architecture]()


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


