"""Training recipes: everything that decides a training run, and the two named presets.

``preset("reference")`` is how the reference pair (and the DS1-trained contrast pair) were
trained; ``preset("robust")`` how the robust pair was. The command line, the Train page and
``train_model`` / ``train_robust`` all start from these, so a run from Python gives the
documented recipe::

    config = preset("reference", epochs=5, subset=5000)   # the preset with a few changes
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

from ecgdash.config import SEED
from ecgdash.errors import DataError


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run (stored in the card).

    The defaults are the reference recipe.
    """

    epochs: int = 50
    batch_size: int = 128
    learning_rate: float = 1e-3
    patience: int = 20            # epochs without a better validation macro-F1 before stopping
    min_learning_rate: float = 1e-5  # the cosine schedule's floor, reached at the last epoch
    clipnorm: float = 1.0
    # BatchNorm's moving statistics (what the model uses when it predicts) move this far toward
    # each batch. Keras' 0.99 needs several hundred steps to forget their start: a run of
    # 5,000 beats (35 steps an epoch) then validated on statistics far from the trained
    # weights' and collapsed to one class (validation accuracy 0.066 from epoch 2, issue 13).
    # 0.9 follows within ~20 steps: the same run reaches test macro-F1 0.785.
    batchnorm_momentum: float = 0.9
    val_fraction: float = 0.1     # stratified validation part (reference recipe only)
    class_weight: str = "none"    # "none", "sqrt" (inverse square root of frequency), "balanced"
    subset: int | None = None     # train on a stratified subset of this many beats
    seed: int = SEED


@dataclass(frozen=True)
class AugmentConfig:
    """How the robust recipe draws simulated recording conditions (stored in the card)."""

    copies: int = 2                       # augmented passes over the training records per epoch
    fs_choices: tuple = (128.0, 180.0, 250.0, 500.0)
    p_resample: float = 0.5
    snr_db: tuple = (6.0, 30.0)
    p_noise: float = 0.7
    gain: tuple = (0.5, 2.0)
    p_invert: float = 0.05
    jitter_s: float = 0.008               # each beat's start moves by up to ±8 ms
    shift_s: float = 0.0                  # every beat of a pass moves by one offset, up to ±shift_s
                                          # (annotators' conventions; studies/beyond_mitbih)


#: The named recipes. Robust: fewer, longer epochs (each is several augmented passes over DS1).
PRESETS: dict[str, TrainConfig] = {
    "reference": TrainConfig(),
    "robust": TrainConfig(epochs=16, patience=6, batchnorm_momentum=0.99),
}
#: What the Train page starts from: the reference recipe, short enough for a lesson (a CNN
#: on 5,000 beats: test macro-F1 0.785 in 34 s on 2 cores, ``bench --only classroom``).
CLASSROOM = replace(PRESETS["reference"], epochs=5, subset=5000)
#: Whole DS1 records held out for validation by the robust recipe (S, V and F beats among them).
VAL_RECORDS = ("124", "201", "223")


def preset(name: str, **changes) -> TrainConfig:
    """The ``name`` preset ("reference" or "robust") with ``changes`` (``None`` values ignored).

    Raises
    ------
    DataError
        For an unknown preset or option.
    """
    if name not in PRESETS:
        raise DataError(f"Unknown training recipe {name!r}; use one of {', '.join(PRESETS)}.")
    known = {f.name for f in fields(TrainConfig)}
    unknown = set(changes) - known
    if unknown:
        raise DataError(f"Unknown training option(s) {', '.join(sorted(unknown))}.")
    return replace(PRESETS[name], **{k: v for k, v in changes.items() if v is not None})
