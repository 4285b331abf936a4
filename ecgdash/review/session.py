"""A template review of one recording: the answers a person gave, and each beat's label from them.

A review is the list of answers in the order they were given. Each answer names a set of beats
(a cluster, the part of a cluster the models dispute, one beat) and a class, or "not sure". A
beat's label is that of the last answer that names it with a class, so a later, narrower answer
(a split) overrides a cluster's; "not sure" labels nothing, but the question is not asked again.
A review is a value: answering or undoing returns a new review, so nothing a person did is
overwritten and undo is exact.

    review = Review(n_beats=2160)
    review = review.answer(cluster_beats, "N", key="cluster 1", kind="cluster")
    review = review.answer([412], "V")             # one beat, by hand
    review.labels                                  # (2160,): 0..4, or -1 where nobody labelled
    review.sentence()                              # '2 clicks: labels reached 1,650 of 2,160 beats.'
    review = review.undo()
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ecgdash.config import CLASSES
from ecgdash.errors import DataError

#: The answer that labels nothing ("I cannot tell from this").
NOT_SURE = "not sure"
#: What an answer can be about.
KINDS = ("cluster", "split", "outliers", "beats")


def class_index(label) -> int:
    """0..4 for a class letter or index, -1 for ``NOT_SURE`` (or -1); DataError otherwise.

    >>> class_index("V"), class_index(0), class_index("not sure")
    (2, 0, -1)
    """
    if label in (NOT_SURE, -1):
        return -1
    if isinstance(label, str) and label in CLASSES:
        return CLASSES.index(label)
    if isinstance(label, (int, np.integer)) and 0 <= int(label) < len(CLASSES):
        return int(label)
    raise DataError(f"A label must be one of {', '.join(CLASSES)} or '{NOT_SURE}'; got {label!r}.")


@dataclass(frozen=True)
class Answer:
    """One click: the beats it names, the class given (-1: not sure), what was asked."""

    beats: tuple[int, ...]
    label: int
    key: str = "beats"
    kind: str = "beats"

    @property
    def letter(self) -> str:
        return CLASSES[self.label] if self.label >= 0 else NOT_SURE


@dataclass(frozen=True)
class Review:
    """The answers given so far on a recording of ``n_beats`` beats.

    Examples
    --------
    >>> r = Review(5).answer([0, 1, 2, 3], "N", key="cluster 1", kind="cluster").answer([3], "V")
    >>> r.labels.tolist(), r.clicks, r.reached
    ([0, 0, 0, 2, -1], 2, 4)
    >>> r.undo().labels.tolist()
    [0, 0, 0, 0, -1]
    """

    n_beats: int
    answers: tuple[Answer, ...] = field(default=())

    def answer(self, beats, label, *, key: str = "beats", kind: str = "beats") -> "Review":
        """This review with one more answer: ``beats`` (indices) are ``label`` (a class letter
        or index, or ``NOT_SURE``)."""
        if kind not in KINDS:
            raise DataError(f"An answer is about one of {', '.join(KINDS)}; got {kind!r}.")
        index = np.unique(np.asarray(beats, dtype=np.int64).ravel())
        if len(index) == 0:
            raise DataError("An answer must name at least one beat.")
        if index[0] < 0 or index[-1] >= self.n_beats:
            raise DataError(f"Beat numbers run from 0 to {self.n_beats - 1}; got {index[0]}..{index[-1]}.")
        return Review(self.n_beats, self.answers + (Answer(tuple(index.tolist()), class_index(label), key, kind),))

    def undo(self) -> "Review":
        """This review without its last answer (the same review when there is none)."""
        return Review(self.n_beats, self.answers[:-1])

    @cached_property
    def labels(self) -> np.ndarray:
        """Each beat's class from the answers (0..4), -1 where no answer gave it one."""
        out = np.full(self.n_beats, -1, dtype=np.int64)
        for a in self.answers:
            if a.label >= 0:
                out[list(a.beats)] = a.label
        return out

    @property
    def asked(self) -> set[str]:
        """The questions already answered (their keys), "not sure" included."""
        return {a.key for a in self.answers}

    @property
    def clicks(self) -> int:
        return len(self.answers)

    @property
    def reached(self) -> int:
        """How many beats have a label from a person."""
        return int((self.labels >= 0).sum())

    def sentence(self) -> str:
        """'7 clicks: labels reached 2,103 of 2,160 beats.'

        >>> Review(10).answer(range(6), "N").sentence()
        '1 click: labels reached 6 of 10 beats.'
        """
        s = "" if self.clicks == 1 else "s"
        return f"{self.clicks} click{s}: labels reached {self.reached:,} of {self.n_beats:,} beats."

    def how(self) -> str:
        """How the labels came: 'A person labelled 1,650 of 2,160 beats in 3 clicks (2 clusters, 1 split);
        the calls follow their labels.'

        >>> Review(10).answer(range(6), "N", kind="cluster").answer([7], "not sure").how()
        'A person labelled 6 of 10 beats in 2 clicks (1 cluster, 1 beat); the calls follow their labels.'
        """
        kinds = {}
        for a in self.answers:
            kinds[a.kind] = kinds.get(a.kind, 0) + 1
        words = {"cluster": ("cluster", "clusters"), "split": ("split", "splits"),
                 "outliers": ("group of outliers", "groups of outliers"), "beats": ("beat", "beats")}
        parts = ", ".join(f"{v} {words[k][v != 1]}" for k, v in kinds.items())
        s = "" if self.clicks == 1 else "s"
        return (f"A person labelled {self.reached:,} of {self.n_beats:,} beats in {self.clicks} click{s}"
                f"{f' ({parts})' if parts else ''}; the calls follow their labels.")

    def by_cluster(self, clusters) -> dict[int, str]:
        """What the labels say of each cluster that has any: its one class ("N"), or the classes
        with their counts ("N 380, S 12").

        >>> Review(4).answer([0, 1, 2], "N").answer([2], "S").by_cluster(np.array([0, 0, 0, 1]))
        {0: 'N 2, S 1'}
        """
        clusters = np.asarray(clusters)
        labels = self.labels
        out = {}
        for c in np.unique(clusters):
            got = labels[clusters == c]
            counts = np.bincount(got[got >= 0], minlength=len(CLASSES))
            if counts.sum():
                out[int(c)] = (CLASSES[int(counts.argmax())] if (counts > 0).sum() == 1 else
                               ", ".join(f"{CLASSES[i]} {v:,}" for i, v in enumerate(counts) if v))
        return out
