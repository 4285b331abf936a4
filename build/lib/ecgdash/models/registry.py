"""The model registry: every model ecgdash trains and ships, and what it is. The one place.

Pages, the command line, ``analyze_record``, the store and the figures read names, titles,
pairs, training splits, inputs and colours from here::

    registry.MODELS["robust_cnn"].needs_context   # True: takes RR context and a local template
    registry.PAIRS["robust"]                      # ("robust_lstm", "robust_cnn")
    registry.title("lstm_inter")                  # "LSTM (DS1-trained)"
"""
from __future__ import annotations

from dataclasses import dataclass

from ecgdash.datasets.splits import Split
from ecgdash.errors import DataError


@dataclass(frozen=True)
class ModelSpec:
    """What a registered model is.

    Attributes
    ----------
    name : str
        File name in ``trained_models/`` (``<name>.keras`` and ``<name>.json``).
    title : str
        How pages and reports name it.
    architecture : {"lstm", "cnn"}
        Which builder of ``ecgdash.models.builders`` makes it.
    pair : {"reference", "inter", "robust"}
        The pair it belongs to (see ``PAIRS``).
    split : Split
        What it is trained and tested on.
    recipe : {"reference", "robust"}
        The training preset (``ecgdash.training.recipes``).
    needs_context : bool
        Whether it takes the RR context and local template besides the beat.
    color : str
        Its colour on every chart.
    max_params : int
        The parameter budget it must stay within.
    """

    name: str
    title: str
    architecture: str
    pair: str
    split: Split
    recipe: str
    needs_context: bool
    color: str
    max_params: int


MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in (
    ModelSpec("lstm", "LSTM", "lstm", "reference", Split.INTRA, "reference", False, "#7B61FF", 20_000),
    ModelSpec("cnn", "CNN", "cnn", "reference", Split.INTRA, "reference", False, "#00A6A6", 100_000),
    ModelSpec("lstm_inter", "LSTM (DS1-trained)", "lstm", "inter", Split.INTER, "reference", False,
              "#B3A3FF", 20_000),
    ModelSpec("cnn_inter", "CNN (DS1-trained)", "cnn", "inter", Split.INTER, "reference", False,
              "#66CCCC", 100_000),
    ModelSpec("robust_lstm", "Robust LSTM", "lstm", "robust", Split.INTER, "robust", True,
              "#4B2BB8", 20_000),
    ModelSpec("robust_cnn", "Robust CNN", "cnn", "robust", Split.INTER, "robust", True,
              "#006B6B", 100_000),
)}

#: The pairs: an LSTM and a CNN trained alike.
PAIRS: dict[str, tuple[str, str]] = {
    "reference": ("lstm", "cnn"),           # the Kaggle split; scores beat files (Predict)
    "inter": ("lstm_inter", "cnn_inter"),   # the same recipe on DS1, for the inter-patient contrast
    "robust": ("robust_lstm", "robust_cnn"),  # DS1 patient-wise, augmented, RR context; recordings
}
PAIR_TITLES = {
    "reference": "Reference pair (trained on the Kaggle split)",
    "inter": "Reference recipe on DS1",
    "robust": "Robust pair (trained patient-wise for new patients and devices)",
}
#: The pair that scores beat files (they carry no RR context) and the one for recordings.
BEATS_PAIR = "reference"
RECORDINGS_PAIR = "robust"
#: Neutral colour of a model that is not registered (e.g. a candidate on the Train page).
OTHER_COLOR = "#555555"


def spec(name: str) -> ModelSpec:
    """The registry entry of ``name``; ``DataError`` naming the known models otherwise."""
    try:
        return MODELS[name]
    except KeyError:
        raise DataError(f"Unknown model {name!r}; known models: {', '.join(MODELS)}.") from None


def model_name(architecture: str, split: Split | str) -> str:
    """The registered name of the reference-recipe ``architecture`` trained on ``split``."""
    split = Split.parse(split)
    for s in MODELS.values():
        if s.recipe == "reference" and s.architecture == architecture and s.split is split:
            return s.name
    raise DataError(f"No reference-recipe {architecture!r} model for the {split.value} split.")


def title(name: str) -> str:
    """How pages name ``name`` (the name itself when it is not registered)."""
    return MODELS[name].title if name in MODELS else name


def color(name: str) -> str:
    """The chart colour of ``name``."""
    return MODELS[name].color if name in MODELS else OTHER_COLOR
