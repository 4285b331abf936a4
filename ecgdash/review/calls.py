"""Each model's call for every beat once a person has labelled some of a recording's beats.

A beat a person labelled takes that label in every model's calls (probability 1 for the class):
a template review is the person's reading, the models are the help. The other beats keep each
model's own probabilities.

    calls = reviewed_proba(result.probas, review.labels)       # model name -> (n, 5)
    shown = reviewed_analysis(result, review)                  # the analysis, its calls following them
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ecgdash.config import N_CLASSES


def reviewed_proba(probas: dict, labels) -> dict:
    """Each model's probabilities with the labelled beats set to their label.

    Parameters
    ----------
    probas : dict
        Model name -> (n, 5) probabilities.
    labels : int array, shape (n,)
        A person's label per beat (0..4), -1 where none (``Review.labels``).

    Returns
    -------
    dict
        Model name -> (n, 5) float32: one-hot rows where a person labelled, the model's own elsewhere.

    Examples
    --------
    >>> p = {"m": np.array([[0.9, 0.1, 0, 0, 0], [0.6, 0.4, 0, 0, 0]])}
    >>> reviewed_proba(p, np.array([-1, 1]))["m"].argmax(axis=1).tolist()
    [0, 1]
    """
    labels = np.asarray(labels)
    done = labels >= 0
    out = {}
    for name, proba in probas.items():
        p = np.array(proba, dtype=np.float32, copy=True)
        p[done] = np.eye(N_CLASSES, dtype=np.float32)[labels[done]]
        out[name] = p
    return out


def reviewed_analysis(result, review):
    """A ``RecordAnalysis`` whose calls follow a person's labels (``review``, a
    ``session.Review``; ``reviewed_proba``): its table (with a ``label`` column), counts and
    scores against the reference are the reviewed ones, and its ``review_note`` says who
    labelled what (``Review.how``). ``result`` itself is left as it was."""
    labels = review.labels
    return replace(result, probas=reviewed_proba(result.probas, labels), labels=labels,
                   review_note=review.how())


#: How much of a beat's probabilities ``cluster_smoothed`` takes from its cluster's mean.
SMOOTHING = 0.5


def cluster_smoothed(probas: dict, clusters, *, weight: float = SMOOTHING) -> dict:
    """Each model's probabilities with each beat drawn towards its cluster's mean, without any
    label: ``(1 - weight) * own + weight * mean of its cluster``.

    A recording's own structure, used with no click: beats that look and come alike are called
    more alike. An option, off by default: measured on svdb-dev out of fold it raised both
    models' mean F1 of N, S and V, but on DS1 it lowered the CNN's (studies/template_review).

    Examples
    --------
    >>> p = {"m": np.array([[0.9, 0.1, 0, 0, 0], [0.4, 0.6, 0, 0, 0], [0.8, 0.2, 0, 0, 0]])}
    >>> cluster_smoothed(p, np.array([0, 0, 0]))["m"].argmax(axis=1).tolist()
    [0, 0, 0]
    """
    clusters = np.asarray(clusters)
    out = {}
    for name, proba in probas.items():
        proba = np.asarray(proba, dtype=np.float64)
        sums = np.zeros((clusters.max() + 1 if len(clusters) else 0, proba.shape[1]))
        np.add.at(sums, clusters, proba)
        mean = sums / np.maximum(np.bincount(clusters, minlength=len(sums)), 1)[:, None]
        out[name] = ((1 - weight) * proba + weight * mean[clusters]).astype(np.float32)
    return out
