"""Score beats with several models at once, and where their calls meet or differ.

    probas = score({"lstm": lstm, "cnn": cnn}, beats)      # name -> (n, 5)
    evals = metrics_per_model(beats, probas)                # name -> the report, if labelled
    differ = disagreements(probas)                          # the beats they call differently

The answers as tables are in ``ecgdash.report.predictions``.
"""
from __future__ import annotations

import numpy as np

from ecgdash.beats import Beats
from ecgdash.evaluation.metrics import evaluate
from ecgdash.models.inference import predict_proba


def score(models: dict, beats: Beats | np.ndarray) -> dict[str, np.ndarray]:
    """Class probabilities of every model, ``{name: (n, 5) array}``."""
    return {name: predict_proba(model, beats) for name, model in models.items()}


def metrics_per_model(beats: Beats, probas: dict[str, np.ndarray]) -> dict[str, dict]:
    """The evaluation of each model on labelled ``beats`` ({} if the beats have no labels)."""
    if beats.y is None:
        return {}
    return {name: evaluate(beats.y, proba) for name, proba in probas.items()}


def cell_beats(y_true, probas: dict[str, np.ndarray], model: str, true: int, called: int) -> np.ndarray:
    """Indices of the beats in one cell of ``model``'s confusion matrix: true class ``true``,
    called ``called`` (class indices).

    Examples
    --------
    >>> p = {"cnn": np.eye(5)[[0, 2, 2, 1]]}
    >>> cell_beats(np.array([0, 0, 2, 1]), p, "cnn", 0, 2).tolist()
    [1]
    """
    y_true = np.asarray(y_true)
    return np.flatnonzero((y_true == true) & (probas[model].argmax(axis=1) == called))


def disagreements(probas: dict[str, np.ndarray]) -> np.ndarray:
    """Indices of the beats the models call differently.

    Examples
    --------
    >>> disagreements({"a": np.eye(5)[[0, 1, 2]], "b": np.eye(5)[[0, 2, 2]]}).tolist()
    [1]
    """
    calls = np.stack([p.argmax(axis=1) for p in probas.values()])
    return np.flatnonzero((calls != calls[0]).any(axis=0))


