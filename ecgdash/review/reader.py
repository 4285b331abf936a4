"""A simulated reader, to measure what a few clicks of template review are worth.

The reader takes the questions in the order ``next_questions`` proposes them and answers each
with the majority reference label of the beats it shows (the file's annotations): a reader who is
always right about the majority, never about the exceptions inside a group. "Not sure" when none
of the beats has a reference label.

    reviews = simulate(clusters, probas, reference, clicks=(0, 3, 6, 12))   # budget -> Review
    curve = review_database("../shared/data/svdb-dev", models, clicks=(0, 6, 12))  # pooled figures
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from ecgdash.config import CLASSES
from ecgdash.datasets.mitbih import list_records
from ecgdash.ecg.clusters import CLUSTERS, cluster_beats
from ecgdash.errors import DataError
from ecgdash.evaluation.metrics import evaluate
from ecgdash.pipeline.record import analyze_record
from ecgdash.review.calls import reviewed_proba
from ecgdash.review.questions import next_questions
from ecgdash.review.session import NOT_SURE, Review

#: How the simulated reader is described wherever its figures are shown.
READER = ("a simulated reader: each proposed question answered with the majority reference label "
          "of the beats it shows (always right about the majority, never about the exceptions)")


def majority(reference, beats) -> str:
    """The most common reference class of ``beats`` (ignoring -1), or ``NOT_SURE``.

    >>> majority(np.array([0, 1, 1, -1]), [0, 1, 2, 3]), majority(np.array([-1, -1]), [0, 1])
    ('S', 'not sure')
    """
    y = np.asarray(reference)[np.asarray(beats)]
    y = y[y >= 0]
    return CLASSES[int(np.bincount(y, minlength=len(CLASSES)).argmax())] if len(y) else NOT_SURE


def simulate(clusters, probas: dict, reference, *, clicks=(0, 3, 6, 12), readable=None,
             shapes=None) -> dict[int, Review]:
    """The review after each budget of clicks, the simulated reader answering.

    Parameters
    ----------
    clusters : int array, shape (n,)
        Each beat's cluster.
    probas : dict
        Model name -> (n, 5) probabilities as the models give them.
    reference : int array, shape (n,)
        Reference class per beat (-1: none).
    clicks : sequence of int
        The budgets (clicks per recording).
    readable, shapes
        As in ``next_questions``.

    Returns
    -------
    dict
        Budget -> ``Review`` after that many clicks (fewer when no question was left).

    Examples
    --------
    >>> p = np.tile([[0.9, 0.05, 0.03, 0.01, 0.01]], (6, 1)); p[5] = [0.1, 0.85, 0.03, 0.01, 0.01]
    >>> out = simulate(np.array([0, 0, 0, 0, 0, 1]), {"m": p}, np.array([0, 0, 0, 0, 2, 1]), clicks=(1, 2))
    >>> out[1].labels.tolist(), out[2].labels.tolist()
    ([0, 0, 0, 0, 0, -1], [0, 0, 0, 0, 0, 1])
    """
    reference = np.asarray(reference)
    review = Review(len(reference))
    out = {}
    for budget in sorted(set(int(c) for c in clicks)):
        while review.clicks < budget:
            asked = next_questions(review, clusters, probas, readable=readable, shapes=shapes, limit=1)
            if not asked:
                break
            q = asked[0]
            review = review.answer(q.beats, majority(reference, q.beats), key=q.key, kind=q.kind)
        out[budget] = review
    return out


def review_database(folder, models: dict, *, clicks=(0, 3, 6, 12, 24), records=None, k: int = CLUSTERS,
                    progress: Callable[[int, int, str], None] | None = None) -> dict:
    """The simulated reader on every annotated record of a folder: each model's calls after each
    budget of clicks per recording, pooled over the records.

    Each record is analysed as the Recordings page does (beats at the annotated positions, any
    rate; ``analyze_record``), its beats grouped into ``k`` clusters (``cluster_beats``), and the
    reader answers the questions of ``next_questions`` up to each budget.

    Parameters
    ----------
    folder : str or Path
        A folder of WFDB records with beat annotations.
    models : dict
        Model name -> loaded model.
    clicks : sequence of int
        Clicks per recording.
    records : sequence of str, optional
        Which records (default: all).
    k : int
        Clusters per recording.
    progress : callable, optional
        Called with (done, total, record name).

    Returns
    -------
    dict
        ``{model name: {clicks: {"accuracy", "N", "S", "V", "beats", "confusion", "reached"}}}``:
        accuracy and F1 of N, S and V over every annotated beat, the beats counted, the 5 x 5
        confusion matrix, and the share of all beats (annotated or not) a person's label reached.
    """
    folder = Path(folder)
    names = list(records) if records else list_records(folder)
    budgets = sorted(set(int(c) for c in clicks))
    if not names:
        raise DataError(f"No annotated records in {folder}.")
    truth, calls = [], {m: {b: [] for b in budgets} for m in models}
    reached, every = {b: 0 for b in budgets}, 0
    for i, name in enumerate(names):
        result = analyze_record(folder / name, models=models, use_annotations=True, check_quality=False)
        signal = result.recording.lead_signal(result.lead)
        groups = cluster_beats(signal.signal, signal.fs, result.beats.sample, k=k)
        reviews = simulate(groups.cluster, result.probas, result.reference, clicks=budgets, shapes=groups.shapes)
        known = result.reference >= 0
        every += len(result.beats)
        truth.append(result.reference[known])
        for b, review in reviews.items():
            reached[b] += review.reached
            for m, p in reviewed_proba(result.probas, review.labels).items():
                calls[m][b].append(p[known].argmax(axis=1))
        if progress:
            progress(i + 1, len(names), name)
    y = np.concatenate(truth)
    out = {}
    for m in models:
        out[m] = {}
        for b in budgets:
            ev = evaluate(y, np.eye(len(CLASSES), dtype=np.float32)[np.concatenate(calls[m][b])])
            out[m][b] = {"accuracy": ev["accuracy"], **{c: ev["per_class"][c]["f1"] for c in "NSV"},
                         "beats": int(ev["n"]), "confusion": ev["confusion"],
                         "reached": reached[b] / max(every, 1)}
    return out
