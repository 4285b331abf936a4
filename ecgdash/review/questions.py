"""What to look at next in a template review, so that each click settles the most beats.

Three kinds of question, all ranked on one scale, the beats a click is expected to settle:

- **cluster**: a cluster nobody has labelled; answering labels every beat of it still without a
  label. Its score is those beats.
- **split**: the part of a labelled cluster that a model calls another class (e.g. the 41
  beats labelled N that the LSTM calls S). Answering labels that part. Its score is the models'
  share of doubt, the sum over its beats of the mean probability the two models give to a class
  other than the label: a part both models are sure of is worth its size, a part one model
  half doubts is worth less.
- **outliers**: labelled beats that fit their cluster worst (the ``OUTLIER_Z`` furthest from its
  median shape), looked at one group at a time; scored like a split.

A question already answered (its ``key``), "not sure" included, is not asked again. A key
names the cluster and how many beats the question shows, so a cluster of another grouping (the
page lets a person choose how many clusters) or a part that a later answer changed is a new
question.

    asked = next_questions(review, clusters.cluster, result.probas)
    asked[0].why     # '41 beats labelled N with cluster #2: Robust LSTM says S for 38, Robust CNN for 12.'
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ecgdash.config import CLASSES
from ecgdash.models import registry
from ecgdash.review.session import Review

#: How far (in robust standard deviations of its cluster's distances) a beat's shape must lie from
#: its cluster's median shape to be asked about as an outlier.
OUTLIER_Z = 4.0


@dataclass(frozen=True, eq=False)
class Question:
    """One thing to look at.

    Attributes
    ----------
    key : str
        What identifies it across clicks (an answer records it, so it is not asked twice).
    kind : {"cluster", "split", "outliers"}
    beats : int array
        The beats an answer labels.
    cluster : int
        The cluster they belong to (0 the largest).
    now : int
        The label they have now (-1: none).
    calls : dict
        Model name -> how many of these beats it calls each class (length-5 int array).
    score : float
        The beats one click is expected to settle (see the module's docstring).
    why : str
        The reason, in words.
    """

    key: str
    kind: str
    beats: np.ndarray
    cluster: int
    now: int
    calls: dict
    score: float
    why: str

    @property
    def size(self) -> int:
        return len(self.beats)


def _beats(n: int) -> str:
    """'1 beat', '1,204 beats'."""
    return f"{n:,} beat{'s' if n != 1 else ''}"


def _calls(probas: dict, index: np.ndarray) -> dict:
    return {name: np.bincount(p[index].argmax(axis=1), minlength=len(CLASSES)) for name, p in probas.items()}


def _say_calls(calls: dict) -> str:
    """'Robust LSTM calls most of them N, Robust CNN N.'"""
    parts = [f"{registry.title(name)} calls {'most of them ' if i == 0 else ''}{CLASSES[int(c.argmax())]}"
             for i, (name, c) in enumerate(calls.items())]
    return ", ".join(parts) + "."


def next_questions(review: Review, clusters, probas: dict, *, readable=None, shapes=None,
                   limit: int | None = None) -> list[Question]:
    """The questions worth a click now, best first.

    Parameters
    ----------
    review : Review
        The answers so far.
    clusters : int array, shape (n,)
        Each beat's cluster (``ecg.clusters.cluster_beats(...).cluster``).
    probas : dict
        Model name -> (n, 5) probabilities (each model as it is, not the reviewed calls: a
        model's doubt about a label is what a split question asks about).
    readable : bool array, shape (n,), optional
        Beats that can be classified; beats in unreadable stretches are never asked about.
    shapes : float array, shape (n, m), optional
        Each beat's shape (``ecg.clusters.beat_shapes``): with it, outliers are asked about too.
    limit : int, optional
        At most this many (default: all).

    Returns
    -------
    list of Question
        Sorted by ``score``, largest first; ties by size, then by cluster.

    Examples
    --------
    >>> p = np.tile([[0.9, 0.05, 0.03, 0.01, 0.01]], (6, 1)); p[4:] = [0.1, 0.85, 0.03, 0.01, 0.01]
    >>> review = Review(6)
    >>> [q.key for q in next_questions(review, np.array([0, 0, 0, 0, 0, 1]), {"m": p})]
    ['cluster 1 (5)', 'cluster 2 (1)']
    >>> review = review.answer(range(5), "N", key="cluster 1 (5)", kind="cluster")
    >>> q = next_questions(review, np.array([0, 0, 0, 0, 0, 1]), {"m": p})
    >>> [(x.key, x.beats.tolist()) for x in q]
    [('cluster 2 (1)', [5]), ('split 1: N called S (1)', [4])]
    """
    clusters = np.asarray(clusters)
    n = len(clusters)
    ok = np.ones(n, dtype=bool) if readable is None else np.asarray(readable, dtype=bool)
    labels = review.labels
    asked = review.asked
    doubt = {name: 1.0 - p for name, p in probas.items()}      # per class: the probability of anything else
    mean_doubt = np.mean([d for d in doubt.values()], axis=0) if probas else np.zeros((n, len(CLASSES)))
    calls = {name: p.argmax(axis=1) for name, p in probas.items()}
    out: list[Question] = []
    for c in np.unique(clusters):
        member = (clusters == c) & ok
        todo = np.flatnonzero(member & (labels < 0))
        key = f"cluster {c + 1} ({len(todo)})"
        if len(todo) and key not in asked:
            counts = _calls(probas, todo)
            out.append(Question(key, "cluster", todo, int(c), -1, counts, float(len(todo)),
                                f"Cluster #{c + 1}: {_beats(len(todo))} without a label. " + _say_calls(counts)))
        for now in np.unique(labels[member & (labels >= 0)]):
            here = member & (labels == now)
            for k in range(len(CLASSES)):
                if k == now:
                    continue
                who = {name: here & (call == k) for name, call in calls.items()}
                index = np.flatnonzero(np.any(list(who.values()), axis=0)) if who else np.zeros(0, int)
                key = f"split {c + 1}: {CLASSES[now]} called {CLASSES[k]}"
                if len(index) == 0 or f"{key} ({len(index)})" in asked:
                    continue
                score = float(mean_doubt[index, now].sum())
                disputing = [(name, int(m.sum())) for name, m in who.items() if m.any()]
                said = ", ".join(f"{registry.title(name)} {'says ' + CLASSES[k] + ' ' if i == 0 else ''}for {count:,}"
                                 for i, (name, count) in enumerate(disputing))
                out.append(Question(f"{key} ({len(index)})", "split", index, int(c), int(now), _calls(probas, index),
                                    score, f"{_beats(len(index))} labelled {CLASSES[now]} with cluster #{c + 1}: "
                                           f"{said}."))
            if shapes is not None:
                out += _outliers(c, here, int(now), shapes, mean_doubt, probas, asked)
    out.sort(key=lambda q: (-q.score, -q.size, q.cluster))
    return out[:limit] if limit else out


def _outliers(c: int, here: np.ndarray, now: int, shapes: np.ndarray, mean_doubt: np.ndarray,
              probas: dict, asked: set) -> list[Question]:
    """The beats labelled ``now`` in cluster ``c`` whose shape lies furthest from the others'."""
    index = np.flatnonzero(here)
    if len(index) < 10:
        return []
    x = shapes[index]
    dist = np.sqrt(((x - np.median(x, axis=0)) ** 2).mean(axis=1))
    med = np.median(dist)
    spread = 1.4826 * np.median(np.abs(dist - med)) or 1e-12
    far = index[(dist - med) / spread > OUTLIER_Z]
    key = f"outliers {c + 1}: {CLASSES[now]} ({len(far)})"
    if len(far) == 0 or key in asked:
        return []
    return [Question(key, "outliers", far, int(c), now, _calls(probas, far), float(mean_doubt[far, now].sum()),
                     f"{_beats(len(far))} labelled {CLASSES[now]} with cluster #{c + 1} fit it worst "
                     f"(their shape lies far from its median beat).")]


def manual_splits(parts, review: Review, probas: dict) -> list[Question]:
    """Questions for the parts of clusters a person split (``ecg.clusters.split_group``):
    ``parts`` is a list of ``(cluster, part number, beat indices)``; each becomes a split question,
    in the order given.

    >>> p = {"m": np.tile([[0.9, 0.1, 0, 0, 0]], (4, 1))}
    >>> [q.why for q in manual_splits([(0, 1, np.array([0, 1])), (0, 2, np.array([2, 3]))], Review(4), p)][1]
    'Part 2 of cluster #1, as you split it: 2 beats. m calls most of them N.'
    """
    labels = review.labels
    out = []
    for c, part, index in parts:
        index = np.asarray(index)
        if len(index) == 0:
            continue
        got = labels[index]
        now = int(np.bincount(got[got >= 0], minlength=len(CLASSES)).argmax()) if (got >= 0).any() else -1
        counts = _calls(probas, index)
        out.append(Question(f"cluster {c + 1} part {part} ({len(index)})", "split", index, int(c), now, counts,
                            float(len(index)), f"Part {part} of cluster #{c + 1}, as you split it: "
                                               f"{_beats(len(index))}. " + _say_calls(counts)))
    return out
